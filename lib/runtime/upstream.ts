import type * as z from 'zod';
import type { UpstreamRequestSpec } from './action';
import type { Deadline } from '../http/deadline';
import { ErrorCode, UpstreamError } from '../base/errors';
import type { DependencyBreaker } from '../http/circuitBreaker';
import { parseJsonBody, type HttpRequest, type HttpResponse } from '../http/http';
import { sendWithRetries } from '../http/retry';
import type { TokenLease } from '../auth/tokenLease';
import type { TokenSource } from '../auth/tokenSource';
import { joinUrl } from '../base/url';
import type { HttpAgent } from '../http/httpClient';

/**
 * Calls the upstream API with the bearer token and turns its answer into the action's
 * parsed response (docs/design.md §6, §7). It holds a lease on a token (lib/auth/tokenLease.ts) and
 * tells it what the upstream answered: the lease decides which token goes next.
 */

export interface UpstreamContext {
  agent: HttpAgent;
  /** Where the token lease and the API base come from. */
  auth: TokenSource;
  breaker: DependencyBreaker;
  /** Whether a failed request may be sent again (docs/design.md §7). */
  idempotent: boolean;
  maxBodyBytes: number;
  deadline: Deadline;
}

/** What the invocation log line reports about the upstream call. */
export interface UpstreamObservation {
  upstreamStatus?: number;
  upstreamCorrelationId?: string;
  upstreamCalls: number;
  tokenCacheHit?: boolean;
  secretCacheHit?: boolean;
  /** 429s that were a token's own limit (sent again with another token). */
  tokenLimited?: number;
  /** Token requests this invocation waited for (not served from the cache). */
  tokenRequests?: number;
  /** Time spent in upstream exchanges, retries included, in milliseconds. */
  upstreamMs?: number;
  /** Whole days until the client certificate presented to the upstream expires (only when the secret has one). */
  clientCertDaysLeft?: number;
}

export function buildUrl(baseUrl: string, spec: UpstreamRequestSpec): URL {
  const url = joinUrl(baseUrl, spec.path);
  for (const [name, value] of Object.entries(spec.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

async function send(context: UpstreamContext, baseUrl: string, spec: UpstreamRequestSpec, lease: TokenLease, observation: UpstreamObservation): Promise<HttpResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...spec.headers };
  headers.authorization = lease.authorization();
  if (spec.body !== undefined) headers['content-type'] = 'application/json';
  const request: HttpRequest = {
    method: spec.method,
    url: buildUrl(baseUrl, spec),
    headers,
    body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
    step: 'upstream request',
    maxBodyBytes: context.maxBodyBytes,
  };
  observation.upstreamCalls++;
  const startedAt = performance.now();
  // The breaker sees each exchange as one success or failure, retries included.
  return context.breaker.run(context.deadline.log, async () => {
    const response = await sendWithRetries(context.agent, request, context.deadline, {
      idempotent: context.idempotent,
      // A 429 that is this token's own limit is sent again at once with another token (callUpstream), not waited for.
      handledByCaller: (answer) => lease.isTokenLimit(answer),
      unreachable: (detail, cause) => new UpstreamError(ErrorCode.UPSTREAM_ERROR, `could not reach the upstream API at ${request.url.host} (${detail})`, { cause }),
      // docs/design.md §7: a Retry-After that does not fit before the deadline fails at once, as rate limiting.
      waitDoesNotFit: (response, waitMs) =>
        failure(ErrorCode.UPSTREAM_RATE_LIMITED, `the upstream API asks to wait ${Math.ceil(waitMs / 1000)} s, longer than this invocation has left`, response, lease),
      // Each attempt after the first is another request: it takes budget as the first did, maybe with another token.
      beforeRetry: async () => {
        await lease.spend(context.deadline);
        observation.upstreamCalls++;
        headers.authorization = lease.authorization();
      },
    });
    observation.upstreamMs = Math.round(((observation.upstreamMs ?? 0) + performance.now() - startedAt) * 100) / 100;
    const tokenLimited = lease.answered(response, context.deadline.log);
    if (response.status === 429 && !tokenLimited) throw failure(ErrorCode.UPSTREAM_RATE_LIMITED, 'the upstream API is rate limiting requests', response, lease);
    if (response.status >= 500) throw failure(ErrorCode.UPSTREAM_ERROR, 'the upstream API failed', response, lease);
    return response;
  });
}

function failure(code: ErrorCode, detail: string, response: HttpResponse, lease: TokenLease): UpstreamError {
  const correlationId = lease.correlationIdOf(response);
  const suffix = `(HTTP ${response.status}${correlationId ? `, correlation id ${correlationId}` : ''})`;
  return new UpstreamError(code, `${detail} ${suffix}`, { status: response.status, upstreamCorrelationId: correlationId });
}

function parseBody<T>(response: HttpResponse, schema: z.ZodType<T>, lease: TokenLease): T {
  // 204 No Content (CXone's answer when it has no data) reaches the action's schema as null.
  const body = response.status === 204 ? { ok: true as const, json: null } : parseJsonBody(response, 'MAX_UPSTREAM_BYTES');
  if (!body.ok) throw failure(ErrorCode.UPSTREAM_INVALID_RESPONSE, `upstream: ${body.problem}`, response, lease);
  const parsed = schema.safeParse(body.json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    throw failure(ErrorCode.UPSTREAM_INVALID_RESPONSE, `the upstream response does not match the expected shape: ${problems}`, response, lease);
  }
  return parsed.data;
}

/** Records the final status and correlation id for the log line, from a response or a failure. */
async function observe(observation: UpstreamObservation, sending: Promise<HttpResponse>, lease: TokenLease): Promise<HttpResponse> {
  try {
    const response = await sending;
    observation.upstreamStatus = response.status;
    observation.upstreamCorrelationId = lease.correlationIdOf(response);
    return response;
  } catch (error) {
    if (error instanceof UpstreamError) {
      observation.upstreamStatus = error.status;
      observation.upstreamCorrelationId = error.upstreamCorrelationId;
    }
    throw error;
  }
}

async function withClientTls(context: UpstreamContext, lease: TokenLease, observation: UpstreamObservation): Promise<UpstreamContext> {
  const clientTls = await context.auth.upstreamTls(lease, context.deadline);
  if (!clientTls) return context;
  const daysLeft = clientTls.tls.daysLeft(Date.now());
  if (daysLeft !== undefined) observation.clientCertDaysLeft = daysLeft;
  return { ...context, agent: clientTls.agent };
}

export async function callUpstream<T>(
  context: UpstreamContext,
  spec: UpstreamRequestSpec,
  schema: z.ZodType<T>,
  observation: UpstreamObservation,
): Promise<T> {
  const lease = await context.auth.lease(context.deadline);
  observation.tokenCacheHit = lease.cacheHit;
  observation.secretCacheHit = lease.secretCacheHit;
  try {
    // Mutual TLS only when the secret has a certificate or CA bundle: a property read for every other action.
    if (lease.credentials.tls) context = await withClientTls(context, lease, observation);
    const baseUrl = await context.auth.apiBaseUrl(lease, context.deadline);
    const exchange = () => observe(observation, send(context, baseUrl, spec, lease, observation), lease);
    let response = await exchange();
    for (;;) {
      if (response.status === 401) {
        if (!(await lease.rejected(context.deadline))) break;
      } else if (response.status === 429 && context.idempotent && (await lease.renew(context.deadline))) {
        // A 429 that reaches here is the token's own limit (send throws any other): at once again with another token.
        observation.tokenLimited = (observation.tokenLimited ?? 0) + 1;
      } else break;
      response = await exchange();
    }
    if (response.status === 429) throw failure(ErrorCode.UPSTREAM_RATE_LIMITED, "the token's own rate limit is reached", response, lease);
    if (response.status === 401) {
      throw failure(ErrorCode.UPSTREAM_UNAUTHORIZED, "the upstream API rejected a freshly issued token; check the client's roles or permissions", response, lease);
    }
    if (response.status < 200 || response.status > 299) throw failure(ErrorCode.UPSTREAM_ERROR, 'the upstream API answered with an error', response, lease);
    return parseBody(response, schema, lease);
  } finally {
    if (lease.tokenRequests > 0) observation.tokenRequests = lease.tokenRequests;
  }
}

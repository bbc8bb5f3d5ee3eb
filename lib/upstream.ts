import type * as z from 'zod';
import type { UpstreamRequestSpec } from './action';
import type { Deadline } from './deadline';
import { ErrorCode, UpstreamError } from './errors';
import type { DependencyBreaker } from './circuitBreaker';
import { correlationIdOf, parseJsonBody, type HttpRequest, type HttpResponse } from './http';
import { sendWithRetries } from './retry';
import type { Grant, TokenSource } from './auth/tokenSource';
import { joinUrl } from './url';
import type { HttpAgent } from './httpClient';

/**
 * Calls the upstream API with the bearer token and turns its answer into the action's
 * parsed response (SPEC §6, §7). An upstream 401 drops the token and retries once with a
 * new one, never more.
 */

export interface UpstreamContext {
  agent: HttpAgent;
  /** Where the token and the API base come from. */
  auth: TokenSource;
  breaker: DependencyBreaker;
  /** Whether a failed request may be sent again (SPEC §7). */
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
}

/** A grant not served from the cache cost a token request (shared or not). */
function counted(observation: UpstreamObservation, grant: Grant): Grant {
  if (!grant.cacheHit) observation.tokenRequests = (observation.tokenRequests ?? 0) + 1;
  return grant;
}

function buildUrl(baseUrl: string, spec: UpstreamRequestSpec): URL {
  const url = joinUrl(baseUrl, spec.path);
  for (const [name, value] of Object.entries(spec.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

async function send(context: UpstreamContext, baseUrl: string, spec: UpstreamRequestSpec, grant: Grant, observation: UpstreamObservation): Promise<HttpResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...spec.headers };
  headers.authorization = context.auth.authorization(grant);
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
  return context.breaker.run(async () => {
    const response = await sendWithRetries(context.agent, request, context.deadline, {
      idempotent: context.idempotent,
      // A 429 that is this token's own limit is sent again at once with another token (callUpstream), not waited for.
      handledByCaller: (answer) => context.auth.isTokenLimit(answer),
      unreachable: (detail, cause) => new UpstreamError(ErrorCode.UPSTREAM_ERROR, `could not reach the upstream API at ${request.url.host} (${detail})`, { cause }),
      // SPEC §7: a Retry-After that does not fit before the deadline fails at once, as rate limiting.
      waitDoesNotFit: (response, waitMs) =>
        failure(ErrorCode.UPSTREAM_RATE_LIMITED, `the upstream API asks to wait ${Math.ceil(waitMs / 1000)} s, longer than this invocation has left`, response),
      onRetry: () => observation.upstreamCalls++,
    });
    observation.upstreamMs = Math.round(((observation.upstreamMs ?? 0) + performance.now() - startedAt) * 100) / 100;
    const tokenLimited = context.auth.answered(grant, response);
    if (response.status === 429 && !tokenLimited) throw failure(ErrorCode.UPSTREAM_RATE_LIMITED, 'the upstream API is rate limiting requests', response);
    if (response.status >= 500) throw failure(ErrorCode.UPSTREAM_ERROR, 'the upstream API failed', response);
    return response;
  });
}

function failure(code: ErrorCode, detail: string, response: HttpResponse): UpstreamError {
  const correlationId = correlationIdOf(response);
  const suffix = `(HTTP ${response.status}${correlationId ? `, correlation id ${correlationId}` : ''})`;
  return new UpstreamError(code, `${detail} ${suffix}`, { status: response.status, upstreamCorrelationId: correlationId });
}

function parseBody<T>(response: HttpResponse, schema: z.ZodType<T>): T {
  // 204 No Content (CXone's answer when it has no data) reaches the action's schema as null.
  const body = response.status === 204 ? { ok: true as const, json: null } : parseJsonBody(response, 'MAX_UPSTREAM_BYTES');
  if (!body.ok) throw failure(ErrorCode.UPSTREAM_INVALID_RESPONSE, `upstream: ${body.problem}`, response);
  const parsed = schema.safeParse(body.json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    throw failure(ErrorCode.UPSTREAM_INVALID_RESPONSE, `the upstream response does not match the expected shape: ${problems}`, response);
  }
  return parsed.data;
}

/** Records the final status and correlation id for the log line, from a response or a failure. */
async function observe(observation: UpstreamObservation, sending: Promise<HttpResponse>): Promise<HttpResponse> {
  try {
    const response = await sending;
    observation.upstreamStatus = response.status;
    observation.upstreamCorrelationId = correlationIdOf(response);
    return response;
  } catch (error) {
    if (error instanceof UpstreamError) {
      observation.upstreamStatus = error.status;
      observation.upstreamCorrelationId = error.upstreamCorrelationId;
    }
    throw error;
  }
}

export async function callUpstream<T>(
  context: UpstreamContext,
  spec: UpstreamRequestSpec,
  schema: z.ZodType<T>,
  observation: UpstreamObservation,
): Promise<T> {
  const first = counted(observation, await context.auth.grant(context.deadline));
  observation.tokenCacheHit = first.cacheHit;
  observation.secretCacheHit = first.secretCacheHit;
  const baseUrl = await context.auth.apiBaseUrl(first, context.deadline);
  let grant = first;
  let response = await observe(observation, send(context, baseUrl, spec, grant, observation));
  if (response.status === 401) {
    // The token may have been revoked or expired early: one new token, one retry (SPEC §6).
    context.auth.rejected(grant);
    grant = counted(observation, await context.auth.grant(context.deadline));
    response = await observe(observation, send(context, baseUrl, spec, grant, observation));
  }
  // A 429 that reaches here is the token's own limit (send throws any other): at once again with another token, pool permitting.
  for (let resends = 0; response.status === 429 && resends < context.auth.poolSize; resends++) {
    observation.tokenLimited = (observation.tokenLimited ?? 0) + 1;
    grant = counted(observation, await context.auth.grant(context.deadline));
    response = await observe(observation, send(context, baseUrl, spec, grant, observation));
  }
  if (response.status === 429) throw failure(ErrorCode.UPSTREAM_RATE_LIMITED, "every token's own rate limit is reached", response);
  if (response.status === 401) {
    throw failure(ErrorCode.UPSTREAM_UNAUTHORIZED, 'the upstream API rejected a freshly issued token; check the client\'s roles or permissions', response);
  }
  if (response.status < 200 || response.status > 299) throw failure(ErrorCode.UPSTREAM_ERROR, 'the upstream API answered with an error', response);
  return parseBody(response, schema);
}

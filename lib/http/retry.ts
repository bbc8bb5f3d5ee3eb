import { RETRY_BASE_DELAY_MS, RETRY_MAX_ATTEMPTS, RETRY_MAX_DELAY_MS } from '../base/constants';
import type { Deadline } from './deadline';
import { BridgeError, ErrorCode, SecretError } from '../base/errors';
import { headerValue, type HttpRequest, type HttpResponse } from './http';
import { sendHttpRequest } from './httpClient';
import { isTlsFailure, networkCodeOf } from './networkErrors';
import type { HttpAgent } from './httpClient';
import { proxyFailureMessage, proxyFailureOf } from './proxy/proxyFailure';
import type { EgressProxy } from './proxy/proxySettings';
import { clientCertRefusal } from './tlsRefusal';

/**
 * Retries for idempotent requests (docs/design.md §7): on 429, 502, 503, 504, connection resets and
 * refused connections; never on other 4xx or on 500. At most 3 attempts, full-jitter
 * backoff from 100 ms capped at 1 s (AWS Architecture Blog, "Exponential Backoff and
 * Jitter"), and a Retry-After (seconds or HTTP date, RFC 9110 §10.2.3) honoured when it fits
 * before the deadline. A wait that does not fit is not started: a Retry-After that does not
 * fit fails at once through `waitDoesNotFit`, otherwise the last answer is returned and the
 * caller maps it (429 → *_RATE_LIMITED, 5xx → *_ERROR / *_UNAVAILABLE).
 *
 * Hand-written rather than a retry library's policy because every wait here depends on the
 * invocation's deadline and on the server's Retry-After, which such policies do not see.
 */

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET']);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

export function isRetryableNetworkError(error: unknown): boolean {
  return !(error instanceof BridgeError) && RETRYABLE_NETWORK_CODES.has(networkCodeOf(error));
}

/** Retry-After as a delay in milliseconds (RFC 9110 §10.2.3: delay-seconds or HTTP-date), or undefined. */
export function retryAfterMs(response: HttpResponse, now = Date.now()): number | undefined {
  const value = headerValue(response.headers, 'retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Otherwise an HTTP-date, which names a day and a month in letters; "1.5" or "-1" is neither.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Full jitter: a random wait between 0 and min(cap, base × 2^retry). */
export function backoffMs(retry: number, random = Math.random): number {
  return Math.floor(random() * Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** retry));
}

/** A wait someone awaits, so its timer holds the event loop (lib/runtime/eventLoopHold.ts says why that matters in Lambda). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether a wait of `waitMs` still leaves room before the deadline for the attempt that follows it, not only for the wait. */
export function waitFits(waitMs: number, deadline: Deadline): boolean {
  return waitMs < deadline.remainingMs() - RETRY_BASE_DELAY_MS;
}

export interface RetryOptions {
  idempotent: boolean;
  /** The error to throw when the server cannot be reached at all, given what went wrong (e.g. "ECONNREFUSED"). */
  unreachable: (detail: string, cause: unknown) => BridgeError;
  /** The error when the server asks (Retry-After) for a wait that does not fit before the deadline. */
  waitDoesNotFit?: (response: HttpResponse, waitMs: number) => BridgeError;
  /** Runs before each retried attempt, once its wait is over (the upstream call takes the token's budget for it). */
  beforeRetry?: () => Promise<void>;
  /** An answer the caller handles itself instead of retrying it here (a 429 that is the token's own limit). */
  handledByCaller?: (response: HttpResponse) => boolean;
}

/** What one attempt ended with: a value or a failure. */
export type Attempted<T> = { value: T } | { error: unknown };

export interface DeadlinePolicy<T> {
  /** The step, for the retry log line ("token request", "secret fetch from Secrets Manager"). */
  step: string;
  /** Why this outcome is worth another attempt ("HTTP 503", "ECONNRESET"), or undefined when it is not. */
  retryReason: (outcome: Attempted<T>) => string | undefined;
  /** A wait the server asked for (Retry-After), used instead of the backoff. */
  hintedDelayMs?: (outcome: Attempted<T>) => number | undefined;
  /** Called when the server's wait does not fit before the deadline; may throw instead of returning the outcome. */
  hintDoesNotFit?: (outcome: Attempted<T>, waitMs: number) => void;
}

/**
 * The bridge's one retry policy (docs/design.md §7): runs `attempt` up to RETRY_MAX_ATTEMPTS times
 * while the outcome is retryable, with full-jitter backoff (or the server's hint), and never
 * starts a wait that leaves less than RETRY_BASE_DELAY_MS before the deadline for the next
 * attempt itself. Returns the last outcome; the caller maps it.
 */
export async function retryWithDeadline<T>(attempt: () => Promise<T>, deadline: Deadline, policy: DeadlinePolicy<T>): Promise<Attempted<T>> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    let outcome: Attempted<T>;
    try {
      outcome = { value: await attempt() };
    } catch (error) {
      outcome = { error };
    }
    const reason = policy.retryReason(outcome);
    if (reason === undefined || attemptNumber >= RETRY_MAX_ATTEMPTS) return outcome;
    const hinted = policy.hintedDelayMs?.(outcome);
    const delayMs = hinted ?? backoffMs(attemptNumber - 1);
    if (!waitFits(delayMs, deadline)) {
      if (hinted !== undefined) policy.hintDoesNotFit?.(outcome, hinted);
      return outcome;
    }
    deadline.log.debug({ event: 'retry', step: policy.step, attempt: attemptNumber, delayMs, reason }, `${policy.step}: retrying after ${reason}`);
    await sleep(delayMs);
  }
}

/**
 * Sends `request`, again when the answer or the failure is retryable and the wait fits
 * before the deadline. Returns the last response; throws the last network failure.
 */
export async function sendWithRetries(agent: HttpAgent, request: HttpRequest, deadline: Deadline, options: RetryOptions): Promise<HttpResponse> {
  const { beforeRetry } = options;
  const send = () => sendHttpRequest(agent, request, deadline);
  let attempts = 0;
  const attempt = beforeRetry ? () => (attempts++ === 0 ? send() : beforeRetry().then(send)) : send;
  const outcome = await retryWithDeadline(attempt, deadline, {
    step: request.step,
    retryReason: (attempted) => {
      if (!options.idempotent) return undefined;
      if ('value' in attempted) {
        const { value: response } = attempted;
        return isRetryableStatus(response.status) && !options.handledByCaller?.(response) ? `HTTP ${response.status}` : undefined;
      }
      return isRetryableNetworkError(attempted.error) ? networkCodeOf(attempted.error) || 'network error' : undefined;
    },
    hintedDelayMs: (attempted) => ('value' in attempted ? retryAfterMs(attempted.value) : undefined),
    hintDoesNotFit: (attempted, waitMs) => {
      if ('value' in attempted && options.waitDoesNotFit) throw options.waitDoesNotFit(attempted.value, waitMs);
    },
  });
  if ('error' in outcome && !(outcome.error instanceof BridgeError)) {
    const refusal = await clientCertRefusal(outcome.error, request.url, agent, deadline);
    if (refusal) throw new SecretError(ErrorCode.CLIENT_CERT_REFUSED, `${request.url.host} ${refusal}`, { cause: outcome.error });
  }
  if ('value' in outcome) return outcome.value;
  // Deadline and other bridge errors pass as they are; raw network failures get the step's code.
  if (outcome.error instanceof BridgeError) throw outcome.error;
  throw options.unreachable(describeNetworkFailure(outcome.error, request.url, agent.proxyFor?.(request.url)), outcome.error);
}

/**
 * The failure's code, with what it means when retrying cannot help (an untrusted certificate),
 * or what the egress proxy did when the request went through one.
 */
function describeNetworkFailure(error: unknown, url: URL, proxy: EgressProxy | undefined): string {
  const byProxy = proxy && proxyFailureOf(error);
  if (byProxy) return proxyFailureMessage(byProxy, proxy, url.host);
  const code = networkCodeOf(error) || 'network error';
  return isTlsFailure(code) ? `${code}: TLS failed; the server's certificate is not trusted or the port does not speak TLS` : code;
}

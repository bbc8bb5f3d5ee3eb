import { TOKEN_LIMITED_MIN_WAIT_MS, TOKEN_RATE_WINDOW_MS } from '../base/constants';
import { headerValue, type HttpResponse } from '../http/http';
import { retryAfterMs } from '../http/retry';

/**
 * A token's request budget (issue: per-token budgets): at most `limit` upstream requests in
 * any 60 s window. Genesys Cloud limits each client-credentials token to 300 requests a
 * minute (organization limit `client.credentials.token.rate.per.minute`) and reports the
 * state on its responses: `inin-ratelimit-allowed`, `inin-ratelimit-count` and
 * `inin-ratelimit-reset` (seconds). The platform's count may raise the local one until that
 * reset, never lower it: a report leaves out the requests still in flight when it was made,
 * and the local count holds every request sent in the window, answered or not.
 */

interface PlatformCount {
  /** The last count reported, plus the requests taken since. */
  count: number;
  resetAtMs: number;
}

export class TokenBudget {
  /** When each request in the window was sent, oldest first. */
  readonly #sentAtMs: number[] = [];
  #platform?: PlatformCount;
  #spentUntilMs = 0;
  /** TOKEN_RATE_LIMIT_PER_MINUTE until the platform says what it allows this token. */
  #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  remaining(nowMs: number): number {
    if (nowMs < this.#spentUntilMs) return 0;
    this.#prune(nowMs);
    const platform = this.#platformAt(nowMs);
    const used = platform ? Math.max(platform.count, this.#sentAtMs.length) : this.#sentAtMs.length;
    return Math.max(0, this.#limit - used);
  }

  /** Counts one request against this token, now. */
  take(nowMs: number): void {
    this.#sentAtMs.push(nowMs);
    const platform = this.#platformAt(nowMs);
    if (platform) platform.count++;
  }

  /** When this token has budget again: both counts must be under the limit. */
  availableAtMs(nowMs: number): number {
    if (nowMs < this.#spentUntilMs) return this.#spentUntilMs;
    if (this.remaining(nowMs) > 0) return nowMs;
    const sent = this.#sentAtMs;
    const localAtMs = sent.length >= this.#limit ? sent[sent.length - this.#limit]! + TOKEN_RATE_WINDOW_MS : nowMs;
    const platform = this.#platformAt(nowMs);
    return Math.max(localAtMs, platform && platform.count >= this.#limit ? platform.resetAtMs : nowMs);
  }

  /** Follows what the platform says of this token's budget, when the response says anything. */
  follow(response: HttpResponse, nowMs: number): void {
    const reported = reportedCount(response);
    if (!reported) return;
    this.#limit = reported.allowed;
    const current = this.#platformAt(nowMs);
    // Reports arrive out of order: within a window the count only goes up.
    if (current) current.count = Math.max(current.count, reported.count);
    else this.#platform = { count: reported.count, resetAtMs: nowMs + reported.resetMs };
  }

  /**
   * The platform refused this token for its own limit (a 429): no request with it until the
   * reset or Retry-After the answer names, at least TOKEN_LIMITED_MIN_WAIT_MS and never past
   * one window, which frees a per-minute budget whatever the answer says.
   */
  refused(response: HttpResponse, nowMs: number): void {
    const waitMs = Math.max(reportedCount(response)?.resetMs ?? 0, retryAfterMs(response, nowMs) ?? 0, TOKEN_LIMITED_MIN_WAIT_MS);
    this.#spentUntilMs = Math.max(this.#spentUntilMs, nowMs + Math.min(waitMs, TOKEN_RATE_WINDOW_MS));
  }

  #prune(nowMs: number): void {
    while (this.#sentAtMs.length > 0 && this.#sentAtMs[0]! <= nowMs - TOKEN_RATE_WINDOW_MS) this.#sentAtMs.shift();
  }

  #platformAt(nowMs: number): PlatformCount | undefined {
    return this.#platform && nowMs < this.#platform.resetAtMs ? this.#platform : undefined;
  }
}

function wholeHeader(response: HttpResponse, name: string): number | undefined {
  const value = headerValue(response.headers, name)?.trim();
  return value && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/**
 * Genesys Cloud's per-token counters on a response, when all three are there. The reset is
 * clamped to the window: a per-minute count is reset within a minute, and an unbounded value
 * (inin-ratelimit-reset: 999999999) would otherwise spend the token for its whole life.
 */
export function reportedCount(response: HttpResponse): { allowed: number; count: number; resetMs: number } | undefined {
  const allowed = wholeHeader(response, 'inin-ratelimit-allowed');
  const count = wholeHeader(response, 'inin-ratelimit-count');
  const resetSeconds = wholeHeader(response, 'inin-ratelimit-reset');
  if (allowed === undefined || count === undefined || resetSeconds === undefined) return undefined;
  return { allowed, count, resetMs: Math.min(resetSeconds * 1000, TOKEN_RATE_WINDOW_MS) };
}

/**
 * A 429 that is this token's own limit: its count has reached what is allowed, or its body
 * names a per-token limit (`token.rate.per.minute`, as Genesys's pre-2021 `too.many.requests`
 * message did; since 2021 the body is normalized to "too.many.requests.retry.after" and does
 * not name the limit). Other 429s are the platform's other limits and are waited for.
 */
export function isTokenLimit(response: HttpResponse): boolean {
  if (response.status !== 429) return false;
  const reported = reportedCount(response);
  if (reported && reported.count >= reported.allowed) return true;
  return response.body?.includes('token.rate.per.minute') ?? false;
}

import { headerValue, type HttpResponse } from '../http';

/**
 * A token's request budget (issue: per-token budgets): at most `limit` upstream requests in
 * any `windowMs` (60 s). Genesys Cloud limits each client-credentials token to 300 requests
 * a minute (organization limit `client.credentials.token.rate.per.minute`) and reports the
 * state on its responses: `inin-ratelimit-allowed`, `inin-ratelimit-count` and
 * `inin-ratelimit-reset` (seconds). When a response carries them, the budget follows the
 * platform until that reset, rather than the local count.
 */

const TOKEN_RATE_WINDOW_MS = 60_000;

interface PlatformCount {
  allowed: number;
  count: number;
  resetAtMs: number;
}

export class TokenBudget {
  /** When each request in the window was sent, oldest first. */
  readonly #sentAtMs: number[] = [];
  #platform?: PlatformCount;
  #spentUntilMs = 0;

  constructor(private readonly limit: number) {}

  remaining(nowMs: number): number {
    if (nowMs < this.#spentUntilMs) return 0;
    this.#prune(nowMs);
    const platform = this.#platformAt(nowMs);
    if (platform) return Math.max(0, platform.allowed - platform.count);
    return Math.max(0, this.limit - this.#sentAtMs.length);
  }

  /** Counts one request against this token, now. */
  take(nowMs: number): void {
    this.#sentAtMs.push(nowMs);
    const platform = this.#platformAt(nowMs);
    if (platform) platform.count++;
  }

  /** When this token has budget again. */
  availableAtMs(nowMs: number): number {
    if (nowMs < this.#spentUntilMs) return this.#spentUntilMs;
    if (this.remaining(nowMs) > 0) return nowMs;
    const platform = this.#platformAt(nowMs);
    if (platform) return platform.resetAtMs;
    return (this.#sentAtMs[this.#sentAtMs.length - this.limit] ?? nowMs) + TOKEN_RATE_WINDOW_MS;
  }

  /** Follows what the platform says of this token's budget, when the response says anything. */
  follow(response: HttpResponse, nowMs: number): void {
    const reported = reportedCount(response);
    if (!reported) return;
    // Within a window the count never goes down: requests taken since this one was sent are not in its report yet.
    const current = this.#platformAt(nowMs);
    const count = current ? Math.max(reported.count, current.count) : reported.count;
    this.#platform = { allowed: reported.allowed, count, resetAtMs: current ? current.resetAtMs : nowMs + reported.resetSeconds * 1000 };
  }

  /** The platform refused this token for its rate: no more requests with it until `untilMs`. */
  spendUntil(untilMs: number): void {
    this.#spentUntilMs = Math.max(this.#spentUntilMs, untilMs);
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

/** Genesys Cloud's per-token counters on a response, when all three are there. */
export function reportedCount(response: HttpResponse): { allowed: number; count: number; resetSeconds: number } | undefined {
  const allowed = wholeHeader(response, 'inin-ratelimit-allowed');
  const count = wholeHeader(response, 'inin-ratelimit-count');
  const resetSeconds = wholeHeader(response, 'inin-ratelimit-reset');
  return allowed !== undefined && count !== undefined && resetSeconds !== undefined ? { allowed, count, resetSeconds } : undefined;
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

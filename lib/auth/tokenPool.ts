import { REJECTED_CLIENT_BACKOFF_MS } from '../base/constants';
import type { Deadline } from '../http/deadline';
import { ErrorCode, UpstreamError } from '../base/errors';
import type { HttpResponse } from '../http/http';
import type { Log } from '../base/logger';
import { sleep, waitFits } from '../http/retry';
import type { SecretText } from '../base/secretText';
import type { Credentials } from './credentials';
import { isTokenLimit, TokenBudget } from './tokenBudget';
import type { CachedToken, TokenCache, TokenRead } from './tokenCache';
import { TokenLease } from './tokenLease';

/**
 * The tokens a container holds for its client and the request budget of each (docs/design.md §6):
 * a token serves at most TOKEN_RATE_LIMIT_PER_MINUTE requests in any 60 s, and up to
 * TOKEN_POOL_SIZE tokens are held, so a single-token cache becomes a pool only when the
 * budget demands it. Without a limit it is the one cached token. The upstream call holds a
 * TokenLease; this is where the lease's rules are kept.
 */
export class TokenPool {
  readonly #budgets = new WeakMap<CachedToken, TokenBudget>();
  /** A client the upstream refused (401) even with a newly issued token, and until when that stands. */
  #refused?: { clientId: SecretText; untilMs: number };

  constructor(
    private readonly tokens: TokenCache,
    /** TOKEN_RATE_LIMIT_PER_MINUTE; undefined: no limit. */
    private readonly limit: number | undefined,
    /** TOKEN_POOL_SIZE. */
    readonly size: number,
  ) {}

  /** A lease on a token with budget for the first request. */
  async lease(deadline: Deadline): Promise<TokenLease> {
    return new TokenLease(this, await this.take(deadline));
  }

  /**
   * A valid token with budget for one request, the budget taken: cached until expiry minus
   * skew, else requested once for all concurrent callers. With a limit, the held token with
   * the most budget left; when every held token is spent, one more (up to the pool size,
   * shared by concurrent callers); when the pool is full and spent, the earliest budget if it
   * comes before the deadline, else UPSTREAM_RATE_LIMITED without any upstream request.
   * Budget is taken synchronously after the check, so concurrent callers never overspend a
   * token. `newerThan` (after an upstream 401): only a token whose request started after
   * that many had (CachedToken.serial), not one held when the refused request was sent.
   * Without a limit that is the one cached token once the refused one is dropped.
   */
  async take(deadline: Deadline, newerThan = 0): Promise<TokenRead> {
    const limit = this.limit;
    if (limit === undefined) return this.tokens.get(deadline);
    for (;;) {
      const nowMs = Date.now();
      let best: CachedToken | undefined;
      let bestRemaining = 0;
      let emptySlot: number | undefined;
      for (let slot = 0; slot < this.size; slot++) {
        const token = this.tokens.peek(slot);
        if (!token) emptySlot ??= slot;
        else if (token.serial > newerThan) {
          const remaining = this.#budgetOf(token).remaining(nowMs);
          if (remaining > bestRemaining) {
            best = token;
            bestRemaining = remaining;
          }
        }
      }
      if (best) {
        this.#budgetOf(best).take(nowMs);
        return this.tokens.readOf(best);
      }
      if (emptySlot !== undefined) {
        // Fetch (or join the fetch of) the token for that slot, then choose again: others may have taken its budget meanwhile.
        const fetched = await this.tokens.get(deadline, emptySlot);
        if (fetched.token.serial > newerThan && this.tryTake(fetched.token)) return fetched;
        continue;
      }
      await this.#waitForBudget(limit, newerThan, deadline);
    }
  }

  /** Takes budget for one request with `token` when it has some left (always, without a limit). */
  tryTake(token: CachedToken): boolean {
    if (this.limit === undefined) return true;
    const nowMs = Date.now();
    const budget = this.#budgetOf(token);
    if (budget.remaining(nowMs) === 0) return false;
    budget.take(nowMs);
    return true;
  }

  /** A 429 that is a token's own limit, when budgets are kept. */
  isTokenLimit(response: HttpResponse): boolean {
    return this.limit !== undefined && isTokenLimit(response);
  }

  /**
   * What the upstream answered with `token`: its budget follows Genesys's counters, and a 429
   * that is the token's own limit spends it until the reset. True when the request should be
   * sent again at once with another token instead of waiting its Retry-After.
   */
  answered(token: CachedToken, response: HttpResponse, log: Log): boolean {
    if (this.limit === undefined) return false;
    const nowMs = Date.now();
    const budget = this.#budgetOf(token);
    budget.follow(response, nowMs);
    if (!isTokenLimit(response)) return false;
    log.info({ event: 'token_rate_limited', status: response.status }, 'the upstream refused a token for its own rate limit; the request goes again with another token');
    budget.refused(response, nowMs);
    return true;
  }

  /** How many token requests have started: a lease notes it before each request it sends. */
  get requestsStarted(): number {
    return this.tokens.requestsStarted;
  }

  /** The upstream rejected `token` (401): dropped, so the next request for its slot fetches anew. */
  drop(token: CachedToken): void {
    this.tokens.invalidate(token);
  }

  /**
   * The upstream refused a newly issued token too: the client lacks the roles or permissions,
   * and new tokens will not help. Like a client the token endpoint rejects (TokenCache), it is
   * remembered for REJECTED_CLIENT_BACKOFF_MS, so a persistent 401 does not cost two token
   * requests per invocation.
   */
  refuse(credentials: Credentials): void {
    this.#refused = { clientId: credentials.clientId, untilMs: Date.now() + REJECTED_CLIENT_BACKOFF_MS };
  }

  /** Whether the upstream refused this client moments ago (see `refuse`). */
  refusing(credentials: Credentials): boolean {
    const refused = this.#refused;
    return refused !== undefined && Date.now() < refused.untilMs && refused.clientId.equals(credentials.clientId);
  }

  async #waitForBudget(limit: number, newerThan: number, deadline: Deadline): Promise<void> {
    const nowMs = Date.now();
    let availableAtMs = Number.POSITIVE_INFINITY;
    for (let slot = 0; slot < this.size; slot++) {
      const token = this.tokens.peek(slot);
      if (token && token.serial > newerThan) availableAtMs = Math.min(availableAtMs, this.#budgetOf(token).availableAtMs(nowMs));
    }
    const waitMs = Math.max(1, availableAtMs - nowMs);
    if (!waitFits(waitMs, deadline)) {
      throw new UpstreamError(
        ErrorCode.UPSTREAM_RATE_LIMITED,
        `every token's request budget is spent (TOKEN_RATE_LIMIT_PER_MINUTE ${limit}, TOKEN_POOL_SIZE ${this.size}) for ${Math.ceil(waitMs / 1000)} s more, longer than this invocation has left; raise TOKEN_POOL_SIZE or spread the load`,
      );
    }
    await sleep(waitMs);
  }

  #budgetOf(token: CachedToken): TokenBudget {
    let budget = this.#budgets.get(token);
    if (!budget) this.#budgets.set(token, (budget = new TokenBudget(this.limit ?? Number.POSITIVE_INFINITY)));
    return budget;
  }
}

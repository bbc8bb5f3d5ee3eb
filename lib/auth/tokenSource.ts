import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Deadline } from '../deadline';
import { TOKEN_POOL_SIZE } from '../constants';
import { ConfigError, ErrorCode, UpstreamError } from '../errors';
import type { HttpResponse } from '../http';
import type { HttpAgent } from '../httpClient';
import type { Log } from '../logger';
import { sleep, waitFits } from '../retry';
import { CredentialParser } from './credentials';
import { createPlatformProfile, type PlatformProfile, type PlatformSettings } from './platforms/profile';
import { SecretCache } from './secretCache';
import { isTokenLimit, TokenBudget } from './tokenBudget';
import { TokenCache, type CachedToken, type TokenRead } from './tokenCache';

/**
 * Where the token comes from, in one place: the secret (cache ▸ Secrets Manager ▸ hygiene),
 * the platform's resolution (token URL, grant, API base), and the token (cache ▸ token
 * endpoint, with the invalid_client refetch and back-off). The upstream call asks it for
 * an Authorization value and the API base, and tells it about a 401.
 */

export interface TokenSourceSettings extends PlatformSettings {
  secretTtlMs: number;
  secretStaleMs: number;
  /** UPSTREAM_BASE_URL: overrides the platform's API base. */
  upstreamBaseUrl?: string;
  /** TOKEN_RATE_LIMIT_PER_MINUTE: upstream requests one token may serve in any 60 s; undefined: no limit. */
  tokenRateLimitPerMinute?: number;
  /** TOKEN_POOL_SIZE: the most tokens held for one client when the budget demands more than one. */
  tokenPoolSize?: number;
}

/** A token to send, with what the log line reports about how it was obtained. */
export type Grant = TokenRead;

export class TokenSource {
  readonly #platform: PlatformProfile;
  readonly #tokens: TokenCache;
  readonly #budgets = new WeakMap<CachedToken, TokenBudget>();
  readonly #poolSize: number;

  constructor(
    private readonly settings: TokenSourceSettings,
    agent: HttpAgent,
    secretsManager: SecretsManagerClient,
  ) {
    const secrets = new SecretCache({ client: secretsManager, secretId: settings.secretId, ttlMs: settings.secretTtlMs, staleMs: settings.secretStaleMs });
    this.#platform = createPlatformProfile(settings, agent);
    this.#poolSize = settings.tokenPoolSize ?? TOKEN_POOL_SIZE;
    this.#tokens = new TokenCache({ agent, secrets, parser: new CredentialParser(settings.secretId), resolveSettings: this.#platform.tokenSettings });
  }

  /**
   * A valid token: cached until expiry minus skew, else requested once for all concurrent
   * callers. With a per-token budget, the token with the most budget left; when every held
   * token is spent, one more (up to TOKEN_POOL_SIZE, shared by concurrent callers); when the
   * pool is full and spent, the earliest budget if it comes before the deadline, else
   * UPSTREAM_RATE_LIMITED without any upstream request. Budget is taken synchronously after
   * the check, so concurrent invocations never overspend a token.
   */
  async grant(deadline: Deadline, { fresh = false } = {}): Promise<Grant> {
    const limit = this.settings.tokenRateLimitPerMinute;
    if (limit === undefined) return this.#tokens.get(deadline);
    for (let pass = 0; ; pass++) {
      const nowMs = Date.now();
      const held = this.#tokens.heldTokens(this.#poolSize);
      let best: { read: Grant; remaining: number } | undefined;
      // `fresh` (after an upstream 401): a newly requested token first, not another held one.
      for (const { read } of fresh && pass === 0 ? [] : held) {
        const remaining = this.#budgetOf(read.token).remaining(nowMs);
        if (remaining > (best?.remaining ?? 0)) best = { read, remaining };
      }
      if (best) {
        this.#budgetOf(best.read.token).take(nowMs);
        return best.read;
      }
      const emptySlot = firstMissing(held.map(({ slot }) => slot), this.#poolSize);
      if (emptySlot !== undefined) {
        // Fetch (or join the fetch of) the token for that slot, then choose again: others may have taken its budget meanwhile.
        const fetched = await this.#tokens.get(deadline, emptySlot);
        const budget = this.#budgetOf(fetched.token);
        const fetchedAtMs = Date.now();
        if (budget.remaining(fetchedAtMs) > 0) {
          budget.take(fetchedAtMs);
          return fetched;
        }
        continue;
      }
      await this.#waitForBudget(held.map(({ read }) => read.token), limit, deadline);
    }
  }

  async #waitForBudget(tokens: readonly CachedToken[], limit: number, deadline: Deadline): Promise<void> {
    const nowMs = Date.now();
    const availableAtMs = Math.min(...tokens.map((token) => this.#budgetOf(token).availableAtMs(nowMs)));
    const waitMs = Math.max(1, availableAtMs - nowMs);
    if (!waitFits(waitMs, deadline)) {
      throw new UpstreamError(
        ErrorCode.UPSTREAM_RATE_LIMITED,
        `every token's request budget is spent (TOKEN_RATE_LIMIT_PER_MINUTE ${limit}, TOKEN_POOL_SIZE ${this.#poolSize}) for ${Math.ceil(waitMs / 1000)} s more, longer than this invocation has left; raise TOKEN_POOL_SIZE or spread the load`,
      );
    }
    await sleep(waitMs);
  }

  #budgetOf(token: CachedToken): TokenBudget {
    let budget = this.#budgets.get(token);
    if (!budget) this.#budgets.set(token, (budget = new TokenBudget(this.settings.tokenRateLimitPerMinute ?? Number.POSITIVE_INFINITY)));
    return budget;
  }

  /** Counts one more request sent with `grant`'s token (a retry of the same exchange). */
  spend(grant: Grant): void {
    if (this.settings.tokenRateLimitPerMinute !== undefined) this.#budgetOf(grant.token).take(Date.now());
  }

  /** A token for a prefetch at init: requested and cached, no budget taken (no request is sent with it). */
  warm(deadline: Deadline): Promise<Grant> {
    return this.#tokens.get(deadline);
  }

  /** The most tokens held for one client. */
  get poolSize(): number {
    return this.#poolSize;
  }

  /** A 429 that is a token's own limit, when budgets are kept. */
  isTokenLimit(response: HttpResponse): boolean {
    return this.settings.tokenRateLimitPerMinute !== undefined && isTokenLimit(response);
  }

  /**
   * What the upstream answered with `grant`: its budget follows Genesys's counters, and a 429
   * that is the token's own limit spends it until the reset. True when the request should be
   * sent again at once with another token instead of waiting its Retry-After. `log`: the
   * invocation's, where that is said.
   */
  answered(grant: Grant, response: HttpResponse, log: Log): boolean {
    if (this.settings.tokenRateLimitPerMinute === undefined) return false;
    const nowMs = Date.now();
    const budget = this.#budgetOf(grant.token);
    budget.follow(response, nowMs);
    if (!isTokenLimit(response)) return false;
    log.info({ event: 'token_rate_limited', status: response.status }, 'the upstream refused a token for its own rate limit; the request goes again with another token');
    budget.refused(response, nowMs);
    return true;
  }

  /** The value of the Authorization header for `grant`: revealed only here, where it goes on the wire. */
  authorization(grant: Grant): string {
    return `Bearer ${grant.token.accessToken.reveal()}`;
  }

  /** The upstream rejected `grant` (401): it is dropped, so the next grant is a new token. */
  rejected(grant: Grant): void {
    this.#tokens.invalidate(grant.token);
  }

  /** UPSTREAM_BASE_URL, else the platform's API base for these credentials and this token. */
  async apiBaseUrl(grant: Grant, deadline: Deadline): Promise<string> {
    const url = this.settings.upstreamBaseUrl ?? (await this.#platform.apiBaseUrl(grant.credentials, grant.token, deadline));
    if (url) return url;
    throw new ConfigError(
      ErrorCode.CONFIG_INVALID,
      `UPSTREAM_BASE_URL is required: ${this.settings.authPlatform} has no API base URL to derive (for nice-cxone, set CXONE_TENANT_ID or a tenantId key in the secret when the token response names no tenant)`,
    );
  }
}

/** The lowest of 0 … size − 1 not in `taken`. */
function firstMissing(taken: readonly number[], size: number): number | undefined {
  for (let slot = 0; slot < size; slot++) if (!taken.includes(slot)) return slot;
  return undefined;
}

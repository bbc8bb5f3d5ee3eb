import type { Deadline } from '../http/deadline';
import { correlationIdOf, type HttpResponse } from '../http/http';
import type { Log } from '../base/logger';
import type { Credentials } from './credentials';
import type { CachedToken, TokenRead } from './tokenCache';
import type { TokenPool } from './tokenPool';

/**
 * One upstream call's hold on a token of the pool (lib/auth/tokenPool.ts): the Authorization
 * header it sends, the budget each request takes, what the upstream answered, and a 401. The
 * upstream call (lib/runtime/upstream.ts) only tells the lease what happened; which token goes next
 * is decided here.
 */
export class TokenLease {
  /** Whether the first token came from the cache, and the secret with it (for the log line). */
  readonly cacheHit: boolean;
  readonly secretCacheHit: boolean;
  /** Token requests this lease waited for (shared or not): every token not served from the cache. */
  tokenRequests: number;
  /** How often a token refused for its own limit was exchanged for another. */
  #limitedResends = 0;
  /** Token requests started before the latest request was sent (TokenPool.requestsStarted). */
  #requestsBeforeSend: number;
  /** After a 401: only tokens requested after the refused request was sent will do. */
  #newerThan?: number;
  #read: TokenRead;

  constructor(
    private readonly pool: TokenPool,
    read: TokenRead,
  ) {
    this.#read = read;
    this.cacheHit = read.cacheHit;
    this.secretCacheHit = read.secretCacheHit;
    this.tokenRequests = read.cacheHit ? 0 : 1;
    this.#requestsBeforeSend = pool.requestsStarted;
  }

  get token(): CachedToken {
    return this.#read.token;
  }

  /** The credentials the token was requested with (the platform may need their extra keys). */
  get credentials(): Credentials {
    return this.#read.credentials;
  }

  /** The value of the Authorization header: the token is revealed only here, where it goes on the wire. */
  authorization(): string {
    return `Bearer ${this.#read.token.accessToken.reveal()}`;
  }

  /**
   * One more request with this lease (a retry of the same exchange): its budget is taken as
   * for a first attempt, from this token while it has some left, else as the pool chooses
   * (another token, a new one, a wait, or UPSTREAM_RATE_LIMITED). The header may change.
   */
  async spend(deadline: Deadline): Promise<void> {
    if (this.pool.tryTake(this.#read.token)) this.#requestsBeforeSend = this.pool.requestsStarted;
    else await this.#take(deadline);
  }

  /**
   * The response's correlation id (lib/http/http.ts), unless it may carry a piece of the token sent
   * or of the client's secrets (CredentialRuns): it goes into messages and log lines.
   */
  correlationIdOf(response: HttpResponse): string | undefined {
    const id = correlationIdOf(response);
    return id === undefined || this.#read.token.runs.sharedBy(id) ? undefined : id;
  }

  /** A 429 that is the token's own limit: the caller hands it back here instead of waiting its Retry-After. */
  isTokenLimit(response: HttpResponse): boolean {
    return this.pool.isTokenLimit(response);
  }

  /** What the upstream answered; true when it refused this token for its own limit (`log`: the invocation's). */
  answered(response: HttpResponse, log: Log): boolean {
    return this.pool.answered(this.#read.token, response, log);
  }

  /** After a 429 that was the token's own limit: another token, at most TOKEN_POOL_SIZE times (false after that). */
  async renew(deadline: Deadline): Promise<boolean> {
    if (this.#limitedResends >= this.pool.size) return false;
    this.#limitedResends++;
    await this.#take(deadline);
    return true;
  }

  /**
   * The upstream answered 401 (docs/design.md §6). False: fail UPSTREAM_UNAUTHORIZED; true: send again.
   * - The first 401: the token may have been revoked or expired early, so it is dropped and
   *   the request goes once more with a token requested after this one was sent.
   * - A 401 on that newly requested token: the client lacks the roles, the token is not at
   *   fault. It stays cached, and the refusal is remembered (TokenPool.refuse).
   * - Any 401 while the refusal is remembered: no token is dropped or requested.
   */
  async rejected(deadline: Deadline): Promise<boolean> {
    const { token, credentials } = this.#read;
    if (this.#newerThan !== undefined) {
      this.pool.refuse(credentials);
      return false;
    }
    if (this.pool.refusing(credentials)) return false;
    this.pool.drop(token);
    this.#newerThan = this.#requestsBeforeSend;
    await this.#take(deadline);
    return true;
  }

  async #take(deadline: Deadline): Promise<void> {
    const read = await this.pool.take(deadline, this.#newerThan);
    if (!read.cacheHit) this.tokenRequests++;
    this.#read = read;
    this.#requestsBeforeSend = this.pool.requestsStarted;
  }
}

import { MAX_UPSTREAM_BYTES, REJECTED_CLIENT_BACKOFF_MS, TOKEN_EXPIRY_SKEW_FRACTION, TOKEN_EXPIRY_SKEW_MAX_MS } from '../base/constants';
import type { CredentialParser, Credentials } from './credentials';
import { CredentialRuns } from './credentialRuns';
import type { Deadline } from '../http/deadline';
import { ErrorCode, TokenError } from '../base/errors';
import { DependencyBreaker } from '../http/circuitBreaker';
import { sendWithRetries } from '../http/retry';
import type { SecretCache } from './secretCache';
import type { SecretText } from '../base/secretText';
import { SharedCache } from './sharedCache';
import { buildTokenRequest, type TokenRequestSettings } from './tokenRequest';
import { INVALID_CLIENT_ADVICE, isInvalidClient, parseTokenResponse } from './tokenResponse';
import type { HttpAgent } from '../http/httpClient';
import { withProxyInPath } from '../http/proxy/proxyFailure';
import type { ClientTlsAgents } from './clientTls';
import { clientAuthFor } from './clientAuth';

/**
 * The bearer token, cached per container (docs/design.md §6): keyed by (token endpoint, client id,
 * scope), reused until expires_at − min(60 s, 10 % of the lifetime), one request however
 * many invocations ask at once, and one shared secret refetch when the client is rejected.
 */

export interface CachedToken {
  accessToken: SecretText;
  /** When to stop using it: expiry minus skew, counted from when the request was sent. */
  refreshAtMs: number;
  /** Its request was the serial-th this cache started: it was requested after any point where `requestsStarted` was lower. */
  serial: number;
  /** Runs of this token and of the secrets it was requested with, which no correlation id repeated from outside may share. */
  runs: CredentialRuns;
  /** The tenant the token response's id_token named (CXone), if any. */
  tenantId?: string;
}

export interface TokenRead {
  token: CachedToken;
  /** The credentials the token was requested with (the platform may need their extra keys). */
  credentials: Credentials;
  cacheHit: boolean;
  secretCacheHit: boolean;
}

export interface TokenCacheOptions {
  agent: HttpAgent;
  /** The agents that present the secret's client certificate, for a method that authenticates by it (lib/auth/clientAuth.ts). */
  tlsAgents: ClientTlsAgents;
  secrets: SecretCache;
  parser: CredentialParser;
  resolveSettings: (credentials: Credentials, deadline: Deadline) => Promise<TokenRequestSettings>;
}

const TOKEN_STEP = 'token request';

export function expirySkewMs(lifetimeMs: number): number {
  return Math.min(TOKEN_EXPIRY_SKEW_MAX_MS, lifetimeMs * TOKEN_EXPIRY_SKEW_FRACTION);
}

function sameCredentials(a: Credentials, b: Credentials): boolean {
  const same = (x?: SecretText, y?: SecretText) => (x && y ? x.equals(y) : x === y);
  return (
    same(a.clientId, b.clientId) &&
    same(a.clientSecret, b.clientSecret) &&
    same(a.accessKeyId, b.accessKeyId) &&
    same(a.accessKeySecret, b.accessKeySecret) &&
    a.tls?.id === b.tls?.id
  );
}

export class TokenCache {
  /** Tokens by (token endpoint, client id, scope, grant, access key id), each until expiry minus skew. */
  readonly #tokens = new SharedCache<string, CachedToken>((token) => Date.now() < token.refreshAtMs);
  readonly #breaker = new DependencyBreaker('the token endpoint');
  /** The last client rejection that a fresh secret did not cure, and until when it stands. */
  #rejected?: { key: string; error: TokenError; untilMs: number };
  /** The entry the latest token request went to, and the credentials it used. */
  #current?: { key: string; credentials: Credentials };
  #requestsStarted = 0;

  constructor(private readonly options: TokenCacheOptions) {}

  /**
   * The secret is needed only to request a token (docs/design.md §4: with SECRET_TTL_SECONDS=0 it is
   * read for each token request), so a warm invocation with a valid token reads nothing.
   * `slot` picks one of the tokens a pool holds for the same client (lib/auth/tokenPool.ts):
   * each slot is its own token, with its own expiry and its own single request.
   */
  async get(deadline: Deadline, slot = 0): Promise<TokenRead> {
    const current = this.#current;
    const warm = current && (await this.#held(slotKey(current.key, slot), current.credentials, true, deadline));
    if (warm) return warm;

    const { secret, cacheHit: secretCacheHit } = await this.options.secrets.get(deadline);
    const credentials = this.options.parser.credentialsOf(secret, deadline.log);
    const settings = await this.options.resolveSettings(credentials, deadline);
    const key = cacheKey(settings, credentials);
    const held = await this.#held(slotKey(key, slot), credentials, secretCacheHit, deadline);
    if (held) return held;
    const rejected = this.#rejectedFor(key);
    if (rejected) throw rejected;
    this.#current = { key, credentials };
    const token = await this.#tokens.fetch(slotKey(key, slot), TOKEN_STEP, deadline, (shared) => this.#acquire(settings, credentials, slot, shared));
    return { token, credentials, cacheHit: false, secretCacheHit };
  }

  /** How many token requests this cache has started (see CachedToken.serial). */
  get requestsStarted(): number {
    return this.#requestsStarted;
  }

  /** The fresh token held in `slot` for the current client, without waiting for anything. */
  peek(slot: number): CachedToken | undefined {
    const current = this.#current;
    return current && this.#tokens.peek(slotKey(current.key, slot));
  }

  /** A token `peek` returned, as a read from the cache. */
  readOf(token: CachedToken): TokenRead {
    return { token, credentials: this.#current!.credentials, cacheHit: true, secretCacheHit: true };
  }

  /** The token held for `key` while fresh, or the request under way for it; undefined when neither. */
  async #held(key: string, credentials: Credentials, secretCacheHit: boolean, deadline: Deadline): Promise<TokenRead | undefined> {
    const fresh = this.#tokens.peek(key);
    if (fresh) return { token: fresh, credentials, cacheHit: true, secretCacheHit };
    const pending = this.#tokens.join(key, TOKEN_STEP, deadline);
    return pending && { token: await pending, credentials, cacheHit: false, secretCacheHit };
  }

  /**
   * A client the server rejected, after the secret was fetched again and did not help, fails
   * fast for REJECTED_CLIENT_BACKOFF_MS: without this, every invocation would fetch the
   * secret and ask for a token again, hammering Secrets Manager and a rate-limited login host.
   */
  #remember(key: string, error: TokenError): TokenError {
    this.#rejected = { key, error, untilMs: Date.now() + REJECTED_CLIENT_BACKOFF_MS };
    return error;
  }

  #rejectedFor(key: string): TokenError | undefined {
    const rejected = this.#rejected;
    if (!rejected || rejected.key !== key || Date.now() >= rejected.untilMs) return undefined;
    const { status, upstreamCorrelationId } = rejected.error;
    return new TokenError(ErrorCode.TOKEN_INVALID_CLIENT, rejected.error.message.slice(`${ErrorCode.TOKEN_INVALID_CLIENT}: `.length), {
      ...(status !== undefined && { status }),
      ...(upstreamCorrelationId !== undefined && { upstreamCorrelationId }),
    });
  }

  /** After an upstream 401: forget this token (only this one, not a newer one) so the next get fetches anew. */
  invalidate(token: CachedToken): void {
    this.#tokens.forget(token);
  }

  /**
   * One token request; on invalid_client, one shared secret refetch (it may have been
   * rotated) and, only if the cleaned credentials changed, one retry with them.
   */
  async #acquire(settings: TokenRequestSettings, credentials: Credentials, slot: number, deadline: Deadline): Promise<CachedToken> {
    try {
      return await this.#request(settings, credentials, deadline);
    } catch (error) {
      if (!isInvalidClient(error)) throw error;
      const refetched = await this.options.secrets.refresh(deadline, credentials.generation);
      const fresh = this.options.parser.credentialsOf(refetched, deadline.log);
      if (sameCredentials(fresh, credentials)) throw this.#remember(cacheKey(settings, fresh), error as TokenError);
      deadline.log.info({ event: 'token_retry_after_rotation' }, 'client rejected; the secret changed since, retrying once with the new value');
      const token = await this.#request(settings, fresh, deadline).catch((retryError: unknown) => {
        if (!isInvalidClient(retryError)) throw retryError;
        const again = new TokenError(ErrorCode.TOKEN_INVALID_CLIENT, `invalid_client: ${INVALID_CLIENT_ADVICE} (also with the secret fetched again after it changed)`, { cause: retryError });
        const tokenUrl = new URL(settings.tokenUrl);
        throw this.#remember(cacheKey(settings, fresh), withProxyInPath(again, this.options.agent.proxyFor?.(tokenUrl), clientAuthFor(settings.authMethod).sendsAuthorization));
      });
      // Later invocations use the rotated credentials and look the token up under their client id.
      const freshKey = cacheKey(settings, fresh);
      this.#tokens.set(slotKey(freshKey, slot), token);
      this.#current = { key: freshKey, credentials: fresh };
      return token;
    }
  }

  async #request(settings: TokenRequestSettings, credentials: Credentials, deadline: Deadline): Promise<CachedToken> {
    const auth = clientAuthFor(settings.authMethod);
    const built = buildTokenRequest(settings, credentials, auth.apply);
    const serial = ++this.#requestsStarted;
    // The first attempt's send time: a retried token is then taken to expire a little early, never late.
    const sentAtMs = Date.now();
    // RFC 8705 §2: the certificate of the TLS connection authenticates the client (the parser requires one for such a method).
    const agent = auth.usesClientCertificate && credentials.tls ? this.options.tlsAgents.agentFor(credentials.tls) : this.options.agent;
    const issued = await this.#breaker.run(deadline.log, async () => {
      const response = await sendWithRetries(
        agent,
        { method: 'POST', url: built.url, headers: built.headers, body: built.body, step: 'token request', maxBodyBytes: MAX_UPSTREAM_BYTES },
        deadline,
        {
          // A token request changes nothing on the server: RFC 6749 §4.4 lets a client ask again.
          idempotent: true,
          unreachable: (detail, cause) => new TokenError(ErrorCode.TOKEN_UNAVAILABLE, `could not reach the token endpoint at ${built.url.host} (${detail})`, { cause }),
        },
      );
      try {
        return parseTokenResponse(response);
      } catch (error) {
        throw error instanceof TokenError ? withProxyInPath(error, this.options.agent.proxyFor?.(built.url), auth.sendsAuthorization) : error;
      }
    });
    if (issued.lifetimeAssumed) {
      deadline.log.warn({ event: 'token_lifetime_assumed', expiresInSeconds: issued.expiresInSeconds }, 'token response has no expires_in; assuming a short lifetime');
    }
    const lifetimeMs = issued.expiresInSeconds * 1000;
    return {
      accessToken: issued.accessToken,
      refreshAtMs: sentAtMs + lifetimeMs - expirySkewMs(lifetimeMs),
      serial,
      runs: new CredentialRuns([issued.accessToken, credentials.clientSecret, credentials.accessKeySecret]),
      ...(issued.tenantId && { tenantId: issued.tenantId }),
    };
  }
}

/** Slot 0 is the client's key itself: without a pool, the cache is keyed as it always was. */
function slotKey(key: string, slot: number): string {
  return slot === 0 ? key : `${key}#${slot}`;
}

function cacheKey(settings: TokenRequestSettings, credentials: Credentials): string {
  const accessKeyId = settings.grant === 'password' ? (credentials.accessKeyId?.reveal() ?? '') : '';
  return JSON.stringify([settings.tokenUrl, credentials.clientId.reveal(), settings.scope ?? '', settings.grant, accessKeyId]);
}

import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Deadline } from '../http/deadline';
import { TOKEN_POOL_SIZE } from '../base/constants';
import { ConfigError, ErrorCode } from '../base/errors';
import type { HttpAgent } from '../http/httpClient';
import { ClientTlsAgents, type ClientTls } from './clientTls';
import { CredentialParser } from './credentials';
import { createPlatformProfile, type PlatformProfile, type PlatformSettings } from './platforms/profile';
import { SecretCache } from './secretCache';
import { TokenCache } from './tokenCache';
import type { TokenLease } from './tokenLease';
import { TokenPool } from './tokenPool';

/**
 * Where the token comes from, in one place: the secret (cache ▸ Secrets Manager ▸ hygiene),
 * the platform's resolution (token URL, grant, API base), the token (cache ▸ token
 * endpoint, with the invalid_client refetch and back-off) and the pool of tokens with their
 * request budgets. The upstream call asks it for a lease on a token and for the API base.
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

export class TokenSource {
  readonly #platform: PlatformProfile;
  readonly #tokens: TokenCache;
  readonly #pool: TokenPool;
  readonly #secrets: SecretCache;
  readonly #parser: CredentialParser;
  readonly #tlsAgents: ClientTlsAgents;

  constructor(
    private readonly settings: TokenSourceSettings,
    agent: HttpAgent,
    secretsManager: SecretsManagerClient,
  ) {
    const secrets = new SecretCache({ client: secretsManager, secretId: settings.secretId, ttlMs: settings.secretTtlMs, staleMs: settings.secretStaleMs });
    this.#secrets = secrets;
    this.#tlsAgents = new ClientTlsAgents(agent);
    this.#parser = new CredentialParser(settings.secretId, settings.clientAuthMethod);
    this.#platform = createPlatformProfile(settings, agent);
    this.#tokens = new TokenCache({ agent, tlsAgents: this.#tlsAgents, secrets, parser: this.#parser, resolveSettings: this.#platform.tokenSettings });
    this.#pool = new TokenPool(this.#tokens, settings.tokenRateLimitPerMinute, settings.tokenPoolSize ?? TOKEN_POOL_SIZE);
  }

  /** A lease on a token with budget for the upstream call's first request (lib/auth/tokenPool.ts). */
  lease(deadline: Deadline): Promise<TokenLease> {
    return this.#pool.lease(deadline);
  }

  /** A token for a prefetch at init: requested and cached, no budget taken (no request is sent with it). */
  async warm(deadline: Deadline): Promise<void> {
    await this.#tokens.get(deadline);
  }

  /**
   * For a lease whose credentials carry client TLS material (callers check `lease.credentials.tls`
   * first, so other actions pay nothing): the agent that presents the certificate and trusts
   * the bundle, from the latest secret read, so a rotated certificate is used within
   * SECRET_TTL_SECONDS while the token stays cached. When Secrets Manager fails, the lease's own.
   * Throws CLIENT_CERT_INVALID for an expired certificate, before any connection.
   */
  async upstreamTls(lease: Pick<TokenLease, 'credentials'>, deadline: Deadline): Promise<{ agent: HttpAgent; tls: ClientTls } | undefined> {
    const tls = await this.#secrets.get(deadline).then(
      ({ secret }) => this.#parser.credentialsOf(secret, deadline.log).tls,
      () => lease.credentials.tls,
    );
    return tls && { agent: this.#tlsAgents.agentFor(tls), tls };
  }

  /** UPSTREAM_BASE_URL, else the platform's API base for these credentials and this token. */
  async apiBaseUrl(lease: Pick<TokenLease, 'credentials' | 'token'>, deadline: Deadline): Promise<string> {
    const url = this.settings.upstreamBaseUrl ?? (await this.#platform.apiBaseUrl(lease.credentials, lease.token, deadline));
    if (url) return url;
    throw new ConfigError(
      ErrorCode.CONFIG_INVALID,
      `UPSTREAM_BASE_URL is required: ${this.settings.authPlatform} has no API base URL to derive (for nice-cxone, set CXONE_TENANT_ID or a tenantId key in the secret when the token response names no tenant)`,
    );
  }
}

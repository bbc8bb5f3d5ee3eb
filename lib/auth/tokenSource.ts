import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Deadline } from '../deadline';
import { ConfigError, ErrorCode } from '../errors';
import type { HttpAgent } from '../httpClient';
import { CredentialParser } from './credentials';
import { createPlatformProfile, type PlatformProfile, type PlatformSettings } from './platforms/profile';
import { SecretCache } from './secretCache';
import { TokenCache, type TokenRead } from './tokenCache';

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
}

/** A token to send, with what the log line reports about how it was obtained. */
export type Grant = TokenRead;

export class TokenSource {
  readonly #platform: PlatformProfile;
  readonly #tokens: TokenCache;

  constructor(
    private readonly settings: TokenSourceSettings,
    agent: HttpAgent,
    secretsManager: SecretsManagerClient,
  ) {
    const secrets = new SecretCache({ client: secretsManager, secretId: settings.secretId, ttlMs: settings.secretTtlMs, staleMs: settings.secretStaleMs });
    this.#platform = createPlatformProfile(settings, agent);
    this.#tokens = new TokenCache({ agent, secrets, parser: new CredentialParser(settings.secretId), resolveSettings: this.#platform.tokenSettings });
  }

  /** A valid token: cached until expiry minus skew, else requested once for all concurrent callers. */
  grant(deadline: Deadline): Promise<Grant> {
    return this.#tokens.get(deadline);
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

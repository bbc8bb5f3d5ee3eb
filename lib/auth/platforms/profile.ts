import type { Credentials } from '../credentials';
import type { Deadline } from '../../http/deadline';
import type { CachedToken } from '../tokenCache';
import type { ClientAuthMethod } from '../clientAuth';
import type { TokenRequestSettings } from '../tokenRequest';
import { genesysApiBaseUrl, genesysTokenUrl, type GenesysRegion } from './genesysCloud';
import { CxoneDiscovery, cxoneTenantOf, requireCxoneAccessKey, scopeWithOpenId } from './niceCxone';
import type { HttpAgent } from '../../http/httpClient';

/**
 * Where the token comes from on each platform and where its API lives (docs/design.md §6):
 * - oauth2: any RFC 6749 token endpoint given by TOKEN_URL;
 * - genesys-cloud: `https://login.<region>/oauth/token`, API at `https://api.<region>`;
 * - nice-cxone: token endpoint from OpenID discovery; the access-key flow (password grant),
 *   the only one NICE offers back-end applications; API base from the tenant's
 *   cxone-configuration, the tenant from CXONE_TENANT_ID, the secret, or the id_token
 *   (requested with scope openid when neither of the others names a tenant).
 */
export const AUTH_PLATFORMS = ['oauth2', 'genesys-cloud', 'nice-cxone'] as const;
export type AuthPlatform = (typeof AUTH_PLATFORMS)[number];

/** What platform resolution needs; configuration (lib/runtime/config.ts) provides it, and so does the doctor. */
export interface PlatformSettings {
  secretId: string;
  authPlatform: AuthPlatform;
  tokenUrl?: string;
  genesysRegion?: GenesysRegion;
  cxoneIssuer: string;
  cxoneTenantId?: string;
  scope?: string;
  tokenExtraParams?: Readonly<Record<string, string>>;
  clientAuthMethod: ClientAuthMethod;
}

export interface PlatformProfile {
  tokenSettings(credentials: Credentials, deadline: Deadline): Promise<TokenRequestSettings>;
  /** The platform's API base URL, when it has one; UPSTREAM_BASE_URL overrides it. */
  apiBaseUrl(credentials: Credentials, token: CachedToken, deadline: Deadline): Promise<string | undefined>;
}

function commonSettings(config: PlatformSettings): Pick<TokenRequestSettings, 'authMethod' | 'scope' | 'extraParams'> {
  return {
    authMethod: config.clientAuthMethod,
    ...(config.scope && { scope: config.scope }),
    ...(config.tokenExtraParams && { extraParams: config.tokenExtraParams }),
  };
}

export function createPlatformProfile(config: PlatformSettings, agent: HttpAgent): PlatformProfile {
  const common = commonSettings(config);
  switch (config.authPlatform) {
    case 'genesys-cloud': {
      // Configuration guarantees a known region for this platform.
      const region = config.genesysRegion!;
      const settings: TokenRequestSettings = { tokenUrl: config.tokenUrl ?? genesysTokenUrl(region), grant: 'client_credentials', ...common };
      return { tokenSettings: async () => settings, apiBaseUrl: async () => genesysApiBaseUrl(region) };
    }
    case 'nice-cxone': {
      const discovery = new CxoneDiscovery(agent, config.cxoneIssuer);
      return {
        tokenSettings: async (credentials, deadline) => {
          requireCxoneAccessKey(credentials, config.secretId);
          // With no tenant configured, only the id_token can name it: ask for one.
          const scope = cxoneTenantOf(config.cxoneTenantId, credentials) ? config.scope : scopeWithOpenId(config.scope);
          return { tokenUrl: config.tokenUrl ?? (await discovery.tokenEndpoint(deadline)), grant: 'password', ...common, ...(scope && { scope }) };
        },
        apiBaseUrl: async (credentials, token, deadline) => {
          const tenant = cxoneTenantOf(config.cxoneTenantId, credentials, token);
          return tenant ? discovery.apiEndpoint(tenant.id, deadline) : undefined;
        },
      };
    }
    case 'oauth2': {
      // Configuration requires TOKEN_URL for oauth2.
      const settings: TokenRequestSettings = { tokenUrl: config.tokenUrl!, grant: 'client_credentials', ...common };
      return { tokenSettings: async () => settings, apiBaseUrl: async () => undefined };
    }
  }
}

import type { BridgeConfig } from './config';
import { ConfigError, ErrorCode } from './errors';
import type { TokenRequestSettings } from './oauth/tokenRequest';

/**
 * Where the token comes from on each platform (SPEC §6): the token endpoint, the grant and
 * how the client authenticates. Resolution may need the network (CXone discovery), so it
 * is asynchronous and bounded by the invocation's deadline.
 */
export type TokenSettingsResolver = () => Promise<TokenRequestSettings>;

export function createTokenSettingsResolver(config: BridgeConfig): TokenSettingsResolver {
  if (config.authPlatform !== 'oauth2' || !config.tokenUrl) {
    throw new ConfigError(ErrorCode.CONFIG_INVALID, `AUTH_PLATFORM ${config.authPlatform} is not supported yet; use oauth2 with TOKEN_URL`);
  }
  const settings: TokenRequestSettings = {
    tokenUrl: config.tokenUrl,
    grant: 'client_credentials',
    authMethod: config.clientAuthMethod,
    ...(config.scope && { scope: config.scope }),
  };
  return async () => settings;
}

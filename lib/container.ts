import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Agent } from 'undici';
import { loadConfig, type BridgeConfig } from './config';
import { CredentialParser } from './credentials';
import { createHttpAgent } from './http';
import { logger, setLogLevel } from './logger';
import { TokenCache } from './oauth/tokenCache';
import { createTokenSettingsResolver } from './platforms';
import { SecretCache } from './secrets';

/**
 * What survives between warm invocations (SPEC §3): configuration, clients and caches,
 * never per-request state. One container per deployed function; tests make a new one to
 * get a cold start.
 */
export interface Container {
  config: BridgeConfig;
  agent: Agent;
  secrets: SecretCache;
  tokens: TokenCache;
}

export function createContainer(env: NodeJS.ProcessEnv, requiredConfig: readonly string[] = []): Container {
  const config = loadConfig(env, requiredConfig);
  setLogLevel(config.logLevel);
  const agent = createHttpAgent();
  const secrets = new SecretCache({ client: new SecretsManagerClient({}), secretId: config.secretId, ttlMs: config.secretTtlMs });
  const resolveSettings = createTokenSettingsResolver(config);
  const tokens = new TokenCache({ agent, secrets, parser: new CredentialParser(config.secretId), resolveSettings });
  logger.debug({ event: 'container_ready', authPlatform: config.authPlatform }, 'container initialised');
  return { config, agent, secrets, tokens };
}

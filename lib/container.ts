import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AnyAction } from './action';
import { loadConfig, type BridgeConfig } from './config';
import { DependencyBreaker } from './circuitBreaker';
import { CredentialParser } from './auth/credentials';
import { createHttpAgent, type HttpAgent } from './httpClient';
import { logger, setLogLevel } from './logger';
import { TokenCache } from './auth/tokenCache';
import { createPlatformProfile, type PlatformProfile } from './auth/platforms/profile';
import { SecretCache } from './auth/secretCache';

/**
 * What survives between warm invocations (SPEC §3): configuration, clients and caches,
 * never per-request state. One container per action in a function; tests make a new one
 * to get a cold start.
 */
export interface Container {
  config: BridgeConfig;
  agent: HttpAgent;
  secrets: SecretCache;
  tokens: TokenCache;
  platform: PlatformProfile;
  upstreamBreaker: DependencyBreaker;
}

/** The SDK reads process.env itself; passing the container's own env keeps tests and scripts explicit. */
export function createSecretsManagerClient(env: NodeJS.ProcessEnv): SecretsManagerClient {
  return new SecretsManagerClient({
    ...(env.AWS_REGION && { region: env.AWS_REGION }),
    ...(env.AWS_ENDPOINT_URL_SECRETS_MANAGER && { endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER }),
  });
}

export function createContainer(env: NodeJS.ProcessEnv, action?: AnyAction): Container {
  const config = loadConfig(env, action?.requiredConfig, action?.platform, action?.timeoutMs);
  setLogLevel(config.logLevel);
  const agent = createHttpAgent();
  const secrets = new SecretCache({
    client: createSecretsManagerClient(env),
    secretId: config.secretId,
    ttlMs: config.secretTtlMs,
    staleMs: config.secretStaleMs,
  });
  const platform = createPlatformProfile(config, agent);
  const parser = new CredentialParser(config.secretId);
  const tokens = new TokenCache({ agent, secrets, parser, resolveSettings: platform.tokenSettings });
  logger.debug({ event: 'container_ready', authPlatform: config.authPlatform }, 'container initialised');
  return { config, agent, secrets, tokens, platform, upstreamBreaker: new DependencyBreaker(`the upstream API of ${action?.name ?? 'the action'}`) };
}

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AnyAction } from './action';
import type { ConnectionSources } from './auth/connectionSources';
import { TokenSource } from './auth/tokenSource';
import { loadConfig, type BridgeConfig } from './config';
import { DependencyBreaker } from './circuitBreaker';
import { createHttpAgent, type HttpAgent } from './httpClient';
import { logger, setLogLevel } from './logger';

/**
 * What survives between warm invocations (SPEC §3): configuration, clients and caches,
 * never per-request state. One container per action in a function; tests make a new one
 * to get a cold start.
 */
export interface Container {
  config: BridgeConfig;
  agent: HttpAgent;
  /** The one place the token comes from (lib/auth/). */
  auth: TokenSource;
  upstreamBreaker: DependencyBreaker;
}

/**
 * The SDK reads process.env itself; passing the container's own env keeps tests and scripts
 * explicit. One attempt per call: the secret cache retries GetSecretValue with the bridge's
 * own deadline-aware policy (lib/retry.ts), so the SDK's standard retries (3 attempts, a
 * 500 ms throttling backoff base) do not run underneath it.
 */
export function createSecretsManagerClient(env: NodeJS.ProcessEnv): SecretsManagerClient {
  return new SecretsManagerClient({
    maxAttempts: 1,
    ...(env.AWS_REGION && { region: env.AWS_REGION }),
    ...(env.AWS_ENDPOINT_URL_SECRETS_MANAGER && { endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER }),
  });
}

/** `connections`: the function's token sources by connection, when it hosts several actions (the HTTPS front). */
export function createContainer(env: NodeJS.ProcessEnv, action?: AnyAction, connections?: ConnectionSources): Container {
  const config = loadConfig(env, action?.requiredConfig, action?.platform, action?.timeoutMs);
  setLogLevel(config.logLevel);
  const agent = createHttpAgent();
  const create = () => new TokenSource(config, agent, createSecretsManagerClient(env));
  const auth = connections ? connections.sourceFor(config, create) : create();
  logger.debug({ event: 'container_ready', authPlatform: config.authPlatform }, 'container initialised');
  return { config, agent, auth, upstreamBreaker: new DependencyBreaker(`the upstream API of ${action?.name ?? 'the action'}`) };
}

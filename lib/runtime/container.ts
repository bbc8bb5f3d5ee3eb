import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AnyAction } from './action';
import type { ConnectionSources } from '../auth/connectionSources';
import { TokenSource } from '../auth/tokenSource';
import { loadConfig, type BridgeConfig } from './config';
import { DependencyBreaker } from '../http/circuitBreaker';
import { createHttpAgent, type HttpAgent } from '../http/httpClient';
import { logger, setLogLevel } from '../base/logger';
import { readProxySettings, type ProxySettings } from '../http/proxy/proxySettings';
import { HttpsTunnelAgent, HttpTunnelAgent } from '../http/proxy/tunnelAgent';

/**
 * What survives between warm invocations (docs/design.md §3): configuration, clients and caches,
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
 * own deadline-aware policy (lib/http/retry.ts), so the SDK's standard retries (3 attempts, a
 * 500 ms throttling backoff base) do not run underneath it. With an egress proxy set, the
 * SDK's handler gets agents that tunnel through it (lib/http/proxy/tunnelAgent.ts); without one it
 * keeps its default handler.
 */
export function createSecretsManagerClient(env: NodeJS.ProcessEnv, proxy: ProxySettings | undefined = readProxySettings(env)): SecretsManagerClient {
  return new SecretsManagerClient({
    maxAttempts: 1,
    ...(env.AWS_REGION && { region: env.AWS_REGION }),
    ...(env.AWS_ENDPOINT_URL_SECRETS_MANAGER && { endpoint: env.AWS_ENDPOINT_URL_SECRETS_MANAGER }),
    // The handler's options as an object (the SDK builds its NodeHttpHandler from them): no import of @smithy/node-http-handler.
    ...(proxy && { requestHandler: { httpAgent: new HttpTunnelAgent(proxy), httpsAgent: new HttpsTunnelAgent(proxy) } }),
  });
}

/** `connections`: the function's token sources by connection, when it hosts several actions (the HTTPS front). */
export function createContainer(env: NodeJS.ProcessEnv, action?: AnyAction, connections?: ConnectionSources): Container {
  const config = loadConfig(env, action?.requiredConfig, action?.platform, action?.timeoutMs);
  setLogLevel(config.logLevel);
  // One reading of the proxy variables for both clients.
  const proxy = readProxySettings(env);
  const agent = createHttpAgent({}, proxy);
  const create = () => new TokenSource(config, agent, createSecretsManagerClient(env, proxy));
  const auth = connections ? connections.sourceFor(config, create) : create();
  logger.debug({ event: 'container_ready', authPlatform: config.authPlatform }, 'container initialised');
  return { config, agent, auth, upstreamBreaker: new DependencyBreaker(`the upstream API of ${action?.name ?? 'the action'}`) };
}

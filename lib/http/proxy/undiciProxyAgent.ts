import type { Dispatcher } from 'undici';
import { proxyFor, type EgressProxy, type ProxySettings } from './proxySettings';

/**
 * undici's EnvHttpProxyAgent for the token endpoint, discovery and the upstream, given the
 * variables as read once (./proxySettings.ts) instead of reading process.env itself (it
 * would re-read NO_PROXY on every request, and tests give a container its own env).
 *
 * Loaded with require() when a proxy is set, so that a function without one neither loads
 * nor initialises undici's proxy modules at cold start. A deep import like the agent's in
 * lib/http/httpClient.ts: pinned with undici (tests/unit/undiciPin.test.ts).
 */

type ProxyAgentOptions = ConstructorParameters<typeof import('undici').EnvHttpProxyAgent>[0] & {
  /**
   * undici's code defaults this to true (lib/dispatcher/proxy-agent.js: `proxyTunnel = true`),
   * although docs/api/ProxyAgent.md says false: set explicitly, so that http:// origins are
   * sent to the proxy in absolute form (RFC 9112 §3.2.2), as curl does, and https:// ones
   * through a CONNECT tunnel.
   */
  proxyTunnel: boolean;
};

export function createUndiciProxyAgent<T extends Dispatcher & { close(): Promise<void> }>(
  settings: ProxySettings,
  options: NonNullable<ConstructorParameters<typeof import('undici').Agent>[0]>,
): T & { proxyFor(url: URL): EgressProxy | undefined } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EnvHttpProxyAgent = require('undici/lib/dispatcher/env-http-proxy-agent.js') as typeof import('undici').EnvHttpProxyAgent;
  const connect = typeof options.connect === 'object' ? options.connect : {};
  const agentOptions: ProxyAgentOptions = {
    ...options,
    httpProxy: settings.http?.uri() ?? '',
    httpsProxy: settings.https?.uri() ?? '',
    noProxy: settings.noProxy,
    proxyTunnel: false,
    // An https origin reached through the tunnel takes its TLS options (a CA bundle, a timeout) from requestTls, not connect.
    requestTls: connect,
  };
  const agent = new EnvHttpProxyAgent(agentOptions) as unknown as T & { proxyFor(url: URL): EgressProxy | undefined };
  agent.proxyFor = (url) => proxyFor(settings, url);
  return agent;
}

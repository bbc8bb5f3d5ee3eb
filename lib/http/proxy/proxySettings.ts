import { inspect } from 'node:util';
import { ConfigError, ErrorCode } from '../../base/errors';
import { SecretText } from '../../base/secretText';

/**
 * The egress proxy variables, read once per container for both HTTP clients: undici's
 * EnvHttpProxyAgent (token endpoint, discovery, upstream) is given these values explicitly,
 * and the AWS SDK's tunnel agent routes with `proxyFor` below, which applies the same rules.
 *
 * The rules are undici's (lib/dispatcher/env-http-proxy-agent.js, pinned with undici in
 * tests/unit/undiciPin.test.ts; docs/api/EnvHttpProxyAgent.md): the lower-case variable wins
 * when both cases are set, as curl does (curl's manual, "ENVIRONMENT"); an https request
 * uses `https_proxy`, or `http_proxy` when only that is set (curl does not fall back);
 * `no_proxy` is a comma- or space-separated list of host names, each optionally with a
 * `:port`, matching the host and its subdomains (a leading `.` or `*.` is ignored), or `*`
 * for every host. No CIDR ranges (curl ≥ 7.86 has them, undici does not).
 */

/** An egress proxy whose URL may hold a user and password: it prints as its label only. */
export class EgressProxy {
  readonly #uri: SecretText;
  /** `http://host:port`, or `http://***@host:port` when the URL holds credentials: the only form ever printed. */
  readonly label: string;
  /** The variable it came from, as set (e.g. `HTTPS_PROXY`), for messages. */
  readonly variable: string;
  readonly hostname: string;
  readonly port: number;
  readonly hasCredentials: boolean;

  constructor(url: URL, variable: string) {
    this.#uri = new SecretText(url.href);
    this.hasCredentials = url.username !== '' || url.password !== '';
    this.label = `${url.protocol}//${this.hasCredentials ? '***@' : ''}${url.host}`;
    this.variable = variable;
    this.hostname = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port) || 80;
  }

  /** The URL with its credentials, for the one place that connects to the proxy. */
  uri(): string {
    return this.#uri.reveal();
  }

  /** The `Proxy-Authorization` value for the URL's credentials (RFC 9110 §11.7.1, Basic as RFC 7617), or undefined. */
  authorization(): string | undefined {
    if (!this.hasCredentials) return undefined;
    const url = new URL(this.uri());
    return `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  }

  toString(): string {
    return this.label;
  }

  toJSON(): string {
    return this.label;
  }

  [inspect.custom](): string {
    return this.label;
  }
}

export interface ProxySettings {
  http?: EgressProxy;
  https?: EgressProxy;
  /** NO_PROXY as set ('' when unset), handed to undici as it is. */
  noProxy: string;
  noProxyEntries: ReadonlyArray<{ hostname: string; port: number }>;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** The value and name of the first variable set (an empty lower-case value still wins, as in undici: `??`). */
function firstSet(env: NodeJS.ProcessEnv, names: [string, string]): { value: string; name: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) return { value, name };
  }
  return undefined;
}

function parseProxy(env: NodeJS.ProcessEnv, names: [string, string]): EgressProxy | undefined {
  const set = firstSet(env, names);
  if (!set?.value) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(set.value);
  } catch {
    // The message never repeats the value: it may hold a password.
  }
  // Only plain http proxies: the CONNECT tunnel agent for the AWS SDK (./tunnelAgent.ts) speaks to the proxy in clear text.
  if (!url || url.protocol !== 'http:' || !url.hostname || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new ConfigError(ErrorCode.CONFIG_INVALID, `fix these environment variables: ${set.name} must be a proxy URL such as http://proxy.example.com:3128 or http://user:password@proxy.example.com:3128 (the value is not shown: it may hold a password)`);
  }
  return new EgressProxy(url, set.name);
}

function parseNoProxy(value: string): ProxySettings['noProxyEntries'] {
  return value
    .split(/[,\s]/)
    .filter(Boolean)
    .map((entry) => {
      const withPort = /^(.+):(\d+)$/.exec(entry);
      return { hostname: (withPort ? withPort[1]! : entry).replace(/^\*?\./, '').toLowerCase(), port: withPort ? Number.parseInt(withPort[2]!, 10) : 0 };
    });
}

/** The proxy variables of `env`, or undefined when no proxy is set (then nothing about the HTTP clients changes). */
export function readProxySettings(env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const http = parseProxy(env, ['http_proxy', 'HTTP_PROXY']);
  const https = parseProxy(env, ['https_proxy', 'HTTPS_PROXY']) ?? http;
  if (!http && !https) return undefined;
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY'])?.value ?? '';
  return { ...(http && { http }), ...(https && { https }), noProxy, noProxyEntries: parseNoProxy(noProxy) };
}

/** Whether NO_PROXY sends a request to this host and port direct (undici's #shouldProxy, negated). */
function bypassed(settings: ProxySettings, hostname: string, port: number): boolean {
  if (settings.noProxy === '*') return true;
  return settings.noProxyEntries.some(
    (entry) => (!entry.port || entry.port === port) && (hostname === entry.hostname || hostname.endsWith(`.${entry.hostname}`)),
  );
}

/** The proxy a request to `url` goes through, or undefined when it goes direct. */
export function proxyFor(settings: ProxySettings | undefined, url: URL): EgressProxy | undefined {
  if (!settings) return undefined;
  // The host without its port, brackets of an IPv6 literal kept, as undici compares it.
  return proxyForHost(settings, url.protocol, url.host.replace(/:\d*$/, ''), Number.parseInt(url.port, 10) || DEFAULT_PORTS[url.protocol] || 0);
}

/** The same for a host (IPv6 literals in brackets) and port, as the AWS SDK's agent sees them. */
export function proxyForHost(settings: ProxySettings, protocol: string, host: string, port: number): EgressProxy | undefined {
  if (bypassed(settings, host.toLowerCase(), port)) return undefined;
  return protocol === 'https:' ? settings.https : settings.http;
}

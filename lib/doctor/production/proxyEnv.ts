/**
 * Which proxy a request to a URL goes through, read from the environment as undici's
 * EnvHttpProxyAgent reads it (undici docs, "EnvHttpProxyAgent": `http_proxy`/`HTTP_PROXY` for
 * http:, `https_proxy`/`HTTPS_PROXY` for https:, lowercase first; `no_proxy`/`NO_PROXY`: comma
 * or space separated hosts, each matching the host and its subdomains, with an optional
 * `:port`, `*` for every host). For the report only: a proxy URL's credentials are a secret,
 * so what is returned shows the scheme, host and port alone.
 */

export type ProxyRoute =
  | { kind: 'direct' }
  | { kind: 'excluded'; variable: string; entry: string }
  | { kind: 'proxy'; variable: string; shown: string; host: string; port: number; hadCredentials: boolean };

function firstSet(env: NodeJS.ProcessEnv, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function excludedBy(target: URL, noProxy: string): string | undefined {
  const host = target.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const entry of noProxy.split(/[\s,]+/).filter(Boolean)) {
    if (entry === '*') return entry;
    const [, name = '', entryPort] = /^(.*?)(?::(\d+))?$/.exec(entry.toLowerCase().replace(/^\*?\./, '')) ?? [];
    if (entryPort && entryPort !== port) continue;
    if (host === name || host.endsWith(`.${name}`)) return entry;
  }
  return undefined;
}

export function proxyRouteOf(target: URL, env: NodeJS.ProcessEnv): ProxyRoute {
  const names = target.protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
  const proxy = firstSet(env, names);
  if (!proxy) return { kind: 'direct' };
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY']);
  const entry = noProxy && excludedBy(target, noProxy.value);
  if (noProxy && entry) return { kind: 'excluded', variable: noProxy.name, entry };
  let url: URL;
  try {
    url = new URL(proxy.value);
  } catch {
    // Not even a URL: nothing of it is shown (it may be credentials pasted in the wrong place).
    return { kind: 'proxy', variable: proxy.name, shown: '(not a URL)', host: '', port: 0, hadCredentials: false };
  }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return { kind: 'proxy', variable: proxy.name, shown: `${url.protocol}//${url.host}`, host: url.hostname.replace(/^\[|\]$/g, ''), port, hadCredentials: url.username !== '' || url.password !== '' };
}

/** Plain http:// is allowed only for loopback hosts (docs/design.md §4); everything else must be TLS. */

const LOOPBACK_HOSTNAMES = new Set(['localhost', '[::1]']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/** Why `value` is not an acceptable endpoint URL, or undefined when it is. */
export function endpointUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  // Credentials in a URL would be printed wherever the URL is (errors, doctor, logs).
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  if (url.protocol === 'http:') return 'must use https:// (plain http:// is allowed only for loopback hosts)';
  return `must be an https:// URL, not ${url.protocol}`;
}

/** Joins a base URL that may carry a path prefix with a path, keeping exactly one slash between them. */
export function joinUrl(base: string, path: string): URL {
  const prefix = base.endsWith('/') ? base.slice(0, -1) : base;
  const suffix = path.startsWith('/') ? path : `/${path}`;
  return new URL(prefix + suffix);
}

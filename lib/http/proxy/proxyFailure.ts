import { ErrorCode, TokenError } from '../../base/errors';
import { networkCodeOf } from '../networkErrors';
import type { EgressProxy } from './proxySettings';

/**
 * What an egress proxy did to a request, read from the errors undici and the tunnel agent
 * give, for run-time messages (lib/http/retry.ts, lib/auth/secretCache.ts) and the doctor's
 * findings (lib/doctor/networkFailure.ts). Messages name the proxy by its label only.
 */

export type ProxyFailureReason = 'auth-required' | 'refused' | 'reset' | 'unreachable' | 'timeout';

export interface ProxyFailure {
  reason: ProxyFailureReason;
  /** The proxy's HTTP answer, when it answered (407, 403…). */
  status?: number;
  /** The network code, when the connection failed (ECONNRESET…). */
  code?: string;
}

/** What a proxy did, in words, ending with what to do. `target`: the host the request was for. */
export function proxyFailureMessage(failure: ProxyFailure, proxy: EgressProxy, target: string): string {
  const name = `the egress proxy ${proxy.label} (${proxy.variable})`;
  switch (failure.reason) {
    case 'auth-required':
      return `${name} requires authentication (HTTP 407): ${proxy.hasCredentials ? `check the user and password in ${proxy.variable}` : `put a user and password in ${proxy.variable} (http://user:password@host:port)`}`;
    case 'refused':
      return `${name} refused the connection to ${target} (${failure.status ? `HTTP ${failure.status}` : 'no HTTP answer'}): allow ${target} on the proxy, or add it to NO_PROXY`;
    case 'reset':
      return `${name} reset the connection to ${target} (${failure.code ?? 'closed'}): the proxy may block ${target} or drop requests it inspects; allow it on the proxy, or add it to NO_PROXY`;
    case 'unreachable':
      return `${name} could not be reached (${failure.code ?? 'error'}): check the proxy's host and port in ${proxy.variable} and the route to it`;
    case 'timeout':
      return `${name} did not open a connection to ${target} in time`;
  }
}

/** An error of the AWS SDK's tunnel agent (./tunnelAgent.ts): the message names the proxy and what it did. */
export class ProxyTunnelError extends Error {
  override name = 'ProxyTunnelError';
  readonly code = 'ERR_PROXY_TUNNEL';

  constructor(
    readonly failure: ProxyFailure,
    proxy: EgressProxy,
    target: string,
    cause?: unknown,
  ) {
    super(proxyFailureMessage(failure, proxy, target), cause === undefined ? undefined : { cause });
  }
}

/** undici's ProxyAgent: a refused CONNECT (lib/dispatcher/proxy-agent.js) and a 407 to an absolute-form request (its Http1ProxyWrapper). */
const UNDICI_TUNNEL_REFUSED = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling$/;
const UNDICI_AUTH_REQUIRED = /^Proxy Authentication Required \(407\)$/;
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** The ProxyTunnelError along an error's causes (the AWS SDK may wrap it). */
export function proxyTunnelErrorOf(error: unknown): ProxyTunnelError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    if (current instanceof ProxyTunnelError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * What the proxy did, for a request that went through one: undici's and the tunnel agent's
 * proxy errors, and any connection failure (with a proxy in the path, the only connection
 * the client opens is to the proxy). Undefined for other failures (a deadline, TLS).
 */
export function proxyFailureOf(error: unknown): ProxyFailure | undefined {
  const tunnel = proxyTunnelErrorOf(error);
  if (tunnel) return tunnel.failure;
  const message = (error as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string') {
    if (UNDICI_AUTH_REQUIRED.test(message)) return { reason: 'auth-required', status: 407 };
    const refused = UNDICI_TUNNEL_REFUSED.exec(message);
    if (refused) return Number(refused[1]) === 407 ? { reason: 'auth-required', status: 407 } : { reason: 'refused', status: Number(refused[1]) };
  }
  const code = networkCodeOf(error);
  if (RESET_CODES.has(code)) return { reason: 'reset', code };
  if (UNREACHABLE_CODES.has(code)) return { reason: 'unreachable', code };
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { reason: 'timeout', code };
  return undefined;
}

/**
 * invalid_client from a request that carried an Authorization header through a proxy: the
 * seed case of a proxy that removes the header, so the server sees no client at all. The
 * error keeps its code (the client may still be wrong) and says the proxy was in the path.
 */
export function withProxyInPath(error: TokenError, proxy: EgressProxy | undefined, sentAuthorization: boolean): TokenError {
  if (!proxy || !sentAuthorization || error.code !== ErrorCode.TOKEN_INVALID_CLIENT) return error;
  const detail = error.message.slice(`${error.code}: `.length);
  return new TokenError(
    error.code,
    `${detail}; the request went through the egress proxy ${proxy.label} (${proxy.variable}), which may remove the Authorization header: \`npm run doctor\` compares it with a request without the proxy; add the token endpoint's host to NO_PROXY or set CLIENT_AUTH_METHOD=client_secret_post if it does`,
    { cause: error, ...(error.status !== undefined && { status: error.status }), ...(error.upstreamCorrelationId !== undefined && { upstreamCorrelationId: error.upstreamCorrelationId }) },
  );
}

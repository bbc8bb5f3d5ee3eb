import { BridgeError, ErrorCode } from '../base/errors';
import { isTlsFailure, networkCodeOf } from '../http/networkErrors';
import { proxyFailureMessage, proxyFailureOf, type ProxyFailureReason } from '../http/proxy/proxyFailure';
import type { EgressProxy } from '../http/proxy/proxySettings';
import { Cause } from './findings';

/**
 * Tells network failures apart (name resolution, connection, TLS, time) from HTTP errors,
 * from the error codes Node and undici use.
 */

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

export interface NetworkFailure {
  cause: Cause;
  message: string;
}

const PROXY_CAUSES: Record<ProxyFailureReason, Cause> = {
  'auth-required': Cause.PROXY_AUTH_REQUIRED,
  refused: Cause.PROXY_REFUSED,
  reset: Cause.PROXY_RESET,
  unreachable: Cause.PROXY_UNREACHABLE,
  timeout: Cause.PROXY_UNREACHABLE,
};

const PROXY_FINDINGS = new Set<Cause>(Object.values(PROXY_CAUSES));

/** Whether a finding names the egress proxy: it stays the finding wherever the request was going. */
export function isProxyCause(cause: Cause): boolean {
  return PROXY_FINDINGS.has(cause);
}

/** `proxy`: the egress proxy the request went through, if any; what it did is then named as the proxy's doing. */
export function classifyNetworkError(error: unknown, host: string, proxy?: EgressProxy): NetworkFailure | undefined {
  const byProxy = proxy && proxyFailureOf(error);
  if (byProxy) return { cause: PROXY_CAUSES[byProxy.reason], message: proxyFailureMessage(byProxy, proxy, host) };
  if (error instanceof BridgeError && error.code === ErrorCode.TIMEOUT) {
    return { cause: Cause.TIMEOUT, message: `no answer from ${host} in time (firewall, proxy or a host that drops packets)` };
  }
  const code = networkCodeOf(error);
  if (DNS_CODES.has(code)) return { cause: Cause.DNS_FAILURE, message: `the name ${host} does not resolve (${code}): check the host name and the region` };
  if (isTlsFailure(code)) {
    return { cause: Cause.TLS_FAILURE, message: `TLS with ${host} failed (${code}): wrong port or protocol, an intercepting proxy, or a certificate that is not trusted` };
  }
  if (CONNECT_CODES.has(code)) return { cause: Cause.CONNECT_FAILURE, message: `could not connect to ${host} (${code}): check the port, firewall and egress rules (VPC without NAT?)` };
  return undefined;
}

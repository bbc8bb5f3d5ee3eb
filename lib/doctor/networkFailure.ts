import { BridgeError, ErrorCode } from '../errors';
import { Cause } from './findings';

/**
 * Tells network failures apart (name resolution, connection, TLS, time) from HTTP errors,
 * from the error codes Node and undici use.
 */

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|EPROTO$|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

export interface NetworkFailure {
  cause: Cause;
  message: string;
}

function codeOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !(current instanceof BridgeError)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}

export function classifyNetworkError(error: unknown, host: string): NetworkFailure | undefined {
  if (error instanceof BridgeError && error.code === ErrorCode.TIMEOUT) {
    return { cause: Cause.TIMEOUT, message: `no answer from ${host} in time (firewall, proxy or a host that drops packets)` };
  }
  const code = codeOf(error);
  if (DNS_CODES.has(code)) return { cause: Cause.DNS_FAILURE, message: `the name ${host} does not resolve (${code}): check the host name and the region` };
  if (TLS_CODE.test(code)) {
    return { cause: Cause.TLS_FAILURE, message: `TLS with ${host} failed (${code}): wrong port or protocol, an intercepting proxy, or a certificate that is not trusted` };
  }
  if (CONNECT_CODES.has(code)) return { cause: Cause.CONNECT_FAILURE, message: `could not connect to ${host} (${code}): check the port, firewall and egress rules (VPC without NAT?)` };
  return undefined;
}

import { BridgeError } from '../base/errors';

/**
 * The codes Node and undici give network failures, read in one place for the retry loop
 * (lib/http/retry.ts) and the doctor's diagnosis (lib/doctor/networkFailure.ts).
 */

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|EPROTO$|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)/;

/** The first code along the error and its causes (a bridge error's own code is not a network code), or ''. */
export function networkCodeOf(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !(current instanceof BridgeError)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return '';
}

export function isTlsFailure(code: string): boolean {
  return TLS_CODE.test(code);
}

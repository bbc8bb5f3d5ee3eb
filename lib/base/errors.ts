/**
 * Errors with stable codes (docs/design.md §9). The message starts with the code, a colon and a
 * space, because Genesys Cloud shows a Lambda error's name and message to the flow author.
 * Messages say what to do and never contain a secret, a token or a raw response body.
 */

export const ErrorCode = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  INPUT_INVALID: 'INPUT_INVALID',
  INPUT_TOO_LARGE: 'INPUT_TOO_LARGE',
  CALLER_UNAUTHENTICATED: 'CALLER_UNAUTHENTICATED',
  CALLER_FORBIDDEN: 'CALLER_FORBIDDEN',
  ACTION_NOT_FOUND: 'ACTION_NOT_FOUND',
  SECRET_NOT_FOUND: 'SECRET_NOT_FOUND',
  SECRET_ACCESS_DENIED: 'SECRET_ACCESS_DENIED',
  SECRET_INVALID: 'SECRET_INVALID',
  SECRET_UNAVAILABLE: 'SECRET_UNAVAILABLE',
  TOKEN_INVALID_CLIENT: 'TOKEN_INVALID_CLIENT',
  TOKEN_INVALID_GRANT: 'TOKEN_INVALID_GRANT',
  TOKEN_UNAUTHORIZED_CLIENT: 'TOKEN_UNAUTHORIZED_CLIENT',
  TOKEN_INVALID_SCOPE: 'TOKEN_INVALID_SCOPE',
  TOKEN_UNSUPPORTED_GRANT_TYPE: 'TOKEN_UNSUPPORTED_GRANT_TYPE',
  TOKEN_REJECTED: 'TOKEN_REJECTED',
  TOKEN_INVALID_RESPONSE: 'TOKEN_INVALID_RESPONSE',
  TOKEN_UNAVAILABLE: 'TOKEN_UNAVAILABLE',
  UPSTREAM_UNAUTHORIZED: 'UPSTREAM_UNAUTHORIZED',
  UPSTREAM_RATE_LIMITED: 'UPSTREAM_RATE_LIMITED',
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  UPSTREAM_INVALID_RESPONSE: 'UPSTREAM_INVALID_RESPONSE',
  TRANSFORM_FAILED: 'TRANSFORM_FAILED',
  OUTPUT_INVALID: 'OUTPUT_INVALID',
  OUTPUT_TOO_LARGE: 'OUTPUT_TOO_LARGE',
  TIMEOUT: 'TIMEOUT',
  CIRCUIT_OPEN: 'CIRCUIT_OPEN',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  /** The secret's client certificate cannot be used: its key does not match it, or it is expired or not yet valid. */
  CLIENT_CERT_INVALID: 'CLIENT_CERT_INVALID',
  /** A server ended the TLS handshake over the client certificate: none presented, or one it does not accept. */
  CLIENT_CERT_REFUSED: 'CLIENT_CERT_REFUSED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface BridgeErrorOptions {
  cause?: unknown;
  /** HTTP status of the response that caused the error, when there was one. */
  status?: number;
  /** Correlation id the upstream or token endpoint gave its response. */
  upstreamCorrelationId?: string;
}

/**
 * Names are literal, not taken from the class, because the deployed bundle is minified and
 * Genesys Cloud shows the name to the flow author as errorType.
 */
export class BridgeError extends Error {
  override name = 'BridgeError';
  readonly code: ErrorCode;
  readonly status?: number;
  readonly upstreamCorrelationId?: string;

  constructor(code: ErrorCode, detail: string, options: BridgeErrorOptions = {}) {
    super(`${code}: ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.upstreamCorrelationId !== undefined) this.upstreamCorrelationId = options.upstreamCorrelationId;
  }
}

export class ConfigError extends BridgeError {
  override name = 'ConfigError';
}
export class InputError extends BridgeError {
  override name = 'InputError';
}
export class SecretError extends BridgeError {
  override name = 'SecretError';
}
export class TokenError extends BridgeError {
  override name = 'TokenError';
}
export class UpstreamError extends BridgeError {
  override name = 'UpstreamError';
}
export class OutputError extends BridgeError {
  override name = 'OutputError';
}
export class TimeoutError extends BridgeError {
  override name = 'TimeoutError';
}

/** Anything that is not already a BridgeError becomes one, without its original message. */
export function asBridgeError(error: unknown): BridgeError {
  if (error instanceof BridgeError) return error;
  return new BridgeError(ErrorCode.INTERNAL_ERROR, 'unexpected failure inside the bridge; see the function logs', {
    cause: error,
  });
}

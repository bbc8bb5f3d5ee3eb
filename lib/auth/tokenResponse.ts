import * as z from 'zod';
import { TOKEN_ASSUMED_LIFETIME_SECONDS } from '../base/constants';
import { ErrorCode, TokenError } from '../base/errors';
import { correlationIdOf, isJsonContentType, type HttpResponse } from '../http/http';
import { SecretText } from '../base/secretText';
import { tenantIdOfIdToken } from './idTokenClaims';

/**
 * Parses a token endpoint's answer (RFC 6749 §5.1 success, §5.2 error). Pure: it sees an
 * HTTP response, never the network, and it never puts the raw body into an error.
 */

export interface IssuedToken {
  accessToken: SecretText;
  /** Lifetime the server granted, in seconds. */
  expiresInSeconds: number;
  /** True when the server did not say (RFC 6749 §5.1 makes expires_in optional). */
  lifetimeAssumed: boolean;
  /** The tenant the response's id_token names (CXone), when it names one. */
  tenantId?: string;
}

/**
 * What can follow "Bearer " in an Authorization header: visible ASCII, no space. RFC 6749
 * Appendix A.12 allows any VSCHAR (%x20-7E) in a token, RFC 9110 §5.5 forbids CR, LF and NUL
 * in a field value and a space would split the credentials (RFC 9110 §11.4); RFC 6750 §2.1's
 * b64token is stricter, but servers issue tokens outside it (with "!", for one) that work.
 * A token outside this would be cached for its lifetime and fail every upstream request.
 */
const HEADER_SAFE_TOKEN = /^[\x21-\x7e]+$/;

const TokenSuccess = z.object({
  access_token: z
    .string({ error: 'access_token must be a non-empty string' })
    .min(1, { error: 'access_token must be a non-empty string', abort: true })
    .regex(HEADER_SAFE_TOKEN, 'access_token holds characters that cannot be sent in an Authorization header (whitespace, a line break, a control or non-ASCII character)'),
  // RFC 6749 §7.1: the type is case-insensitive; absent is taken as bearer.
  token_type: z
    .string({ error: 'token_type must be "bearer"' })
    .optional()
    .refine((type) => type === undefined || type.toLowerCase() === 'bearer', 'token_type must be "bearer"'),
  expires_in: z
    .union([z.number(), z.string().regex(/^\d+(\.\d+)?$/).transform(Number)], { error: 'expires_in must be a positive number' })
    .refine((seconds) => seconds > 0, 'expires_in must be a positive number')
    .optional(),
});

// `description` is Genesys Cloud's extra field; CXone's schema names it errorDescription.
const OAuthErrorBody = z.object({
  error: z.string().min(1),
  error_description: z.string().optional(),
  description: z.string().optional(),
  errorDescription: z.string().optional(),
});

/** Shown with invalid_client: the causes this project exists to diagnose. */
export const INVALID_CLIENT_ADVICE =
  'the client id or secret was not accepted. Usual causes: whitespace or ' +
  'invisible characters in the stored secret, the wrong platform or region host in the token URL, or an id/secret ' +
  'pair from another environment. Run `npm run doctor` to find which';

function parseJson(response: HttpResponse): unknown {
  if (response.body === undefined) return undefined;
  try {
    return JSON.parse(response.body);
  } catch {
    return undefined;
  }
}

function describeBody(response: HttpResponse): string {
  if (response.body === undefined) return 'a body larger than the limit';
  if (/^\s*</.test(response.body)) return 'an HTML or XML page';
  if (response.body.trim() === '') return 'an empty body';
  if (parseJson(response) !== undefined) return 'JSON that is not a token response';
  return isJsonContentType(response) ? 'malformed JSON' : 'a body that is not JSON';
}

/** RFC 6749 §5.2 error codes, each with what to do about it on the platforms this bridge serves. */
const OAUTH_ERRORS: Record<string, { code: ErrorCode; advice: string }> = {
  invalid_client: { code: ErrorCode.TOKEN_INVALID_CLIENT, advice: INVALID_CLIENT_ADVICE },
  invalid_grant: {
    code: ErrorCode.TOKEN_INVALID_GRANT,
    advice:
      'the grant was refused: for the CXone access-key flow, the accessKeyId/accessKeySecret pair is wrong, expired, or its user is inactive; create a new access key',
  },
  unauthorized_client: {
    code: ErrorCode.TOKEN_UNAUTHORIZED_CLIENT,
    advice:
      'this client may not use this grant type: in Genesys Cloud create the OAuth client with the "Client Credentials" grant; in CXone register a back-end application',
  },
  invalid_scope: {
    code: ErrorCode.TOKEN_INVALID_SCOPE,
    advice: 'the client may not request the scope in OAUTH_SCOPE: remove OAUTH_SCOPE or allow that scope for the client',
  },
  unsupported_grant_type: {
    code: ErrorCode.TOKEN_UNSUPPORTED_GRANT_TYPE,
    advice:
      'the server does not offer this grant: CXone back-end apps need accessKeyId and accessKeySecret in the secret (password grant); check AUTH_PLATFORM',
  },
};

/** RFC 6749 §5.2 and the OAuth Extensions Error Registry entries a token endpoint may answer. */
const REGISTERED_OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_target',
  'server_error',
  'temporarily_unavailable',
  'access_denied',
  'invalid_dpop_proof',
  'use_dpop_nonce',
]);

/** What an unregistered error code looks like (snake_case words); anything else is not repeated. */
const OAUTH_ERROR_SHAPE = /^[a-z]+(?:_[a-z]+)+$/;

/** Genesys Cloud answers a throttled token request with 400 invalid_request "rate limit exceeded", not 429. */
function isRateLimit(error: z.infer<typeof OAuthErrorBody>): boolean {
  return /rate limit/i.test([error.error_description, error.description, error.errorDescription].join(' '));
}

function oauthError(response: HttpResponse, error: z.infer<typeof OAuthErrorBody>): TokenError {
  const meta = { status: response.status, upstreamCorrelationId: correlationIdOf(response) };
  if (isRateLimit(error)) {
    return new TokenError(ErrorCode.TOKEN_UNAVAILABLE, `the token endpoint is rate limiting requests (HTTP ${response.status}); try again`, meta);
  }
  const known = OAUTH_ERRORS[error.error];
  if (known) return new TokenError(known.code, `${error.error}: ${known.advice} (HTTP ${response.status})`, meta);
  // The server's own text is named only when it is a registered code: a server that echoes the request there would leak it.
  const named = REGISTERED_OAUTH_ERRORS.has(error.error) || OAUTH_ERROR_SHAPE.test(error.error) ? error.error : 'an unrecognised OAuth error';
  return new TokenError(ErrorCode.TOKEN_REJECTED, `the token endpoint rejected the request with ${named} (HTTP ${response.status})`, meta);
}

/** invalid_client with status 400 or 401 (docs/design.md §6): what makes the bridge fetch the secret again. */
export function isInvalidClient(error: unknown): boolean {
  return error instanceof TokenError && error.code === ErrorCode.TOKEN_INVALID_CLIENT && (error.status === 400 || error.status === 401);
}

export function parseTokenResponse(response: HttpResponse): IssuedToken {
  const meta = { status: response.status, upstreamCorrelationId: correlationIdOf(response) };
  const json = parseJson(response);
  const asError = OAuthErrorBody.safeParse(json);
  // RFC 6749 §5.2 errors come with 400 or 401; some servers send a 200 or a 403 with an error field.
  if (asError.success && (response.status === 200 || (response.status >= 400 && response.status < 500 && response.status !== 429))) {
    throw oauthError(response, asError.data);
  }
  if (response.status === 429 || response.status >= 500) {
    throw new TokenError(ErrorCode.TOKEN_UNAVAILABLE, `the token endpoint is unavailable (HTTP ${response.status}); try again`, meta);
  }
  if (response.status === 401) {
    // RFC 6749 §5.2: a 401 is how a server says client authentication failed, body or not.
    throw oauthError(response, { error: 'invalid_client' });
  }
  if (response.status !== 200) {
    throw new TokenError(ErrorCode.TOKEN_REJECTED, `the token endpoint answered HTTP ${response.status} with ${describeBody(response)}; check TOKEN_URL`, meta);
  }
  if (json === undefined) {
    throw new TokenError(
      ErrorCode.TOKEN_INVALID_RESPONSE,
      `the token endpoint answered HTTP 200 with ${describeBody(response)} instead of a JSON token; check that TOKEN_URL is the token endpoint`,
      meta,
    );
  }
  const parsed = TokenSuccess.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.message).join('; ');
    throw new TokenError(ErrorCode.TOKEN_INVALID_RESPONSE, `the token response is not usable: ${fields}`, meta);
  }
  const { access_token, expires_in } = parsed.data;
  const tenantId = tenantIdOfIdToken((json as { id_token?: unknown }).id_token);
  return {
    accessToken: new SecretText(access_token),
    expiresInSeconds: expires_in ?? TOKEN_ASSUMED_LIFETIME_SECONDS,
    lifetimeAssumed: expires_in === undefined,
    ...(tenantId && { tenantId }),
  };
}

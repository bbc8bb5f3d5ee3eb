import type { Credentials } from './credentials';
import { ErrorCode, SecretError } from '../base/errors';
import { basicAuthorization, formUrlEncodeBody } from './formEncoding';
import type { SecretText } from '../base/secretText';

/**
 * Builds the token request (RFC 6749 §4.4 client_credentials, or §4.3 password for CXone
 * access keys). Pure: no network, so it is tested byte for byte.
 */

/**
 * RFC 6749 §2.3.1: the client's id and secret in a Basic header, or in the form body;
 * RFC 8705 §2.1 (`tls_client_auth`): the client certificate presented in the TLS handshake.
 */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'tls_client_auth'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** `password` is CXone's access-key flow: access key id and secret as username and password. */
export type TokenGrant = 'client_credentials' | 'password';

export interface TokenRequestSettings {
  tokenUrl: string;
  grant: TokenGrant;
  authMethod: ClientAuthMethod;
  scope?: string;
  /** Extra form parameters some servers require, for example `audience`. */
  extraParams?: Readonly<Record<string, string>>;
}

export interface BuiltTokenRequest {
  url: URL;
  headers: Record<string, string>;
  /** Form body; may hold the client secret or access key secret, so it is never logged. */
  body: string;
}

function grantParams(grant: TokenGrant, credentials: Credentials): Record<string, string> {
  if (grant === 'client_credentials') return { grant_type: 'client_credentials' };
  const { accessKeyId, accessKeySecret } = credentials;
  if (!accessKeyId || !accessKeySecret) {
    throw new SecretError(
      ErrorCode.SECRET_INVALID,
      'the secret needs accessKeyId and accessKeySecret for the access-key (password) grant',
    );
  }
  return { grant_type: 'password', username: accessKeyId.reveal(), password: accessKeySecret.reveal() };
}

/** The parser requires clientSecret for every method but tls_client_auth (lib/auth/credentials.ts); this names it if not. */
export function clientSecretOf(credentials: Credentials): SecretText {
  if (credentials.clientSecret) return credentials.clientSecret;
  throw new SecretError(ErrorCode.SECRET_INVALID, 'the secret is missing the key clientSecret (or client_secret), which client_secret_basic and client_secret_post send');
}

export function buildTokenRequest(settings: TokenRequestSettings, credentials: Credentials): BuiltTokenRequest {
  const params: Record<string, string> = { ...grantParams(settings.grant, credentials) };
  if (settings.scope) params.scope = settings.scope;
  Object.assign(params, settings.extraParams);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (settings.authMethod === 'tls_client_auth') {
    // RFC 8705 §2: with mutual-TLS client authentication "the client MUST include the client_id parameter"; no secret is sent.
    params.client_id = credentials.clientId.reveal();
  } else if (settings.authMethod === 'client_secret_basic') {
    headers.authorization = basicAuthorization(credentials.clientId.reveal(), clientSecretOf(credentials).reveal());
  } else {
    params.client_id = credentials.clientId.reveal();
    params.client_secret = clientSecretOf(credentials).reveal();
  }
  return { url: new URL(settings.tokenUrl), headers, body: formUrlEncodeBody(params) };
}

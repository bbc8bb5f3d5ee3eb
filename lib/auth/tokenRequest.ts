import type { Credentials } from './credentials';
import { ErrorCode, SecretError } from '../base/errors';
import { formUrlEncodeBody } from './formEncoding';
import { clientAuthFor, type ApplyClientAuth, type ClientAuthMethod } from './clientAuth';

/**
 * Builds the token request (RFC 6749 §4.4 client_credentials, or §4.3 password for CXone
 * access keys). Pure: no network, so it is tested byte for byte.
 */

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

/** `applyClientAuth` defaults to the configured method's; the doctor passes a variant (lib/auth/clientAuth.ts). */
export function buildTokenRequest(
  settings: TokenRequestSettings,
  credentials: Credentials,
  applyClientAuth: ApplyClientAuth = clientAuthFor(settings.authMethod).apply,
): BuiltTokenRequest {
  const params: Record<string, string> = { ...grantParams(settings.grant, credentials) };
  if (settings.scope) params.scope = settings.scope;
  Object.assign(params, settings.extraParams);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  // After the grant's parameters, so the client's come last in the body as they always did.
  applyClientAuth(credentials, params, headers);
  return { url: new URL(settings.tokenUrl), headers, body: formUrlEncodeBody(params) };
}

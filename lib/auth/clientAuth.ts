import type { Credentials } from './credentials';
import { ErrorCode, SecretError } from '../base/errors';
import { basicAuthorization } from './formEncoding';
import type { SecretText } from '../base/secretText';

/**
 * Client authentication at the token endpoint as one value per method, after oauth4webapi
 * (`src/index.ts`): `ClientSecretBasic(secret)`, `ClientSecretPost(secret)` and
 * `TlsClientAuth()` each return a `ClientAuth` that applies itself to the request's body and
 * headers, so the request code never asks which method it has. Ours differ in two ways: the
 * value is per method, not per secret, because the credentials rotate and the doctor applies
 * one method to the cleaned and the raw secret; and it also carries what the rest of the
 * bridge asks about a method: its part of the doctor's curl, whether it sends an
 * Authorization header or presents the client certificate, and the doctor's alternatives.
 * The configured name becomes a strategy in one place: `clientAuthFor`.
 */

/**
 * RFC 6749 §2.3.1: the client's id and secret in a Basic header, or in the form body;
 * RFC 8705 §2.1 (`tls_client_auth`): the client certificate presented in the TLS handshake.
 */
export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'tls_client_auth'] as const;
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** Adds the client's authentication to a token request's form parameters and headers (oauth4webapi's `ClientAuth` function). */
export type ApplyClientAuth = (credentials: Credentials, params: Record<string, string>, headers: Record<string, string>) => void;

/** A method's part of the doctor's redacted curl: shell variables the user sets, never a value. */
export interface CurlPart {
  /** The variables the user sets from the secret. */
  variables: readonly string[];
  /** Lines before the command (shell helpers). */
  preamble: readonly string[];
  /** Options of the curl command. */
  lines: readonly string[];
}

export interface ClientAuth {
  readonly method: ClientAuthMethod;
  readonly apply: ApplyClientAuth;
  readonly curl: CurlPart;
  /** Whether the request carries an Authorization header, which an egress proxy may remove. */
  readonly sendsAuthorization: boolean;
  /** Whether the TLS connection presents the secret's client certificate; the secret then needs one and no clientSecret. */
  readonly usesClientCertificate: boolean;
  /** The doctor's alternative that moves the secret to the other place (header or body). */
  readonly otherMethod?: ClientAuthMethod;
  /** The doctor's alternative for the header as many hand-written clients build it: id and secret not form-encoded. */
  readonly applyUnencoded?: ApplyClientAuth;
}

/** The method to suggest when the Authorization header is what fails: a proxy removes it, or a server misreads it. */
export const SECRET_IN_BODY: ClientAuthMethod = 'client_secret_post';

/** The parser requires clientSecret unless the certificate authenticates the client (lib/auth/credentials.ts); this names it if not. */
function clientSecretOf(credentials: Credentials): SecretText {
  if (credentials.clientSecret) return credentials.clientSecret;
  throw new SecretError(ErrorCode.SECRET_INVALID, 'the secret is missing the key clientSecret (or client_secret), which client_secret_basic and client_secret_post send');
}

const ID_AND_SECRET = ['CLIENT_ID', 'CLIENT_SECRET'];

/** RFC 6749 §2.3.1: id and secret form-urlencoded, joined by a colon, in a Basic Authorization header. */
export function clientSecretBasic(): ClientAuth {
  return {
    method: 'client_secret_basic',
    apply: (credentials, _params, headers) => {
      headers.authorization = basicAuthorization(credentials.clientId.reveal(), clientSecretOf(credentials).reveal());
    },
    curl: {
      variables: ID_AND_SECRET,
      // curl has no form-encoding of a header value: this helper does what lib/auth/formEncoding.ts does.
      preamble: [`urlencode() { node -e 'process.stdout.write(encodeURIComponent(process.argv[1]).replace(/[!*()\\x27]/g, c => "%" + c.charCodeAt(0).toString(16).toUpperCase()))' "$1"; }`],
      lines: [`  -H "Authorization: Basic $(printf '%s:%s' "$(urlencode "$CLIENT_ID")" "$(urlencode "$CLIENT_SECRET")" | base64 | tr -d '\\n')"`],
    },
    sendsAuthorization: true,
    usesClientCertificate: false,
    otherMethod: SECRET_IN_BODY,
    applyUnencoded: (credentials, _params, headers) => {
      const raw = `${credentials.clientId.reveal()}:${clientSecretOf(credentials).reveal()}`;
      headers.authorization = `Basic ${Buffer.from(raw, 'utf8').toString('base64')}`;
    },
  };
}

/** RFC 6749 §2.3.1: client_id and client_secret as form parameters of the body. */
export function clientSecretPost(): ClientAuth {
  return {
    method: 'client_secret_post',
    apply: (credentials, params) => {
      params.client_id = credentials.clientId.reveal();
      params.client_secret = clientSecretOf(credentials).reveal();
    },
    curl: { variables: ID_AND_SECRET, preamble: [], lines: [`  --data-urlencode "client_id=$CLIENT_ID"`, `  --data-urlencode "client_secret=$CLIENT_SECRET"`] },
    sendsAuthorization: false,
    usesClientCertificate: false,
    otherMethod: 'client_secret_basic',
  };
}

/**
 * RFC 8705 §2: the certificate of the TLS connection authenticates the client, and "the
 * client MUST include the client_id parameter"; no secret is sent. Like oauth4webapi's
 * `TlsClientAuth()`, the certificate itself is the agent's business (lib/auth/clientTls.ts).
 */
export function tlsClientAuth(): ClientAuth {
  return {
    method: 'tls_client_auth',
    apply: (credentials, params) => {
      params.client_id = credentials.clientId.reveal();
    },
    curl: { variables: ['CLIENT_ID'], preamble: [], lines: [`  --cert client.pem --key client-key.pem --cacert ca-bundle.pem`, `  --data-urlencode "client_id=$CLIENT_ID"`] },
    sendsAuthorization: false,
    usesClientCertificate: true,
  };
}

const STRATEGIES: Readonly<Record<ClientAuthMethod, () => ClientAuth>> = {
  client_secret_basic: clientSecretBasic,
  client_secret_post: clientSecretPost,
  tls_client_auth: tlsClientAuth,
};

/** The strategy for a configured method name (CLIENT_AUTH_METHOD, --auth-method). */
export function clientAuthFor(method: ClientAuthMethod): ClientAuth {
  return STRATEGIES[method]();
}

import { ErrorCode, SecretError } from '../base/errors';
import { cleanCredentialValue, findForbiddenCharacter } from './hygiene';
import type { Log } from '../base/logger';
import type { FetchedSecret } from './secretCache';
import { SecretText } from '../base/secretText';
import { CLIENT_TLS_KEYS, parseClientTls, type ClientTls } from './clientTls';
import { clientAuthFor, type ClientAuthMethod } from './clientAuth';

/**
 * Turns the secret's JSON text into cleaned credentials (docs/design.md §5). Accepted keys:
 * clientId/clientSecret (or client_id/client_secret), accessKeyId/accessKeySecret for CXone
 * access-key auth, clientCertificate/clientKey/caBundle for mutual TLS (lib/auth/clientTls.ts);
 * any other keys are passed on as extra configuration, never logged.
 */

export interface Credentials {
  clientId: SecretText;
  /** Absent only when the client certificate authenticates the client (lib/auth/clientAuth.ts). */
  clientSecret?: SecretText;
  accessKeyId?: SecretText;
  accessKeySecret?: SecretText;
  /** The client certificate, its key and a CA bundle, when the secret has them. */
  tls?: ClientTls;
  /** Other keys of the secret, for actions that need them (for example a tenant id). */
  extra: Readonly<Record<string, unknown>>;
  /** The fetch these credentials came from: lets a rejected client trigger one shared refetch. */
  generation: number;
}

const KEY_ALIASES = {
  clientId: ['clientId', 'client_id'],
  clientSecret: ['clientSecret', 'client_secret'],
  accessKeyId: ['accessKeyId'],
  accessKeySecret: ['accessKeySecret'],
} as const;
type CredentialField = keyof typeof KEY_ALIASES;
const CREDENTIAL_KEYS = new Set<string>([...Object.values(KEY_ALIASES).flat(), ...CLIENT_TLS_KEYS]);

export interface HygieneChange {
  key: string;
  removed: string[];
}

interface ParsedSecret {
  credentials: Credentials;
  changes: HygieneChange[];
}

function parseJsonObject(secret: FetchedSecret, secretId: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret.secretString);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretError(
      ErrorCode.SECRET_INVALID,
      `secret ${secretId} must hold a JSON object such as {"clientId": "…", "clientSecret": "…"} in its SecretString`,
    );
  }
  return parsed as Record<string, unknown>;
}

function cleanField(
  object: Record<string, unknown>,
  field: CredentialField,
  secretId: string,
  changes: HygieneChange[],
  clean: boolean,
): SecretText | undefined {
  const key = KEY_ALIASES[field].find((alias) => object[alias] !== undefined);
  if (key === undefined) return undefined;
  const raw = object[key];
  if (typeof raw !== 'string') {
    throw new SecretError(ErrorCode.SECRET_INVALID, `secret ${secretId}: key ${key} must be a string`);
  }
  if (!clean) return new SecretText(raw);
  const { value, removed } = cleanCredentialValue(raw);
  if (removed.length > 0) changes.push({ key, removed });
  if (value === '') throw new SecretError(ErrorCode.SECRET_INVALID, `secret ${secretId}: key ${key} is empty`);
  const forbidden = findForbiddenCharacter(value);
  if (forbidden) {
    throw new SecretError(
      ErrorCode.SECRET_INVALID,
      `secret ${secretId}: key ${key} contains ${forbidden} inside the value; re-enter it in Secrets Manager without it`,
    );
  }
  return new SecretText(value);
}

function required(value: SecretText | undefined, field: CredentialField, secretId: string): SecretText {
  if (value) return value;
  const [preferred, alternative] = KEY_ALIASES[field];
  const also = alternative ? ` (or ${alternative})` : '';
  throw new SecretError(ErrorCode.SECRET_INVALID, `secret ${secretId} is missing the key ${preferred}${also}`);
}

export interface ParseOptions {
  /**
   * `false` keeps the values exactly as stored: only `doctor` uses it, to show whether the
   * stored secret would have failed without cleaning (PEMs are cleaned either way).
   */
  clean?: boolean;
  /** A method that presents the client certificate needs one and no clientSecret (RFC 8705 §2). */
  authMethod?: ClientAuthMethod;
}

export function parseCredentials(secret: FetchedSecret, secretId: string, { clean = true, authMethod }: ParseOptions = {}): ParsedSecret {
  const object = parseJsonObject(secret, secretId);
  const changes: HygieneChange[] = [];
  const field = (name: CredentialField) => cleanField(object, name, secretId, changes, clean);
  const clientId = field('clientId');
  const clientSecret = field('clientSecret');
  const accessKeyId = field('accessKeyId');
  const accessKeySecret = field('accessKeySecret');
  const tls = parseClientTls(object, secretId, changes);
  const certificateAuth = authMethod !== undefined && clientAuthFor(authMethod).usesClientCertificate;
  if (certificateAuth && !tls?.certificate) {
    throw new SecretError(ErrorCode.SECRET_INVALID, `secret ${secretId} needs clientCertificate and clientKey for CLIENT_AUTH_METHOD=${authMethod}`);
  }
  const extra = Object.fromEntries(Object.entries(object).filter(([key]) => !CREDENTIAL_KEYS.has(key)));
  // The other keys may hold secrets too: printed, they show their names only.
  Object.defineProperty(extra, 'toJSON', { value: () => ({ keys: Object.keys(extra) }), enumerable: false });
  return {
    credentials: {
      clientId: required(clientId, 'clientId', secretId),
      ...((clientSecret || !certificateAuth) && { clientSecret: required(clientSecret, 'clientSecret', secretId) }),
      ...(accessKeyId && { accessKeyId }),
      ...(accessKeySecret && { accessKeySecret }),
      ...(tls && { tls }),
      extra,
      generation: secret.generation,
    },
    changes,
  };
}

/**
 * Parses each fetched secret once and writes the hygiene warning once per secret version,
 * so a dirty secret is reported at cold start and again only if rotated to another dirty value.
 */
export class CredentialParser {
  readonly #parsed = new WeakMap<FetchedSecret, ParsedSecret | SecretError>();
  readonly #warnedVersions = new Set<string>();

  constructor(
    private readonly secretId: string,
    private readonly authMethod?: ClientAuthMethod,
  ) {}

  /** `log`: the invocation reading the secret, where the hygiene warning goes. */
  credentialsOf(secret: FetchedSecret, log: Log): Credentials {
    let parsed = this.#parsed.get(secret);
    if (!parsed) {
      parsed = this.#parse(secret, log);
      this.#parsed.set(secret, parsed);
    }
    if (parsed instanceof SecretError) throw parsed;
    return parsed.credentials;
  }

  #parse(secret: FetchedSecret, log: Log): ParsedSecret | SecretError {
    try {
      const parsed = parseCredentials(secret, this.secretId, { authMethod: this.authMethod });
      this.#warnOnce(secret, parsed.changes, log);
      return parsed;
    } catch (error) {
      if (error instanceof SecretError) return error;
      throw error;
    }
  }

  #warnOnce(secret: FetchedSecret, changes: HygieneChange[], log: Log): void {
    if (changes.length === 0 || this.#warnedVersions.has(secret.versionId)) return;
    this.#warnedVersions.add(secret.versionId);
    log.warn(
      { event: 'secret_hygiene', secretId: this.secretId, versionId: secret.versionId, changes },
      `secret ${this.secretId} needed cleaning (${changes.map((change) => `${change.key}: ${change.removed.join(', ')}`).join('; ')}); ` +
        'it works, but fix the stored value so other clients of this secret do not fail with invalid_client',
    );
  }
}

import { parseCredentials, type Credentials } from '../auth/credentials';
import type { ClientAuthMethod } from '../auth/clientAuth';
import type { ClientTls } from '../auth/clientTls';
import { CLIENT_CERT_WARN_DAYS } from '../base/constants';
import { BridgeError, ErrorCode } from '../base/errors';
import type { FetchedSecret } from '../auth/secretCache';
import { Cause, report, type Step } from './findings';

/** The secret as doctor read it: its text, or why it could not be read. */
export type LoadedSecret = { source: string; secretString: string } | { source: string; error: BridgeError };

export interface CheckedSecret {
  credentials: Credentials;
  /** The values exactly as stored, for showing whether cleaning mattered. */
  rawCredentials: Credentials;
  changedKeys: string[];
}

const CREDENTIAL_FIELDS = ['clientId', 'clientSecret', 'accessKeyId', 'accessKeySecret'] as const;

/** Step 1: what hygiene changed in which key (fingerprints only), and whether what remains is usable. */
function causeOf(error: unknown): Cause {
  return error instanceof BridgeError && error.code === ErrorCode.CLIENT_CERT_INVALID ? Cause.CLIENT_CERT_INVALID : Cause.SECRET_INVALID;
}

/** The client certificate's public facts and days left (never the key); false when it cannot be used. */
function checkClientCertificate(tls: ClientTls, target: Step): boolean {
  const now = Date.now();
  const facts = tls.facts(now);
  if (!facts) {
    target.details.push('caBundle: the servers are checked against it, no client certificate');
    return true;
  }
  target.details.push(`client certificate: subject ${facts.subject}; issuer ${facts.issuer}; SHA-256 ${facts.fingerprint256}; expires ${facts.validTo} (${facts.daysLeft} days left)`);
  try {
    tls.assertCurrent(now);
  } catch (error) {
    report(target, 'fail', Cause.CLIENT_CERT_INVALID, (error as Error).message);
    return false;
  }
  if (facts.daysLeft < CLIENT_CERT_WARN_DAYS) {
    report(target, 'warn', Cause.CLIENT_CERT_EXPIRING, `the client certificate expires in ${facts.daysLeft} days: renew it and store the new clientCertificate and clientKey`);
  }
  return true;
}

/** `authMethod`: one that presents the client certificate needs one and no clientSecret (lib/auth/clientAuth.ts). */
export function checkSecret(loaded: LoadedSecret, target: Step, authMethod?: ClientAuthMethod): CheckedSecret | undefined {
  target.details.push(`source: ${loaded.source}`);
  if ('error' in loaded) {
    report(target, 'fail', Cause.SECRET_NOT_LOADED, loaded.error.message);
    return undefined;
  }
  const fetched: FetchedSecret = { secretString: loaded.secretString, versionId: 'doctor', fetchedAtMs: Date.now(), generation: 1 };
  let raw: Credentials;
  try {
    raw = parseCredentials(fetched, loaded.source, { clean: false, authMethod }).credentials;
  } catch (error) {
    report(target, 'fail', causeOf(error), (error as Error).message);
    return undefined;
  }
  let parsed: ReturnType<typeof parseCredentials>;
  try {
    parsed = parseCredentials(fetched, loaded.source, { authMethod });
  } catch (error) {
    report(target, 'fail', causeOf(error), (error as Error).message);
    return undefined;
  }
  for (const field of CREDENTIAL_FIELDS) {
    const stored = raw[field];
    const cleaned = parsed.credentials[field];
    if (!stored || !cleaned) continue;
    const same = stored.equals(cleaned);
    target.details.push(`${field}: ${same ? stored.fingerprint() : `stored ${stored.fingerprint()}, cleaned ${cleaned.fingerprint()}`}`);
  }
  for (const change of parsed.changes) {
    report(target, 'warn', Cause.SECRET_WHITESPACE, `${change.key} had ${change.removed.join(', ')}: cleaned for this run; fix the stored value`);
  }
  const { accessKeyId, accessKeySecret } = parsed.credentials;
  if (Boolean(accessKeyId) !== Boolean(accessKeySecret)) {
    report(target, 'fail', Cause.SECRET_INVALID, `the secret has ${accessKeyId ? 'accessKeyId without accessKeySecret' : 'accessKeySecret without accessKeyId'}: an access key needs both`);
    return undefined;
  }
  if (parsed.credentials.tls && !checkClientCertificate(parsed.credentials.tls, target)) return undefined;
  const extraKeys = Object.keys(parsed.credentials.extra);
  if (extraKeys.length > 0) target.details.push(`other keys: ${extraKeys.join(', ')}`);
  return { credentials: parsed.credentials, rawCredentials: raw, changedKeys: parsed.changes.map((change) => change.key) };
}

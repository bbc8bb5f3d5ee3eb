import { parseCredentials, type Credentials } from '../auth/credentials';
import { BridgeError } from '../errors';
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
export function checkSecret(loaded: LoadedSecret, target: Step): CheckedSecret | undefined {
  target.details.push(`source: ${loaded.source}`);
  if ('error' in loaded) {
    report(target, 'fail', Cause.SECRET_NOT_LOADED, loaded.error.message);
    return undefined;
  }
  const fetched: FetchedSecret = { secretString: loaded.secretString, versionId: 'doctor', fetchedAtMs: Date.now(), generation: 1 };
  let raw: Credentials;
  try {
    raw = parseCredentials(fetched, loaded.source, { clean: false }).credentials;
  } catch (error) {
    report(target, 'fail', Cause.SECRET_INVALID, (error as Error).message);
    return undefined;
  }
  let parsed: ReturnType<typeof parseCredentials>;
  try {
    parsed = parseCredentials(fetched, loaded.source);
  } catch (error) {
    report(target, 'fail', Cause.SECRET_INVALID, (error as Error).message);
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
  const extraKeys = Object.keys(parsed.credentials.extra);
  if (extraKeys.length > 0) target.details.push(`other keys: ${extraKeys.join(', ')}`);
  return { credentials: parsed.credentials, rawCredentials: raw, changedKeys: parsed.changes.map((change) => change.key) };
}

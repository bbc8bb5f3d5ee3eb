import { createHash } from 'node:crypto';
import type { LookupFunction } from 'node:net';
import type { HttpAgent } from '../../lib/http/httpClient';
import { renderReport } from '../../tools/doctor/cli';
import { runDoctor, type DoctorOptions, type DoctorReport } from '../../lib/doctor/doctor';
import type { Cause, Step } from '../../lib/doctor/findings';
import { createHttpAgent } from '../../lib/http/httpClient';

/**
 * Helpers for the doctor tests: an HTTP agent whose DNS never leaves the process and the
 * canary that proves nothing secret reaches the report. The servers that reproduce each
 * failure are faulty servers (./faultyServer).
 */

/** Step names as doctor prints them. */
export const STEP = {
  secret: 'secret',
  endpoint: 'token endpoint',
  token: 'token request as configured',
  alternatives: 'alternatives that differ in one thing',
  raw: 'the secret as stored, without cleaning',
  clock: 'clock',
  tenant: 'CXone tenant',
  upstream: 'upstream API with the token',
} as const;

/**
 * An agent whose name resolution records every host name and answers ENOTFOUND, so a
 * request to anything but an IP literal (all stand-ins are on 127.0.0.1) never reaches a
 * network: an empty `lookups` proves doctor sent nothing to a named host.
 */
export interface OfflineAgent {
  agent: HttpAgent;
  lookups: string[];
}

export function offlineAgent(): OfflineAgent {
  const lookups: string[] = [];
  const lookup = ((hostname: string, _options: unknown, callback: (error: NodeJS.ErrnoException) => void) => {
    lookups.push(hostname);
    const error: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
      code: 'ENOTFOUND',
      syscall: 'getaddrinfo',
    });
    process.nextTick(() => callback(error));
  }) as unknown as LookupFunction;
  return { agent: createHttpAgent({ lookup }), lookups };
}

export const stepNamed = (report: DoctorReport, name: string): Step | undefined => report.steps.find((s) => s.name === name);

export function causesOf(report: DoctorReport, name?: string): Cause[] {
  return report.steps.filter((s) => name === undefined || s.name === name).flatMap((s) => s.findings.map((f) => f.cause));
}

export function statuses(report: DoctorReport): Record<string, string> {
  return Object.fromEntries(report.steps.map((s) => [s.name, s.status]));
}

export function sha256Fingerprint(value: string): string {
  return `len=${value.length} sha256=${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 8)}`;
}

/** RFC 6749 Appendix B form-urlencoding, written out independently of lib/. */
const formEncode = (value: string) =>
  Array.from(Buffer.from(value, 'utf8'))
    .map((byte) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');

const SECRET_KEYS = ['clientSecret', 'client_secret', 'accessKeySecret'];
const ID_KEYS = ['clientId', 'client_id'];

/**
 * What must never be printed for this secret text: every secret value as stored and
 * trimmed, and the Basic credentials built from it (raw and form-encoded), plus any token
 * the stand-ins issue (they all start with `sandbox-at-`).
 */
export function canariesOf(secretString: string | undefined): string[] {
  const canaries = ['sandbox-at-'];
  if (secretString === undefined) return canaries;
  let object: Record<string, unknown>;
  try {
    object = JSON.parse(secretString) as Record<string, unknown>;
  } catch {
    return [...canaries, secretString.trim()];
  }
  if (typeof object !== 'object' || object === null) return [...canaries, secretString.trim()];
  if (Array.isArray(object)) return [...canaries, ...object.filter((value): value is string => typeof value === 'string')];
  const strings = (keys: string[]) => keys.map((key) => object[key]).filter((value): value is string => typeof value === 'string');
  const secrets = strings(SECRET_KEYS).flatMap((value) => [value, value.trim().replace(/^[\u200B\u2060\uFEFF]+|[\u200B\u2060\uFEFF]+$/g, '')]);
  const ids = strings(ID_KEYS);
  for (const id of ids) {
    for (const secret of secrets) {
      canaries.push(Buffer.from(`${id}:${secret}`).toString('base64'), Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64'));
    }
  }
  return [...canaries, ...secrets.filter((value) => value.length >= 6)];
}

/** Fails the test when any canary appears in the text, naming only the canary's index. */
export function expectNoCanary(text: string, canaries: string[]): void {
  const leaked = canaries.map((canary, index) => (text.includes(canary) ? index : -1)).filter((index) => index >= 0);
  expect({ leakedCanaryIndexes: leaked }).toStrictEqual({ leakedCanaryIndexes: [] });
}

const FIELD_ALIASES: Record<string, string[]> = {
  clientId: ['clientId', 'client_id'],
  clientSecret: ['clientSecret', 'client_secret'],
  accessKeyId: ['accessKeyId'],
  accessKeySecret: ['accessKeySecret'],
};

/** When the secret was usable, the secret step shows a fingerprint (never the value) for each credential key it holds. */
function expectFingerprintPerKey(report: DoctorReport, secretString: string | undefined): void {
  const secretStep = stepNamed(report, STEP.secret);
  if (!secretStep || secretStep.status === 'fail' || secretString === undefined) return;
  const object = JSON.parse(secretString) as Record<string, unknown>;
  for (const [field, aliases] of Object.entries(FIELD_ALIASES)) {
    if (!aliases.some((alias) => typeof object[alias] === 'string')) continue;
    expect(secretStep.details).toContainEqual(expect.stringMatching(new RegExp(`^${field}: (stored )?len=\\d+ sha256=[0-9a-f]{8}`)));
  }
}

export interface Diagnosis {
  report: DoctorReport;
  text: string;
}

/**
 * Runs doctor, renders its report, and checks the canary on everything it printed or
 * returned: the rendered text, the report object and the curl.
 */
export async function diagnose(options: DoctorOptions): Promise<Diagnosis> {
  const report = await runDoctor(options);
  const text = renderReport(report);
  const secretString = 'secretString' in options.secret ? options.secret.secretString : undefined;
  const canaries = canariesOf(secretString);
  expectNoCanary(text, canaries);
  expectNoCanary(JSON.stringify(report), canaries);
  expectFingerprintPerKey(report, secretString);
  if (report.curl) {
    expect(report.curl).toContain('$CLIENT_SECRET');
    expect(report.curl).toMatch(/grant_type=(client_credentials|password)/);
  }
  return { report, text };
}

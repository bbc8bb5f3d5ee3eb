import { CREDENTIAL_RUN_CHARS } from '../base/constants';
import type { SecretText } from '../base/secretText';

/**
 * The runs of CREDENTIAL_RUN_CHARS characters of a token and the client's secrets, compared
 * without regard to case. Correlation ids are only used when shaped like ids (docs/design.md §9), but
 * an opaque token is id-shaped too, and an upstream that echoes it into x-request-id may
 * lower-case it, cut it short or embed it: an id that shares a run with a credential is
 * never repeated (issue 16). Runs are kept as numbers (base 41 over the characters an id
 * may hold: letters in either case, digits and "._:-"; 41^8 < 2^53, so exact), so that
 * checking the correlation id of every upstream answer allocates nothing.
 */
export class CredentialRuns {
  readonly #runs = new Set<number>();

  constructor(credentials: ReadonlyArray<SecretText | undefined>) {
    for (const credential of credentials) if (credential) scan(credential.reveal(), this.#runs, true);
  }

  /** Whether `text` shares a run of CREDENTIAL_RUN_CHARS characters with one of the credentials. */
  sharedBy(text: string): boolean {
    return scan(text, this.#runs, false);
  }
}

const ALPHABET_SIZE = 41;
/** Keeps the last CREDENTIAL_RUN_CHARS − 1 digits of a run before the next one is appended. */
const RUN_DROP_OLDEST = ALPHABET_SIZE ** (CREDENTIAL_RUN_CHARS - 1);

/** A character's digit: 1–26 a letter (either case), 27–36 a digit, 37–40 "._:-", 0 anything else. */
function digitOf(code: number): number {
  if (code >= 97 && code <= 122) return code - 96;
  if (code >= 65 && code <= 90) return code - 64;
  if (code >= 48 && code <= 57) return code - 21;
  if (code === 46) return 37;
  if (code === 95) return 38;
  if (code === 58) return 39;
  return code === 45 ? 40 : 0;
}

/** Each run of `text` (no character outside the alphabet): added to `runs`, or looked up there. */
function scan(text: string, runs: Set<number>, add: boolean): boolean {
  let run = 0;
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = digitOf(text.charCodeAt(i));
    if (digit === 0) {
      length = 0;
      continue;
    }
    run = (run % RUN_DROP_OLDEST) * ALPHABET_SIZE + digit;
    if (++length < CREDENTIAL_RUN_CHARS) continue;
    if (add) runs.add(run);
    else if (runs.has(run)) return true;
  }
  return false;
}

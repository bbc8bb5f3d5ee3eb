import { createHash } from 'node:crypto';
import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential or token that cannot be printed by accident: string conversion, JSON and
 * util.inspect all show "[redacted]". The value is read only through `reveal()`, at the
 * one place that puts it on the wire.
 */
export class SecretText {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  equals(other: SecretText): boolean {
    return this.#value === other.#value;
  }

  /** Length and the first 8 hex digits of the SHA-256: enough to compare, useless to an attacker (docs/design.md §5). */
  fingerprint(): string {
    return fingerprint(this.#value);
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `SecretText(${REDACTED})`;
  }
}

export function fingerprint(value: string): string {
  const digest = createHash('sha256').update(value, 'utf8').digest('hex');
  return `len=${value.length} sha256=${digest.slice(0, 8)}`;
}

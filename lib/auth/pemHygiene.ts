/**
 * Hygiene for PEM values in the secret (client certificate, its key, a CA bundle). Unlike an
 * id or a secret, a PEM is made of lines (RFC 7468 §2: a BEGIN line, base64 lines, an END
 * line), so its line breaks are kept; what is cleaned is what a paste adds around them:
 * - whitespace around the whole value: removed silently, as RFC 7468 §2 lets text surround
 *   the boundaries and a PEM file ends with a line break;
 * - CRLF or CR line ends: made LF silently (RFC 7468 §2 accepts all three);
 * - `\n` typed as two characters (backslash, n), as when a PEM is pasted already JSON-escaped
 *   into a field that escapes it again: replaced with line breaks and reported. Repaired, not
 *   refused: base64 and the boundary lines never contain a backslash (RFC 7468 §3), so the
 *   pair can only be an escaped line break and the repair is exact; refusing would fail every
 *   invocation for a value whose meaning is not in doubt, while the warning (once per secret
 *   version, as for a trailing newline) still asks for the stored value to be fixed.
 * A value without a BEGIN line, or a BEGIN line without its END line (a truncated paste),
 * is a problem the caller turns into SECRET_INVALID naming the key.
 */

const EDGES = /^[\s\u200B\u200C\u200D\u2060\uFEFF]+|[\s\u200B\u200C\u200D\u2060\uFEFF]+$/gu;
const ESCAPED_LINE_BREAK = /\\r\\n|\\n|\\r/g;
const BOUNDARY = /^-----(BEGIN|END) ([^-\n]*)-----$/gm;

export interface CleanedPem {
  value: string;
  /** What was repaired, in words that never contain the value. */
  removed: string[];
  /** Why the value is not usable PEM, when it is not. */
  problem?: string;
}

/** Every BEGIN line followed by the END line of the same label, before the next BEGIN. */
function structureProblem(value: string): string | undefined {
  let open: string | undefined;
  let blocks = 0;
  for (const [, kind, label] of value.matchAll(BOUNDARY)) {
    if (kind === 'BEGIN') {
      if (open !== undefined) return `has no "-----END ${open}-----" line before its next BEGIN line: paste the whole file`;
      open = label;
    } else if (label === open) {
      open = undefined;
      blocks++;
    } else {
      return `has "-----END ${label}-----" where "-----END ${open ?? '…'}-----" belongs`;
    }
  }
  if (open !== undefined) return `has no "-----END ${open}-----" line after its BEGIN line: paste the whole file, its last line included`;
  if (blocks === 0) return 'is not PEM: it has no "-----BEGIN …-----" line (paste the file as text, line breaks included)';
  return undefined;
}

export function cleanPem(raw: string): CleanedPem {
  const removed: string[] = [];
  let value = raw.replace(EDGES, '');
  if (/\\[rn]/.test(value)) {
    removed.push('"\\n" typed as two characters (backslash, n) instead of line breaks, replaced with line breaks');
    value = value.replace(ESCAPED_LINE_BREAK, '\n').replace(EDGES, '');
  }
  value = value.replace(/\r\n?/g, '\n');
  const problem = structureProblem(value);
  return { value: `${value}\n`, removed, ...(problem && { problem }) };
}

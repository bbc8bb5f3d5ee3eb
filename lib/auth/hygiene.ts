/**
 * Credential hygiene (docs/design.md §5). Whitespace and invisible characters pasted into a secret
 * are the most common cause of `401 invalid_client` that works from curl on a laptop.
 * Each value is cleaned on its own — trimming a joined `id:secret` would leave the space
 * before the colon — in this order: trim, unwrap one pair of quotes, trim again.
 */

/** Removed at either end: what String.prototype.trim removes plus zero-width characters. */
const EDGE_JUNK = /[\s\u200B\u200C\u200D\u2060\u180E]/u;
/**
 * Never acceptable anywhere in a cleaned credential: whitespace, control (Cc) or format
 * (Cf) characters, and lone surrogates (Cs), which cannot be encoded as UTF-8 at all.
 */
const FORBIDDEN_INSIDE = /[\s\p{Cc}\p{Cf}\p{Cs}]/u;
const QUOTE_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ['\u201C', '\u201D'],
  ['\u2018', '\u2019'],
];

const CHARACTER_NAMES: Record<number, string> = {
  0x09: 'TAB',
  0x0a: 'LINE FEED',
  0x0d: 'CARRIAGE RETURN',
  0x20: 'SPACE',
  0xa0: 'NO-BREAK SPACE',
  0x180e: 'MONGOLIAN VOWEL SEPARATOR',
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x2060: 'WORD JOINER',
  0xfeff: 'BYTE ORDER MARK',
};

/** Names a character without showing it, e.g. "U+000A LINE FEED". */
export function describeCharacter(char: string): string {
  const codePoint = char.codePointAt(0) ?? 0;
  const hex = codePoint.toString(16).toUpperCase().padStart(4, '0');
  const name = CHARACTER_NAMES[codePoint];
  return name ? `U+${hex} ${name}` : `U+${hex}`;
}

export interface CleanedValue {
  value: string;
  /** What was removed, in words that never contain the value itself. */
  removed: string[];
}

function trimEdges(value: string, removed: string[]): string {
  let start = 0;
  let end = value.length;
  while (start < end && EDGE_JUNK.test(value[start]!)) removed.push(`leading ${describeCharacter(value[start++]!)}`);
  const trailing: string[] = [];
  while (end > start && EDGE_JUNK.test(value[end - 1]!)) trailing.unshift(`trailing ${describeCharacter(value[--end]!)}`);
  removed.push(...trailing);
  return value.slice(start, end);
}

function unwrapQuotes(value: string, removed: string[]): string {
  for (const [open, close] of QUOTE_PAIRS) {
    if (value.length >= 2 && value.startsWith(open) && value.endsWith(close)) {
      removed.push(`wrapping quotes ${open}…${close}`);
      return value.slice(open.length, value.length - close.length);
    }
  }
  return value;
}

export function cleanCredentialValue(raw: string): CleanedValue {
  const removed: string[] = [];
  const value = trimEdges(unwrapQuotes(trimEdges(raw, removed), removed), removed);
  return { value, removed };
}

/** The first character a cleaned credential must not contain, described, or undefined when it is clean. */
export function findForbiddenCharacter(value: string): string | undefined {
  const match = FORBIDDEN_INSIDE.exec(value);
  return match ? describeCharacter(match[0]) : undefined;
}

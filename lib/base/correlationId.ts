/**
 * Correlation ids come from callers and upstream responses, so they are untrusted text that
 * ends up in log lines, error messages and response headers. Only values shaped like ids are
 * used (docs/design.md §9); anything else — an upstream that echoes the Authorization header into
 * x-request-id, a caller's free text — is dropped, never echoed.
 */

const ID_SHAPED = /^[A-Za-z0-9._:-]{1,128}$/;

/** The value when it looks like an id, else undefined. */
export function idShaped(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return ID_SHAPED.test(trimmed) ? trimmed : undefined;
}

/** The first of `candidates` that looks like an id. */
export function firstIdShaped(...candidates: unknown[]): string | undefined {
  for (const candidate of candidates) {
    const id = idShaped(candidate);
    if (id) return id;
  }
  return undefined;
}

import { inspect } from 'node:util';
import { formUrlEncode } from '../../lib/auth/formEncoding';

/**
 * The leak scan of tests/unit/security.test.ts: every form a credential takes on the wire
 * (raw, form-encoded, JSON-escaped, inside Basic credentials), searched for in every text
 * the bridge produced (log lines, thrown errors with their whole cause chain, outputs, HTTP
 * answers). Findings name where and which canary, never the value.
 */

export type Needle = readonly [label: string, value: string];
export type Haystack = readonly [where: string, text: string];

/** A secret as it may appear: as is, form-encoded, URI-encoded and JSON-escaped. */
export function formsOf(label: string, secret: string): Needle[] {
  const forms: Needle[] = [
    [label, secret],
    [`form-encoded ${label}`, formUrlEncode(secret)],
    [`URI-encoded ${label}`, encodeURIComponent(secret)],
    [`JSON-escaped ${label}`, JSON.stringify(secret).slice(1, -1)],
  ];
  return forms.filter(([, value], index) => forms.findIndex(([, other]) => other === value) === index);
}

/** Basic credentials of a client, as RFC 6749 §2.3.1 builds them and as naive clients do. */
export function basicFormsOf(label: string, clientId: string, clientSecret: string): Needle[] {
  return [
    [`Basic credentials of ${label}`, Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`, 'utf8').toString('base64')],
    [`raw Basic credentials of ${label}`, Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64')],
  ];
}

/** Bearer tokens an API stand-in saw, from its Authorization headers. */
export function bearerTokensOf(authorizations: ReadonlyArray<string | undefined>): string[] {
  return authorizations.filter((value): value is string => value?.startsWith('Bearer ') === true).map((value) => value.slice('Bearer '.length));
}

function safely(render: () => string | undefined): string {
  try {
    return render() ?? '';
  } catch (error) {
    return `<not renderable: ${(error as Error).message}>`;
  }
}

/**
 * Every text an error could be shown as: message, stack, String(), JSON, util.inspect (with
 * hidden properties), each own property, for the error and each `cause` (and AggregateError
 * member) below it.
 */
export function errorTexts(error: unknown): string[] {
  const texts: string[] = [];
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const current = queue.shift();
    if (current === undefined || current === null || seen.has(current)) continue;
    seen.add(current);
    texts.push(
      safely(() => String(current)),
      safely(() => JSON.stringify(current)),
      safely(() => inspect(current, { depth: 20, showHidden: true })),
    );
    if (typeof current === 'object') {
      const { message, stack } = current as { message?: unknown; stack?: unknown };
      texts.push(String(message), String(stack));
      for (const key of Reflect.ownKeys(current)) {
        texts.push(safely(() => inspect((current as Record<PropertyKey, unknown>)[key], { depth: 20, showHidden: true })));
      }
      queue.push((current as { cause?: unknown }).cause);
      const members = (current as { errors?: unknown }).errors;
      if (Array.isArray(members)) queue.push(...members);
    }
  }
  return texts;
}

/** Where each needle (and each text matching `pattern`) was found: labels only. */
export function findLeaks(haystacks: readonly Haystack[], needles: readonly Needle[], pattern?: RegExp): string[] {
  const found = new Set<string>();
  for (const [where, text] of haystacks) {
    for (const [label, value] of needles) if (value.length > 0 && text.includes(value)) found.add(`${where} contains the ${label}`);
    if (pattern?.test(text)) found.add(`${where} matches ${pattern}`);
  }
  return [...found];
}

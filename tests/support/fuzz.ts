import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import * as z from 'zod';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { AnyAction } from '../../lib/runtime/action';
import { startGenesysApiStandIn } from '../../lib/actions/queueEstimatedWait/standIn';
import type { ApiStandIn } from '../../tools/standIns/apiStandIn';
import type { Sandbox, SandboxCounts } from '../../tools/sandbox/sandbox';
import { httpApiEvent } from './httpCalls';
import { openSandbox, sampleEvent, sampleEventFiles } from './sandboxProcess';

/**
 * Building blocks for the property tests of the fronts: the sandbox every action can reach
 * (with a Genesys API stand-in that knows every queue, so any valid input has an answer),
 * arbitraries for hostile input (JSON of any shape, invisible and malformed Unicode,
 * prototype-pollution keys, deep nesting, huge strings), and a bound on each run.
 */

export interface FuzzSandbox {
  sandbox: Sandbox;
  /** The sandbox env, with queueEstimatedWait pointed at a Genesys stand-in that answers for any queue id. */
  env: Record<string, string>;
  /** Requests that reached any stand-in (Secrets Manager, discovery, token endpoints, APIs). */
  counts(): SandboxCounts;
  close(): Promise<void>;
}

const ANY_QUEUE: Record<string, unknown> = new Proxy(
  {},
  { get: (_target, key) => (typeof key === 'string' ? { results: [{ intent: 'ALL', formula: 'BEST', estimatedWaitTimeSeconds: 42 }] } : undefined) },
);

/** The whole sandbox (tests/support/sandboxProcess.ts), plus a Genesys API stand-in that knows every queue. */
export async function openFuzzSandbox(): Promise<FuzzSandbox> {
  const { sandbox, close } = await openSandbox();
  const anyQueueApi: ApiStandIn = await startGenesysApiStandIn(sandbox.genesys.tokenEndpoint.isValid, ANY_QUEUE);
  return {
    sandbox,
    env: { ...sandbox.env, QUEUE_ESTIMATED_WAIT__UPSTREAM_BASE_URL: anyQueueApi.url },
    counts: () => {
      const counts = sandbox.counts();
      return { ...counts, upstream: counts.upstream + anyQueueApi.requests };
    },
    close: async () => {
      await anyQueueApi.close();
      await close();
    },
  };
}

/** The input fields an action declares (its flat input contract). */
export function inputFields(action: AnyAction): string[] {
  const schema = z.toJSONSchema(action.input, { io: 'input' }) as { properties?: Record<string, unknown> };
  return Object.keys(schema.properties ?? {});
}


/** Values that may be missing from the sample events (optional fields no event uses). */
const EXTRA_VALID_VALUES: Record<string, string[]> = {
  conversationId: ['0b4a5e7c-1d2e-4f3a-9b8c-7d6e5f4a3b2c'],
  mediaType: ['all', 'call', 'callback', 'chat', 'email', 'message', 'videoComm'],
};

/**
 * Valid values of each field, from the action's own sample events (lib/actions/<action>/events/)
 * that its input schema accepts: the mutations below start from something real.
 */
export function validValuesOf(action: AnyAction): Record<string, string[]> {
  const values: Record<string, string[]> = {};
  for (const file of sampleEventFiles(action.name)) {
    const event = sampleEvent(file) as Record<string, unknown>;
    if (!action.input.safeParse(event).success) continue;
    for (const [field, value] of Object.entries(event)) if (typeof value === 'string') (values[field] ??= []).push(value);
  }
  for (const field of inputFields(action)) {
    for (const extra of EXTRA_VALID_VALUES[field] ?? []) if (action.input.safeParse({ ...firstValid(values), [field]: extra }).success) (values[field] ??= []).push(extra);
  }
  return values;
}

function firstValid(values: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([field, list]) => [field, list[0]!]));
}

/** The smallest valid input: the first valid value of each field that has one. */
export function validInputOf(values: Record<string, string[]>): Record<string, string> {
  return firstValid(values);
}

/**
 * Characters that break naive input handling: lone surrogates, zero-width and bidi
 * controls, NUL and other controls, Unicode spaces, emoji (with ZWJ and flags), combining
 * marks, lookalike digits and plus signs.
 */
export const UNICODE_EDGES: readonly string[] = [
  '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uDE00\uD83D',
  '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u180E', '\u00AD',
  '\u200E', '\u200F', '\u202A', '\u202B', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u061C',
  '\u0000', '\u0001', '\u0007', '\u0008', '\u001B', '\u007F', '\u0085', '\u2028', '\u2029', '\t', '\n', '\r', '\v', '\f',
  '\u00A0', '\u1680', '\u2000', '\u2007', '\u202F', '\u205F', '\u3000',
  '😀', '👩‍👩‍👧‍👦', '🇺🇸', '🏳️‍🌈', '\uFE0F',
  '\u0301', '\u0336', 'e\u0301', '\u0489', 'Z\u0351\u0354\u0357\u035C',
  '\uFF0B', '\uFF11', '\u0661', '\u06F1', '\u0967', '\uD835\uDFCF', '\u2795', '\u207A', '\u208A',
  '\u0130', '\u212A', 'ß', '\uFFFD', '\uFFFF', '\uFFFE',
];

export const unicodeEdge = fc.constantFrom(...UNICODE_EDGES);

/** Strings made of the edge characters and a few ordinary ones. */
export const edgeString = fc
  .array(fc.oneof(unicodeEdge, fc.constantFrom('+', '1', '5', 'a', '-', ' ', '"', '\\', '{', '}')), { maxLength: 24 })
  .map((parts) => parts.join(''));

/** A valid value with edge characters inserted, prepended, appended or wrapped around it. */
export function mutated(valid: string): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(fc.tuple(fc.nat({ max: valid.length }), fc.oneof(unicodeEdge, edgeString)), { minLength: 1, maxLength: 3 }), fc.constantFrom('insert', 'wrap', 'prefix', 'suffix'))
    .map(([insertions, how]) => {
      const noise = insertions.map(([, text]) => text).join('');
      if (how === 'wrap') return `${noise}${valid}${noise}`;
      if (how === 'prefix') return `${noise}${valid}`;
      if (how === 'suffix') return `${valid}${noise}`;
      let text = valid;
      for (const [at, inserted] of [...insertions].sort(([a], [b]) => b - a)) text = text.slice(0, at) + inserted + text.slice(at);
      return text;
    });
}

/** Whether `value` survives a JSON round trip unchanged (what a Lambda event can carry). */
export function isJsonAble(value: unknown): boolean {
  const text = JSON.stringify(value);
  return text !== undefined && isDeepStrictEqual(JSON.parse(text), value);
}

/** fc.anything, kept to values a JSON event can carry. */
export const jsonAbleAnything = fc.anything({ maxDepth: 4, maxKeys: 6, stringUnit: 'binary', withNullPrototype: false }).filter(isJsonAble);

export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** Keys an attacker would try, besides the action's own fields. */
export const hostileKey = fc.oneof(
  fc.constantFrom(...PROTOTYPE_KEYS, 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', '', ' ', '\u0000', 'phoneNumber ', 'PHONENUMBER'),
  fc.string({ unit: 'binary', maxLength: 12 }),
);

/**
 * A JSON object text with these entries, parsed with JSON.parse: `__proto__` becomes an own
 * key, as it does in a real event (object literals would set the prototype instead).
 */
export function objectFromEntries(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const text = `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`;
  return JSON.parse(text) as Record<string, unknown>;
}

/** A nested value `levels` deep, built iteratively (a recursive builder would itself overflow). */
export function deeplyNested(levels: number, shape: 'array' | 'object' | 'mixed', leaf: unknown = '+15551234567'): unknown {
  let value: unknown = leaf;
  for (let level = 0; level < levels; level++) {
    const asArray = shape === 'array' || (shape === 'mixed' && level % 2 === 0);
    value = asArray ? [value] : { k: value };
  }
  return value;
}

/** The JSON text of `deeplyNested`, built without recursion (JSON.stringify recurses). */
export function deeplyNestedText(levels: number, shape: 'array' | 'object' | 'mixed', leafText = '"+15551234567"'): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let level = 0; level < levels; level++) {
    const asArray = shape === 'array' || (shape === 'mixed' && level % 2 === 0);
    open.push(asArray ? '[' : '{"k":');
    close.push(asArray ? ']' : '}');
  }
  return open.join('') + leafText + close.reverse().join('');
}

export type Settled = { kind: 'output'; output: unknown } | { kind: 'error'; error: unknown } | { kind: 'hang'; afterMs: number };

/** The outcome of `work`, or `hang` when it takes longer than `limitMs`. */
export async function settleWithin(work: () => Promise<unknown>, limitMs: number): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'hang', afterMs: limitMs }), limitMs);
  });
  const settled = work().then(
    (output): Settled => ({ kind: 'output', output }),
    (error: unknown): Settled => ({ kind: 'error', error }),
  );
  try {
    return await Promise.race([settled, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** Own property names of the built-in prototypes an input could pollute. */
export function prototypeSnapshot(): Record<string, string[]> {
  return {
    Object: Object.getOwnPropertyNames(Object.prototype).sort(),
    Array: Object.getOwnPropertyNames(Array.prototype).sort(),
    Function: Object.getOwnPropertyNames(Function.prototype).sort(),
    String: Object.getOwnPropertyNames(String.prototype).sort(),
  };
}

/** An API Gateway HTTP API (payload format 2.0) event as Lambda receives it, with exactly these headers. */
export function httpEvent(options: { path: string; headers: Record<string, string>; body?: string; isBase64Encoded?: boolean; requestId: string; method?: string }): APIGatewayProxyEventV2 {
  return { ...httpApiEvent(options), headers: options.headers };
}

/** A data action output: a JSON object whose values are primitives or arrays of primitives. */
export function isFlatObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const primitive = (item: unknown) => ['string', 'number', 'boolean'].includes(typeof item);
  return Object.values(value).every((item) => primitive(item) || (Array.isArray(item) && item.every(primitive)));
}

import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import type { AnyAction } from '../../lib/runtime/action';
import { ACTIONS } from '../../lib/actions';
import { HTTP_MAX_BODY_BYTES } from '../../lib/base/constants';
import { BridgeError } from '../../lib/base/errors';
import { createDirectHandler, type DirectHandler } from '../../lib/front/directInvoke';
import { createHttpHandler, type HttpHandler } from '../../lib/front/httpFront';
import { createLambdaContext } from '../../tools/sandbox/lambdaContext';
import { SANDBOX_HTTP_KEYS, type SandboxCounts } from '../../tools/sandbox/sandbox';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import {
  PROTOTYPE_KEYS,
  deeplyNested,
  deeplyNestedText,
  edgeString,
  hostileKey,
  httpEvent,
  inputFields,
  isFlatObject,
  jsonAbleAnything,
  mutated,
  objectFromEntries,
  openFuzzSandbox,
  prototypeSnapshot,
  settleWithin,
  unicodeEdge,
  validInputOf,
  validValuesOf,
  type FuzzSandbox,
  type Settled,
} from '../support/fuzz';

/**
 * docs/design.md §3 and §9 as properties, for every action in ACTIONS and through both fronts: whatever
 * an event holds (any JSON, invisible or malformed Unicode, prototype-pollution keys, deep
 * nesting, huge strings), the answer is a valid flat output or INPUT_INVALID — never another
 * exception, never a hang — and invalid input costs no request to any stand-in.
 */

const RUNS = 200;
/** Each run must settle within this; the sandbox answers in milliseconds. */
const RUN_LIMIT_MS = 3_000;
const ONE_MB = 1_048_576;
const DEPTH = 5_000;
const API_KEY = SANDBOX_HTTP_KEYS.apiKeys[0]!;

let logs: CapturedLogs;
let fuzz: FuzzSandbox;
const prototypesBefore = prototypeSnapshot();
const directHandlers = new Map<string, DirectHandler>();
let httpHandler: HttpHandler | undefined;

beforeAll(async () => {
  fuzz = await openFuzzSandbox();
}, 20_000);

afterAll(async () => {
  await fuzz.close();
});

beforeEach(() => {
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  // Every test, not only the pollution ones, leaves the built-in prototypes as they were.
  expect(prototypeSnapshot()).toStrictEqual(prototypesBefore);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
});

/** One warm container per action, built while logs are captured. */
function directHandlerFor(action: AnyAction): DirectHandler {
  let handler = directHandlers.get(action.name);
  if (!handler) {
    handler = createDirectHandler(action, fuzz.env);
    directHandlers.set(action.name, handler);
  }
  return handler;
}

interface Run {
  settled: Settled;
  before: SandboxCounts;
  after: SandboxCounts;
}

async function invokeDirect(action: AnyAction, event: unknown): Promise<Run> {
  const handler = directHandlerFor(action);
  const before = fuzz.counts();
  const settled = await settleWithin(() => handler(event, createLambdaContext(action.name, 5_000)), RUN_LIMIT_MS);
  return { settled, before, after: fuzz.counts() };
}

/** What a run did, in one object, so a failing property shows all of it at once. */
function summaryOf(action: AnyAction, event: unknown, { settled, before, after }: Run) {
  const validPerSchema = action.input.safeParse(event).success;
  const requests = (Object.keys(after) as Array<keyof SandboxCounts>).reduce((sum, key) => sum + after[key] - before[key], 0);
  if (settled.kind === 'hang') return { outcome: 'hang', validPerSchema };
  if (settled.kind === 'output') {
    return { outcome: 'output', validPerSchema, outputValid: action.output.safeParse(settled.output).success, flat: isFlatObject(settled.output) };
  }
  const error = settled.error as Partial<BridgeError> | undefined;
  return {
    outcome: 'error',
    validPerSchema,
    bridgeError: settled.error instanceof BridgeError,
    name: error?.name,
    code: error?.code,
    messageStartsWithCode: typeof error?.message === 'string' && error.message.startsWith('INPUT_INVALID: '),
    requests,
  };
}

const VALID_OUTPUT = { outcome: 'output', validPerSchema: true, outputValid: true, flat: true };
const INPUT_INVALID = { outcome: 'error', validPerSchema: false, bridgeError: true, name: 'InputError', code: 'INPUT_INVALID', messageStartsWithCode: true, requests: 0 };

/** The direct front's contract for one event: a valid output, or INPUT_INVALID with no request. */
async function expectDirectContract(action: AnyAction, event: unknown): Promise<void> {
  const summary = summaryOf(action, event, await invokeDirect(action, event));
  expect(summary).toStrictEqual(summary.outcome === 'output' ? VALID_OUTPUT : INPUT_INVALID);
}

const propertyOptions = { numRuns: RUNS };

describe.each(ACTIONS.map((action) => [action.name, action] as const))('direct invoke of %s with hostile input', (_name, action) => {
  const fields = inputFields(action);
  const validValues = validValuesOf(action);
  const validInput = validInputOf(validValues);
  const validValue = (field: string) => (validValues[field]?.length ? fc.constantFrom(...validValues[field]!) : fc.constant('x'));
  const fieldValue = (field: string) =>
    fc.oneof(
      validValue(field),
      validValue(field).chain(mutated),
      edgeString,
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(null, true, 0, -1, 1e308, [], {}, '', ' '),
    );

  it('has sample events to start from (a valid input for every required field)', async () => {
    expect(action.input.safeParse(validInput).success).toBe(true);
    await expectDirectContract(action, validInput);
  });

  it('answers any JSON value (fc.jsonValue) with a valid output or INPUT_INVALID', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue(), (event) => expectDirectContract(action, event)), propertyOptions);
  });

  it('answers any JSON-able value (fc.anything, filtered) with a valid output or INPUT_INVALID', async () => {
    await fc.assert(fc.asyncProperty(jsonAbleAnything, (event) => expectDirectContract(action, event)), propertyOptions);
  });

  it('answers objects whose fields hold anything, with hostile extra keys, with a valid output or INPUT_INVALID', async () => {
    const entry = fc.oneof(
      fc.constantFrom(...fields).chain((field) => fc.tuple(fc.constant(field), fieldValue(field))),
      fc.tuple(hostileKey, fc.jsonValue({ maxDepth: 2 })),
    );
    const event = fc
      .tuple(fc.boolean(), fc.array(entry, { maxLength: 6 }))
      .map(([startValid, entries]) => objectFromEntries([...(startValid ? Object.entries(validInput) : []), ...entries]));

    await fc.assert(fc.asyncProperty(event, (input) => expectDirectContract(action, input)), propertyOptions);
  });

  it('answers Unicode edge cases in every field (lone surrogates, zero-width, bidi marks, NUL, emoji, combining marks)', async () => {
    const perField = fields.map((field) => fc.tuple(fc.constant(field), fc.oneof(validValue(field).chain(mutated), edgeString, unicodeEdge)));
    const event = fc.tuple(...perField).map((entries) => objectFromEntries(entries));

    await fc.assert(fc.asyncProperty(event, (input) => expectDirectContract(action, input)), propertyOptions);
  });

  it('rejects an invisible or bidi character inside a valid value as INPUT_INVALID, with no request', async () => {
    for (const field of Object.keys(validInput)) {
      for (const invisible of ['\u200B', '\u200E', '\u202E', '\u0000', '\uD800', '\u0301']) {
        const value = validInput[field]!;
        const event = { ...validInput, [field]: `${value.slice(0, 2)}${invisible}${value.slice(2)}` };

        expect(summaryOf(action, event, await invokeDirect(action, event))).toStrictEqual(INPUT_INVALID);
      }
    }
  });

  it('answers prototype-pollution keys as own keys (JSON.parse) without polluting Object.prototype', async () => {
    const valid = JSON.stringify(validInput).slice(1, -1);
    const texts = [
      `{"__proto__":{"polluted":"yes"},${valid}}`,
      `{"__proto__":${JSON.stringify(validInput)}}`,
      `{"constructor":{"prototype":{"polluted":"yes"}},${valid}}`,
      `{"prototype":{"polluted":"yes"},${valid}}`,
      `{${valid},"__proto__":null}`,
      `{${valid},"__proto__":[]}`,
      ...fields.map((field) => `{${valid},${JSON.stringify(field)}:{"__proto__":{"polluted":"yes"},"toString":"x"}}`),
      ...fields.map((field) => `{${valid},${JSON.stringify(field)}:{"constructor":{"prototype":{"polluted":"yes"}}}}`),
    ];

    for (const text of texts) {
      const event = JSON.parse(text) as unknown;
      await expectDirectContract(action, event);

      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
    // Fields reachable only through an own "__proto__" key are not fields of the input.
    const hidden = JSON.parse(`{"__proto__":${JSON.stringify(validInput)}}`) as unknown;
    const run = await invokeDirect(action, hidden);
    expect(summaryOf(action, hidden, run).outcome).toBe(Object.keys(validInput).length > 0 ? 'error' : 'output');
  });

  it('answers prototype-pollution keys anywhere in generated events without polluting Object.prototype', async () => {
    const nested = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.jsonValue({ maxDepth: 1 }),
        fc.array(fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS, 'polluted'), tie('value')), { maxLength: 3 }).map((entries) => objectFromEntries(entries)),
      ),
    })).value;
    const event = fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom(...fields)), nested), { maxLength: 4 })
      .map((entries) => objectFromEntries([...Object.entries(validInput), ...entries]));

    await fc.assert(
      fc.asyncProperty(event, async (input) => {
        await expectDirectContract(action, input);
        expect(prototypeSnapshot()).toStrictEqual(prototypesBefore);
      }),
      propertyOptions,
    );
  });

  it('rejects a 1 MB string in each field quickly, with no request', async () => {
    for (const field of fields) {
      const valid = validValues[field]?.[0] ?? 'x';
      for (const huge of [valid + '7'.repeat(ONE_MB), '\u200B'.repeat(ONE_MB / 2) + valid]) {
        const event = { ...validInput, [field]: huge };
        const startedAt = performance.now();

        const summary = summaryOf(action, event, await invokeDirect(action, event));

        expect(summary).toStrictEqual(INPUT_INVALID);
        expect(performance.now() - startedAt).toBeLessThan(1_000);
      }
    }
  });

  it('trims or rejects a valid value wrapped in 1 MB of whitespace, and ignores a 1 MB unknown key', async () => {
    const [field] = Object.keys(validInput);
    const padding = ' \u00A0\t'.repeat(ONE_MB / 6);
    const events: unknown[] = [{ ...validInput, unknownHugeKey: 'x'.repeat(ONE_MB) }];
    if (field) events.push({ ...validInput, [field]: `${padding}${validInput[field]}${padding}` });

    for (const event of events) await expectDirectContract(action, event);
  });

  it(`answers ${DEPTH.toLocaleString('en')} levels of nesting as the event, in each field and under an unknown key`, async () => {
    const events: unknown[] = [];
    for (const shape of ['array', 'object', 'mixed'] as const) {
      const deep = deeplyNested(DEPTH, shape);
      events.push(deep, { ...validInput, unknownDeepKey: deep });
      for (const field of fields) events.push({ ...validInput, [field]: deep });
    }
    // As Lambda would hand it over: parsed from JSON text.
    events.push(JSON.parse(`{"deep":${deeplyNestedText(DEPTH, 'mixed')}${fields.length ? ',' : ''}${JSON.stringify(validInput).slice(1, -1)}}`));

    for (const event of events) await expectDirectContract(action, event);
  });
});

// ---------------------------------------------------------------------------------------------
// The HTTP front

const ALLOWED_STATUSES = [200, 400, 413];

interface HttpSent {
  action: AnyAction;
  body?: string;
  /** The header value, or undefined for no Content-Type header. */
  contentType?: string;
  isBase64Encoded?: boolean;
  extraHeaders?: Record<string, string>;
}

/** One warm HTTP front function, its callers' keys already fetched (so a refused request costs nothing). */
async function httpFront(): Promise<HttpHandler> {
  if (!httpHandler) {
    httpHandler = createHttpHandler(ACTIONS, fuzz.env);
    await httpHandler(httpEvent({ path: '/actions/customerLookup', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: '{}', requestId: 'warm-up' }));
  }
  return httpHandler;
}

async function postHttp(sent: HttpSent): Promise<Run & { requestId: string }> {
  const handler = await httpFront();
  const requestId = randomUUID();
  const headers: Record<string, string> = { authorization: `Bearer ${API_KEY}`, ...sent.extraHeaders };
  if (sent.contentType !== undefined) headers['content-type'] = sent.contentType;
  const event = httpEvent({ path: `/actions/${sent.action.name}`, headers, body: sent.body, isBase64Encoded: sent.isBase64Encoded, requestId });
  const before = fuzz.counts();
  const settled = await settleWithin(() => handler(event, createLambdaContext('http', 5_000)), RUN_LIMIT_MS);
  return { settled, before, after: fuzz.counts(), requestId };
}

/** The status docs/design.md §9 calls for, worked out from what was sent. */
function expectedStatus(sent: HttpSent, maxBodyBytes = HTTP_MAX_BODY_BYTES): number {
  const raw = sent.body ?? '';
  const body = sent.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(body, 'utf8') > maxBodyBytes) return 413;
  if (sent.contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/json') return 400;
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return 400;
  }
  return sent.action.input.safeParse(input).success ? 200 : 400;
}

const CODE_OF_STATUS: Record<number, string> = { 400: 'INPUT_INVALID', 413: 'INPUT_TOO_LARGE' };

/** What the front answered, in one object. */
function httpSummaryOf(sent: HttpSent, { settled, before, after, requestId }: Run & { requestId: string }) {
  if (settled.kind !== 'output') return { outcome: settled.kind, error: settled.kind === 'error' ? String(settled.error) : undefined };
  const response = settled.output as APIGatewayProxyStructuredResultV2;
  const status = response.statusCode ?? 0;
  let body: unknown;
  try {
    body = JSON.parse(String(response.body));
  } catch {
    body = undefined;
  }
  const requests = (Object.keys(after) as Array<keyof SandboxCounts>).reduce((sum, key) => sum + after[key] - before[key], 0);
  const contentType = (response.headers as Record<string, unknown> | undefined)?.['content-type'];
  if (status === 200) {
    return { status, contentType, outputValid: sent.action.output.safeParse(body).success, flat: isFlatObject(body) };
  }
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  return {
    status,
    contentType,
    bodyKeys: body && typeof body === 'object' ? Object.keys(body).sort() : body,
    errorKeys: error ? Object.keys(error).sort() : undefined,
    code: error?.code,
    messageStartsWithCode: typeof error?.message === 'string' && typeof error.code === 'string' && error.message.startsWith(`${error.code}: `),
    correlationIdIsRequestId: error?.correlationId === requestId,
    requests,
  };
}

function expectedSummary(status: number) {
  if (status === 200) return { status, contentType: 'application/json', outputValid: true, flat: true };
  return {
    status,
    contentType: 'application/json',
    bodyKeys: ['error'],
    errorKeys: ['code', 'correlationId', 'message'],
    code: CODE_OF_STATUS[status],
    messageStartsWithCode: true,
    correlationIdIsRequestId: true,
    requests: 0,
  };
}

/** The HTTP front's contract: a well-formed JSON answer, 200 or 400/413 as docs/design.md §9 says, no request for bad input. */
async function expectHttpContract(sent: HttpSent, maxBodyBytes?: number): Promise<number> {
  const expected = expectedStatus(sent, maxBodyBytes);
  const summary = httpSummaryOf(sent, await postHttp(sent));
  expect(summary).toStrictEqual(expectedSummary(expected));
  expect(ALLOWED_STATUSES).toContain(expected);
  return expected;
}

const WRONG_CONTENT_TYPES = [
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonp',
  'application/json-patch+json',
  'application/problem+json',
  'application/xml',
  'application/octet-stream',
  '',
  'application /json',
  'application/json\u0000',
  '\u200Bapplication/json',
  'json',
  '*/*',
];

describe.each(ACTIONS.map((action) => [action.name, action] as const))('the HTTP front, POST /actions/%s with hostile bodies', (_name, action) => {
  const validBody = JSON.stringify(validInputOf(validValuesOf(action)));

  it('answers the valid sample with 200', async () => {
    expect(await expectHttpContract({ action, body: validBody, contentType: 'application/json' })).toBe(200);
  });

  it('answers any string body (malformed JSON) with a well-formed 200, 400 or 413', async () => {
    const jsonish = fc.array(fc.constantFrom('{', '}', '[', ']', '"', ':', ',', '\\', 'null', 'true', '1e999', '-', '0', ' ', '\u0000', '\uD800', '"phoneNumber"', '"agentId"', '"queueId"'), { maxLength: 30 }).map((parts) => parts.join(''));
    const body = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), jsonish, edgeString);

    await fc.assert(fc.asyncProperty(body, (text) => expectHttpContract({ action, body: text, contentType: 'application/json' }).then(() => undefined)), propertyOptions);
  });

  it('answers a valid body under a wrong or missing content type with 400 INPUT_INVALID', async () => {
    const contentType = fc.oneof(
      fc.constantFrom<string | undefined>(...WRONG_CONTENT_TYPES, undefined),
      fc.string({ unit: 'binary', maxLength: 40 }).filter((type) => !/json/i.test(type)),
    );

    await fc.assert(
      fc.asyncProperty(contentType, async (type) => {
        expect(await expectHttpContract({ action, body: validBody, contentType: type })).toBe(400);
      }),
      propertyOptions,
    );
  });

  it('accepts the JSON content type in any case, with parameters and spaces, under any header-name case', async () => {
    for (const [name, type] of [
      ['content-type', 'application/json; charset=utf-8'],
      ['Content-Type', 'APPLICATION/JSON'],
      ['CONTENT-TYPE', ' application/json ;charset=UTF-8'],
    ] as const) {
      const summary = httpSummaryOf({ action, body: validBody }, await postHttp({ action, body: validBody, extraHeaders: { [name]: type } }));

      expect(summary).toStrictEqual(expectedSummary(200));
    }
  });

  it('answers any JSON body (fc.jsonValue and objects with hostile keys) with a well-formed 200, 400 or 413', async () => {
    const entries = fc.array(fc.tuple(fc.oneof(hostileKey, fc.constantFrom(...inputFields(action))), fc.jsonValue({ maxDepth: 2 })), { maxLength: 6 });
    const body = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      jsonAbleAnything.map((value) => JSON.stringify(value)),
      entries.map((list) => JSON.stringify(objectFromEntries(list))),
      entries.map((list) => `{${validBody.slice(1, -1)}${list.map(([key, value]) => `,${JSON.stringify(key)}:${JSON.stringify(value)}`).join('')}}`),
    );

    await fc.assert(fc.asyncProperty(body, (text) => expectHttpContract({ action, body: text, contentType: 'application/json' }).then(() => undefined)), propertyOptions);
  });

  it('decodes base64 bodies when isBase64Encoded is set, and treats the flag and the text consistently', async () => {
    const text = fc.oneof(fc.constant(validBody), fc.jsonValue().map((value) => JSON.stringify(value)), fc.string({ unit: 'binary', maxLength: 80 }));
    const sent = fc.oneof(
      text.map((body) => ({ body: Buffer.from(body, 'utf8').toString('base64'), isBase64Encoded: true })),
      text.map((body) => ({ body, isBase64Encoded: true })),
      text.map((body) => ({ body: Buffer.from(body, 'utf8').toString('base64'), isBase64Encoded: false })),
      fc.uint8Array({ maxLength: 120 }).map((bytes) => ({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true })),
    );

    await fc.assert(
      fc.asyncProperty(sent, (request) => expectHttpContract({ action, contentType: 'application/json', ...request }).then(() => undefined)),
      propertyOptions,
    );
  });

  it('answers bodies over HTTP_MAX_BODY_BYTES with 413 INPUT_TOO_LARGE, counting UTF-8 bytes, base64 or not', async () => {
    const oversized = fc
      .tuple(fc.integer({ min: 1, max: 3 * HTTP_MAX_BODY_BYTES }), fc.constantFrom(' ', 'ü', '€', '😀'), fc.boolean())
      .map(([extra, pad, base64]) => {
        const padChars = Math.ceil((HTTP_MAX_BODY_BYTES - Buffer.byteLength(validBody) + extra) / Buffer.byteLength(pad));
        const body = pad === ' ' ? `${validBody}${pad.repeat(padChars)}` : `{${validBody.slice(1, -1)},"pad":"${pad.repeat(padChars)}"}`;
        return { body: base64 ? Buffer.from(body).toString('base64') : body, isBase64Encoded: base64 };
      });

    await fc.assert(
      fc.asyncProperty(oversized, async (request) => {
        expect(await expectHttpContract({ action, contentType: 'application/json', ...request })).toBe(413);
      }),
      { numRuns: 40 },
    );
  });

  it('accepts a body of exactly HTTP_MAX_BODY_BYTES and refuses one byte more; a 1 MB body is refused at once', async () => {
    const exact = validBody + ' '.repeat(HTTP_MAX_BODY_BYTES - Buffer.byteLength(validBody));
    expect(await expectHttpContract({ action, body: exact, contentType: 'application/json' })).toBe(200);
    expect(await expectHttpContract({ action, body: `${exact} `, contentType: 'application/json' })).toBe(413);
    // Under the byte limit in UTF-16 code units, over it in UTF-8 bytes.
    const multibyte = `{${validBody.slice(1, -1)},"pad":"${'€'.repeat(Math.ceil(HTTP_MAX_BODY_BYTES / 3))}"}`;
    expect(multibyte.length).toBeLessThan(HTTP_MAX_BODY_BYTES);
    expect(await expectHttpContract({ action, body: multibyte, contentType: 'application/json' })).toBe(413);

    const startedAt = performance.now();
    expect(await expectHttpContract({ action, body: `{"x":"${'x'.repeat(ONE_MB)}"}`, contentType: 'application/json' })).toBe(413);
    expect(await expectHttpContract({ action, body: 'not json '.repeat(ONE_MB / 8), contentType: 'text/plain' })).toBe(413);
    expect(performance.now() - startedAt).toBeLessThan(1_000);
  });

  it(`answers ${DEPTH.toLocaleString('en')} levels of nesting in the body, under the limit and with the limit raised`, async () => {
    const deepArrays = deeplyNestedText(DEPTH, 'array');
    expect(Buffer.byteLength(deepArrays)).toBeLessThan(HTTP_MAX_BODY_BYTES);
    expect(await expectHttpContract({ action, body: deepArrays, contentType: 'application/json' })).toBe(400);
    expect(await expectHttpContract({ action, body: `{${validBody.slice(1, -1)},"deep":${deepArrays}}`, contentType: 'application/json' })).toBe(
      expectedStatus({ action, body: validBody, contentType: 'application/json' }),
    );

    // A front whose limit admits 5,000 levels of objects too.
    const raisedLimit = 1_000_000;
    const raised = createHttpHandler(ACTIONS, { ...fuzz.env, HTTP_MAX_BODY_BYTES: String(raisedLimit) });
    const authenticated = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    // Its first request fetches the callers' keys; later refusals cost nothing.
    await raised(httpEvent({ path: `/actions/${action.name}`, headers: authenticated, body: '{}', requestId: 'warm-up' }));
    for (const shape of ['object', 'mixed'] as const) {
      for (const body of [deeplyNestedText(DEPTH, shape), `{${validBody.slice(1, -1)},"deep":${deeplyNestedText(DEPTH, shape)}}`]) {
        const sent = { action, body, contentType: 'application/json' };
        const requestId = randomUUID();
        const before = fuzz.counts();
        const event = httpEvent({ path: `/actions/${action.name}`, headers: authenticated, body, requestId });
        const settled = await settleWithin(() => raised(event, createLambdaContext('http', 5_000)), RUN_LIMIT_MS);

        expect(httpSummaryOf(sent, { settled, before, after: fuzz.counts(), requestId })).toStrictEqual(
          expectedSummary(expectedStatus(sent, raisedLimit)),
        );
      }
    }
  });

  it('answers prototype-pollution keys in the body without polluting Object.prototype', async () => {
    const inner = validBody.slice(1, -1);
    for (const body of [
      `{"__proto__":{"polluted":"yes"},${inner}}`,
      `{"constructor":{"prototype":{"polluted":"yes"}},${inner}}`,
      `{"__proto__":${validBody}}`,
      `{${inner},"__proto__":{"__proto__":{"polluted":"yes"}}}`,
    ]) {
      await expectHttpContract({ action, body, contentType: 'application/json' });

      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }
  });
});

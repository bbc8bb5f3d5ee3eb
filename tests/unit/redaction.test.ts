import { inspect } from 'node:util';
import { logger } from '../../lib/base/logger';
import { formUrlEncode } from '../../lib/auth/formEncoding';
import { startCustomerApiStandIn, type CustomerApiStandIn } from '../../lib/actions/customerLookup/standIn';
import { startLoopbackServer, type LoopbackRequest, type LoopbackServer } from '../../tools/standIns/loopbackServer';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { controlClock, invoke, openBridge, type Bridge, type EnvOverrides } from '../support/bridge';

/**
 * docs/design.md §10: secrets, tokens, Authorization headers and token request bodies never reach a
 * log line, an error (message, stack, JSON, inspect) or an output. A canary secret with
 * characters that form encoding changes is run through every path, and everything the
 * bridge produced is searched for it in every form it takes on the wire. SecretText and the
 * logger's redaction on their own are tested in tests/unit/security.test.ts.
 */

const CANARY_CLIENT = { clientId: 'canary-client', clientSecret: 'canary-SECRET-7f3a9+/=' };
const CANARY_BASIC = Buffer.from(`${formUrlEncode(CANARY_CLIENT.clientId)}:${formUrlEncode(CANARY_CLIENT.clientSecret)}`).toString('base64');
const FOUND = { phoneNumber: '+15551234567' };

let logs: CapturedLogs;
let bridge: Bridge | undefined;
let extraServer: LoopbackServer | undefined;

beforeEach(() => {
  logs = captureLogs();
});
afterEach(async () => {
  jest.restoreAllMocks();
  await bridge?.close();
  await extraServer?.close();
  bridge = undefined;
  extraServer = undefined;
  logs.restore();
});

interface Produced {
  outputs: unknown[];
  errors: unknown[];
}

/** Runs one invocation, keeping whatever it produced. */
async function collect(produced: Produced, result: Promise<unknown>): Promise<void> {
  await result.then(
    (output) => produced.outputs.push(output),
    (error: unknown) => produced.errors.push(error),
  );
}

function errorTexts(error: unknown): string[] {
  const { message, stack } = error as Error;
  return [String(message), String(stack), String(error), JSON.stringify(error), inspect(error, { depth: 10 }), inspect(error, { depth: 10, showHidden: true })];
}

function accessTokensSeenUpstream(...apis: CustomerApiStandIn[]): string[] {
  const seen = apis.flatMap((api) => api.authorizations);
  return seen.filter((value): value is string => value?.startsWith('Bearer ') === true).map((value) => value.slice('Bearer '.length));
}

/** Every place a leaked credential could show up, searched for every form of it. */
function leaks(produced: Produced, tokens: readonly string[]): string[] {
  const needles = new Set([
    CANARY_CLIENT.clientSecret,
    formUrlEncode(CANARY_CLIENT.clientSecret),
    JSON.stringify(CANARY_CLIENT.clientSecret).slice(1, -1),
    CANARY_BASIC,
    ...tokens,
  ]);
  const haystacks: Array<[string, string]> = [
    ...logs.lines.map((line, i): [string, string] => [`log line ${i}`, line]),
    ...produced.errors.flatMap((error, i) => errorTexts(error).map((text): [string, string] => [`error ${i}`, text])),
    ...produced.outputs.map((output, i): [string, string] => [`output ${i}`, JSON.stringify(output)]),
  ];
  const found: string[] = [];
  for (const [where, text] of haystacks) {
    for (const needle of needles) if (text.includes(needle)) found.push(`${where} contains ${needle === CANARY_BASIC ? 'the Basic credentials' : 'a secret or token'}`);
  }
  return found;
}

function codesOf(produced: Produced): unknown[] {
  return produced.errors.map((error) => (error as { code?: unknown }).code);
}

async function openCanary(options: Parameters<typeof openBridge>[0] = {}): Promise<Bridge> {
  bridge = await openBridge({ secretString: JSON.stringify({ ...CANARY_CLIENT, clientSecret: `${CANARY_CLIENT.clientSecret}\n` }), clients: [CANARY_CLIENT], ...options });
  return bridge;
}

const LOG_LEVELS = ['info', 'debug'] as const;
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
const RUNS = LOG_LEVELS.flatMap((level) => AUTH_METHODS.map((method) => [level, method] as const));

function envFor(level: string, method: string, more: EnvOverrides = {}): EnvOverrides {
  return { LOG_LEVEL: level, CLIENT_AUTH_METHOD: method, ...more };
}

describe('no secret or token leaks', () => {
  it.each(RUNS)('LOG_LEVEL=%s, %s: successful invocations, cold, warm and after token expiry', async (level, method) => {
    const b = await openCanary({ tokenLifetimeSeconds: 100 });
    const clock = controlClock();
    const handler = b.coldContainer(envFor(level, method));
    const produced: Produced = { outputs: [], errors: [] };

    await collect(produced, invoke(handler, FOUND));
    await collect(produced, invoke(handler, { phoneNumber: '+442071838750' }));
    clock.advanceTo(95_000);
    await collect(produced, invoke(handler, { phoneNumber: '+15550000000' }));

    expect(produced.errors).toStrictEqual([]);
    expect(produced.outputs).toHaveLength(3);
    const tokens = accessTokensSeenUpstream(b.sandbox.customerApi);
    expect(new Set(tokens).size).toBe(2);
    expect(logs.records().some((record) => record.level === 'debug')).toBe(level === 'debug');
    expect(leaks(produced, tokens)).toStrictEqual([]);
  });

  it.each(RUNS)('LOG_LEVEL=%s, %s: upstream 401 once, then on every token', async (level, method) => {
    const b = await openCanary();
    const produced: Produced = { outputs: [], errors: [] };
    const handler = b.coldContainer(envFor(level, method));
    await collect(produced, invoke(handler, FOUND));
    b.sandbox.tokenEndpoint.revokeIssuedTokens();
    await collect(produced, invoke(handler, FOUND));
    const refusing = await startCustomerApiStandIn(() => false);
    extraServer = refusing;

    await collect(produced, invoke(b.coldContainer(envFor(level, method, { UPSTREAM_BASE_URL: refusing.url })), FOUND));

    expect(codesOf(produced)).toStrictEqual(['UPSTREAM_UNAUTHORIZED']);
    const tokens = accessTokensSeenUpstream(b.sandbox.customerApi, refusing);
    expect(new Set(tokens).size).toBe(4);
    expect(leaks(produced, tokens)).toStrictEqual([]);
  });

  it.each(RUNS)('LOG_LEVEL=%s, %s: invalid_client', async (level, method) => {
    const b = await openCanary({ clients: [{ clientId: CANARY_CLIENT.clientId, clientSecret: 'what-the-server-expects' }] });
    const produced: Produced = { outputs: [], errors: [] };
    const handler = b.coldContainer(envFor(level, method));

    await collect(produced, invoke(handler, FOUND));
    await collect(produced, invoke(handler, FOUND));

    expect(codesOf(produced)).toStrictEqual(['TOKEN_INVALID_CLIENT', 'TOKEN_INVALID_CLIENT']);
    expect(b.sandbox.tokenEndpoint.presentedClients[0]).toStrictEqual(CANARY_CLIENT);
    expect(leaks(produced, [])).toStrictEqual([]);
  });

  it.each(RUNS)('LOG_LEVEL=%s, %s: bad input', async (level, method) => {
    const b = await openCanary();
    const produced: Produced = { outputs: [], errors: [] };
    const handler = b.coldContainer(envFor(level, method));
    await collect(produced, invoke(handler, FOUND));

    await collect(produced, invoke(handler, { phoneNumber: '555 123 4567' }));
    await collect(produced, invoke(b.coldContainer(envFor(level, method)), null));

    expect(codesOf(produced)).toStrictEqual(['INPUT_INVALID', 'INPUT_INVALID']);
    expect(leaks(produced, accessTokensSeenUpstream(b.sandbox.customerApi))).toStrictEqual([]);
  });

  it.each(RUNS)('LOG_LEVEL=%s, %s: a token endpoint that answers with an HTML page echoing the request', async (level, method) => {
    const b = await openCanary();
    const echo = (request: LoopbackRequest) =>
      `<html><body><h1>Sign in</h1><pre>${String(request.headers.authorization)} ${request.body}</pre></body></html>`;
    const htmlEndpoint = await startLoopbackServer((request) => ({
      status: request.url.pathname === '/ok-html' ? 200 : 400,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: echo(request),
    }));
    extraServer = htmlEndpoint;
    const produced: Produced = { outputs: [], errors: [] };

    await collect(produced, invoke(b.coldContainer(envFor(level, method, { TOKEN_URL: `${htmlEndpoint.url}/ok-html` })), FOUND));
    await collect(produced, invoke(b.coldContainer(envFor(level, method, { TOKEN_URL: `${htmlEndpoint.url}/bad-html` })), FOUND));

    expect(codesOf(produced)).toStrictEqual(['TOKEN_INVALID_RESPONSE', 'TOKEN_REJECTED']);
    for (const error of produced.errors) expect((error as Error).message).not.toContain('Sign in');
    expect(leaks(produced, [])).toStrictEqual([]);
  });

  it('a secret rejected for an inner space never shows its value', async () => {
    const b = await openCanary({ secretString: JSON.stringify({ clientId: CANARY_CLIENT.clientId, clientSecret: `${CANARY_CLIENT.clientSecret} x` }) });
    const produced: Produced = { outputs: [], errors: [] };

    await collect(produced, invoke(b.coldContainer({ LOG_LEVEL: 'debug' }), FOUND));

    expect(codesOf(produced)).toStrictEqual(['SECRET_INVALID']);
    expect(leaks(produced, [])).toStrictEqual([]);
  });
});

describe('the leak scan', () => {
  it.each([
    ['the secret in a log line', () => logger.warn({ detail: `x${CANARY_CLIENT.clientSecret}x` }, 'planted')],
    ['the form-encoded secret in a log line', () => logger.warn({ detail: formUrlEncode(CANARY_CLIENT.clientSecret) }, 'planted')],
    ['the Basic credentials in a log line', () => logger.warn({ header: `Basic ${CANARY_BASIC}` }, 'planted')],
  ])('finds %s (so a clean scan means something)', (_case, plant) => {
    plant();

    expect(leaks({ outputs: [], errors: [] }, [])).toHaveLength(1);
  });

  it('finds a token in an error cause and in an output', () => {
    const error = new Error('outer', { cause: new Error('inner tok-PLANTED') });

    expect(leaks({ outputs: [{ value: 'tok-PLANTED' }], errors: [error] }, ['tok-PLANTED']).length).toBeGreaterThanOrEqual(2);
  });
});

import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ACTIONS } from '../../lib/actions';
import { CIRCUIT_FAILURE_THRESHOLD, RETRY_MAX_ATTEMPTS } from '../../lib/base/constants';
import { agentState } from '../../lib/actions/agentState/action';
import { customerLookup } from '../../lib/actions/customerLookup/action';
import { queueEstimatedWait } from '../../lib/actions/queueEstimatedWait/action';
import { createDirectHandler } from '../../lib/front/directInvoke';
import { defineAction } from '../../lib/runtime/action';
import { createHttpHandler } from '../../lib/front/httpFront';
import { serveHttpFront } from '../../tools/sandbox/httpFrontServer';
import { createLambdaContext } from '../../tools/sandbox/lambdaContext';
import { SAMPLE_QUEUE_ID } from '../../lib/actions/queueEstimatedWait/standIn';
import {
  SANDBOX_CLIENT,
  SANDBOX_CXONE_ACCESS_KEY,
  SANDBOX_CXONE_CLIENT,
  SANDBOX_GENESYS_CLIENT,
  SANDBOX_HTTP_AUTH_SECRET_ID,
  SANDBOX_HTTP_KEYS,
  type Sandbox,
} from '../../tools/sandbox/sandbox';
import type { CapturedLogs } from '../setup/logs';
import { controlClock, invoke, recordsOf } from '../support/bridge';
import { call, httpApiEvent, signedHeaders, type CallOptions, type HttpAnswer } from '../support/httpCalls';
import { hang, startFaultyServer, timed } from '../support/faultyServer';
import { NO_REQUESTS, sampleEvent, useSandbox } from '../support/sandboxProcess';
import { Servers } from '../support/standIns';
import { ADA } from '../support/fixtures';

/**
 * The HTTPS front (docs/design.md §9) for CXone Studio REST actions and Genesys Cloud Web Services
 * data actions: the real handler served on loopback and called over real sockets with
 * undici, against the whole sandbox (customer API, Genesys Cloud, CXone, Secrets Manager
 * holding the callers' keys). Hand-built API Gateway events where a socket cannot set a
 * field (isBase64Encoded, requestContext.requestId). Request counts prove that a refused
 * caller costs no token and no upstream request.
 */

const API_KEY = SANDBOX_HTTP_KEYS.apiKeys[0]!;
const PREVIOUS_API_KEY = SANDBOX_HTTP_KEYS.apiKeys[1]!;
const HMAC_KEY = SANDBOX_HTTP_KEYS.hmacKeys[0]!;
const ALMOST_API_KEY = `${API_KEY.slice(0, -1)}9`;

const CUSTOMER_LOOKUP = '/actions/customerLookup';
const FOUND = { phoneNumber: '+15551234567' };
const QUEUE_WAIT = { available: true, estimatedWaitSeconds: 95, mediaType: 'all', formula: 'BEST' };
const AGENT_ON_LUNCH = { found: true, agentId: '1234567', state: 'Unavailable', reason: 'Lunch', since: '2026-11-26T12:01:30.000Z' };
const UNKNOWN_QUEUE_ID = 'b1b2b3b4-c5c6-4d7d-8e8e-9f9f9f9f9f9f';

const servers = new Servers();
const hooks = useSandbox(servers);
let logs: CapturedLogs;
let sandbox: Sandbox;
beforeEach(() => {
  ({ sandbox, logs } = hooks.current());
});

/** A cold HTTP front function, configured by the sandbox env, served on loopback. */
async function front(overrides: Record<string, string> = {}, env: Record<string, string> = sandbox.env) {
  const handler = createHttpHandler(ACTIONS, { ...env, ...overrides });
  const server = servers.track(await serveHttpFront(handler));
  return { handler, url: server.url };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

function post(url: string, path: string, options: CallOptions = {}): Promise<HttpAnswer> {
  return call(url, path, { json: FOUND, ...options, headers: { ...bearer(API_KEY), ...options.headers } });
}

/** The one error body shape (docs/design.md §9). */
function errorBody(code: string, message: RegExp = /.*/, correlationId: unknown = expect.any(String)) {
  return { error: { code, message: expect.stringMatching(new RegExp(`^${code}: (?:${message.source})`)), correlationId } };
}

function without(env: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([key]) => key !== name));
}

describe('caller authentication', () => {
  it('accepts both API keys of a rotation, as Authorization: Bearer and as x-api-key', async () => {
    const { url } = await front();
    const answers: HttpAnswer[] = [];

    for (const key of [API_KEY, PREVIOUS_API_KEY]) {
      answers.push(await call(url, CUSTOMER_LOOKUP, { json: FOUND, headers: { authorization: `Bearer ${key}` } }));
      answers.push(await call(url, CUSTOMER_LOOKUP, { json: FOUND, headers: { authorization: `bearer ${key}` } }));
      answers.push(await call(url, CUSTOMER_LOOKUP, { json: FOUND, headers: { 'x-api-key': key } }));
    }

    expect(answers.map(({ status, json }) => [status, json])).toStrictEqual(Array(6).fill([200, ADA]));
    // The callers' secret once, the action's secret once, one token, one upstream call each.
    expect(sandbox.counts()).toStrictEqual({ secret: 2, discovery: 0, token: 1, upstream: 6 });
  });

  it.each<[string, Record<string, string>]>([
    ['a wrong API key', bearer('not-a-valid-key-at-all-000')],
    ['an API key differing in its last character', bearer(ALMOST_API_KEY)],
    ['an x-api-key differing in its last character', { 'x-api-key': ALMOST_API_KEY }],
    ['a prefix of a valid key', bearer(API_KEY.slice(0, -1))],
    ['the HMAC key presented as an API key', bearer(HMAC_KEY)],
    ['Basic credentials', { authorization: `Basic ${Buffer.from(`caller:${API_KEY}`).toString('base64')}` }],
  ])('refuses %s with 401 CALLER_UNAUTHENTICATED, before any token or upstream request', async (_case, headers) => {
    const { url } = await front();

    const answer = await call(url, CUSTOMER_LOOKUP, { json: FOUND, headers });

    expect(answer.status).toBe(401);
    expect(answer.json).toStrictEqual(errorBody('CALLER_UNAUTHENTICATED'));
    expect(sandbox.counts()).toMatchObject({ discovery: 0, token: 0, upstream: 0 });
  });

  it('refuses a request without credentials with 401, without even reading the callers\' secret', async () => {
    const { url } = await front();

    const answer = await call(url, CUSTOMER_LOOKUP, { json: FOUND });

    expect(answer.status).toBe(401);
    expect(answer.json).toStrictEqual(errorBody('CALLER_UNAUTHENTICATED', /send an API key/));
    expect(sandbox.counts()).toStrictEqual(NO_REQUESTS);
  });

  it('accepts the same signed request again inside the window, as a platform retry sends it', async () => {
    const { url } = await front();
    const body = JSON.stringify(FOUND);
    const headers = signedHeaders(HMAC_KEY, body);

    const first = await call(url, CUSTOMER_LOOKUP, { body, headers });
    const resent = await call(url, CUSTOMER_LOOKUP, { body, headers });

    expect([first.status, first.json]).toStrictEqual([200, ADA]);
    expect([resent.status, resent.json]).toStrictEqual([200, ADA]);
    expect(sandbox.counts()).toMatchObject({ token: 1, upstream: 2 });
  });

  it('answers five identical concurrent signed requests with five 200s', async () => {
    const { url } = await front();
    const body = JSON.stringify(FOUND);
    const headers = signedHeaders(HMAC_KEY, body);

    const answers = await Promise.all(Array.from({ length: 5 }, () => call(url, CUSTOMER_LOOKUP, { body, headers })));

    expect(answers.map(({ status }) => status)).toStrictEqual([200, 200, 200, 200, 200]);
  });

  it('answers a signed request resent after a 400 with the same 400, not 401', async () => {
    const { url } = await front();
    const body = JSON.stringify({ phoneNumber: 'not a number' });
    const headers = signedHeaders(HMAC_KEY, body);

    const answers = [await call(url, CUSTOMER_LOOKUP, { body, headers }), await call(url, CUSTOMER_LOOKUP, { body, headers })];

    expect(answers.map(({ json }) => json)).toStrictEqual([errorBody('INPUT_INVALID', /phoneNumber.*/), errorBody('INPUT_INVALID', /phoneNumber.*/)]);
  });

  it.each([
    ['another action', { path: '/actions/agentState', method: 'POST' }],
    ['another method', { path: CUSTOMER_LOOKUP, method: 'PUT' }],
    ['the path under another prefix', { path: `/prod${CUSTOMER_LOOKUP}`, method: 'POST' }],
  ])('refuses a signature made for %s with 401: method and path are signed', async (_case, signedFor) => {
    const { url } = await front();
    const body = JSON.stringify(FOUND);

    const answer = await call(url, CUSTOMER_LOOKUP, { body, headers: signedHeaders(HMAC_KEY, body, undefined, signedFor.path, signedFor.method) });

    expect(answer.status).toBe(401);
    expect(answer.json).toStrictEqual(errorBody('CALLER_UNAUTHENTICATED', /the HMAC signature is not valid.*/));
    expect(sandbox.counts()).toMatchObject({ token: 0, upstream: 0 });
  });

  it('accepts a signature inside the 300 s window', async () => {
    const { url } = await front();
    const body = JSON.stringify(FOUND);

    const answer = await call(url, CUSTOMER_LOOKUP, { body, headers: signedHeaders(HMAC_KEY, body, Math.floor(Date.now() / 1000) - 290) });

    expect(answer.status).toBe(200);
  });

  it('accepts a signature up to 60 s ahead of the bridge\'s clock (HTTP_FUTURE_SKEW_SECONDS: clock skew)', async () => {
    const { url } = await front();
    const body = JSON.stringify(FOUND);

    const answer = await call(url, CUSTOMER_LOOKUP, { body, headers: signedHeaders(HMAC_KEY, body, Math.floor(Date.now() / 1000) + 50) });

    expect(answer.status).toBe(200);
  });

  it('refuses a signature 90 s ahead of the bridge\'s clock, though 90 s in the past would pass: only clock skew puts a timestamp in the future', async () => {
    const { url } = await front();
    const body = JSON.stringify(FOUND);

    const answer = await call(url, CUSTOMER_LOOKUP, { body, headers: signedHeaders(HMAC_KEY, body, Math.floor(Date.now() / 1000) + 90) });

    expect(answer.status).toBe(401);
    expect(answer.json).toStrictEqual(errorBody('CALLER_UNAUTHENTICATED', /the signature is outside the replay window: its timestamp is more than 60 s ahead of the bridge's clock.*/));
    expect(sandbox.counts()).toMatchObject({ token: 0, upstream: 0 });
  });

  it('bounds the future by the replay window when HTTP_REPLAY_WINDOW_SECONDS is shorter than 60 s', async () => {
    const { url } = await front({ HTTP_REPLAY_WINDOW_SECONDS: '30' });
    const body = JSON.stringify(FOUND);

    const answer = await call(url, CUSTOMER_LOOKUP, { body, headers: signedHeaders(HMAC_KEY, body, Math.floor(Date.now() / 1000) + 45) });

    expect(answer.json).toStrictEqual(errorBody('CALLER_UNAUTHENTICATED', /.*more than 30 s ahead of the bridge's clock.*/));
  });

  it.each([
    ['310 s in the past', -310],
    ['310 s in the future', 310],
    ['a day in the past', -86_400],
  ])('refuses a signature whose timestamp is %s with 401', async (_case, offsetSeconds) => {
    const { url } = await front();
    const body = JSON.stringify(FOUND);

    const answer = await call(url, CUSTOMER_LOOKUP, { body, headers: signedHeaders(HMAC_KEY, body, Math.floor(Date.now() / 1000) + offsetSeconds) });

    expect(answer.status).toBe(401);
    expect(answer.json).toStrictEqual(errorBody('CALLER_UNAUTHENTICATED', /.*replay window.*/));
    expect(sandbox.counts()).toMatchObject({ token: 0, upstream: 0 });
  });

  it('refuses a signed request whose body was changed after signing', async () => {
    const { url } = await front();
    const headers = signedHeaders(HMAC_KEY, JSON.stringify(FOUND));

    const answer = await call(url, CUSTOMER_LOOKUP, { json: { phoneNumber: '+61291234567' }, headers });

    expect(answer.status).toBe(401);
    expect(answer.json).toStrictEqual(errorBody('CALLER_UNAUTHENTICATED', /the HMAC signature is not valid/));
    expect(sandbox.counts()).toMatchObject({ token: 0, upstream: 0 });
  });

  it.each<[string, (body: string) => Record<string, string>]>([
    ['a signature made with an unknown key', (body) => signedHeaders('some-other-hmac-key-0000000', body)],
    ['a signature made with an API key', (body) => signedHeaders(API_KEY, body)],
    ['a signature without its timestamp', (body) => ({ 'x-bridge-signature': signedHeaders(HMAC_KEY, body)['x-bridge-signature']! })],
    ['a timestamp in milliseconds', (body) => signedHeaders(HMAC_KEY, body, Date.now())],
    ['a timestamp that is not a number', (body) => ({ ...signedHeaders(HMAC_KEY, body), 'x-bridge-timestamp': 'yesterday' })],
    ['a signature signed over another timestamp', (body) => ({ ...signedHeaders(HMAC_KEY, body), 'x-bridge-timestamp': String(Math.floor(Date.now() / 1000) - 1) })],
  ])('refuses %s with 401', async (_case, headersFor) => {
    const { url } = await front();
    const body = JSON.stringify(FOUND);

    const answer = await call(url, CUSTOMER_LOOKUP, { body, headers: headersFor(body) });

    expect(answer.status).toBe(401);
    expect(answer.json).toStrictEqual(errorBody('CALLER_UNAUTHENTICATED'));
    expect(sandbox.counts()).toMatchObject({ token: 0, upstream: 0 });
  });

  it.each([
    ['missing', (env: Record<string, string>) => without(env, 'HTTP_AUTH_SECRET_ID')],
    ['empty', (env: Record<string, string>) => ({ ...env, HTTP_AUTH_SECRET_ID: ' ' })],
  ])('answers 500 CONFIG_INVALID when HTTP_AUTH_SECRET_ID is %s, even to a valid key, naming it only in the log', async (_case, envOf) => {
    const { url } = await front({}, envOf(sandbox.env));

    const answer = await post(url, CUSTOMER_LOOKUP);

    expect(answer.status).toBe(500);
    // Before authentication a caller learns that the front cannot serve, not how it is configured.
    expect(answer.json).toStrictEqual(errorBody('CONFIG_INVALID', /the HTTP front cannot serve requests right now/));
    expect(answer.text).not.toContain('HTTP_AUTH_SECRET_ID');
    expect(sandbox.counts()).toStrictEqual(NO_REQUESTS);
    expect(recordsOf(logs.records(), 'config_invalid')).toStrictEqual([
      expect.objectContaining({ front: 'http', code: 'CONFIG_INVALID', message: expect.stringContaining('HTTP_AUTH_SECRET_ID') }),
    ]);
  });

  it("answers 500 SECRET_INVALID when the callers' secret holds keys too short to be keys, without quoting them", async () => {
    sandbox.secretsManager.putSecret(SANDBOX_HTTP_AUTH_SECRET_ID, JSON.stringify({ apiKeys: ['short-key-1'] }));
    const { url } = await front();

    // A key of a key's length: a shorter one is refused before the secret is read.
    const answer = await post(url, CUSTOMER_LOOKUP, { headers: bearer(API_KEY) });

    expect(answer.status).toBe(500);
    expect(answer.json).toStrictEqual(errorBody('SECRET_INVALID', /the HTTP front cannot serve requests right now/));
    expect(recordsOf(logs.records(), 'request_refused')).toStrictEqual([expect.objectContaining({ code: 'SECRET_INVALID', message: expect.stringContaining('at least 16 characters') })]);
    expect(answer.text).not.toContain('short-key-1');
    expect(sandbox.counts()).toMatchObject({ token: 0, upstream: 0 });
  });

  it("follows a rotation of the callers' secret once its TTL has passed: the new keys work, the removed ones fail", async () => {
    const clock = controlClock();
    const { url } = await front();
    const newApiKey = 'rotated-api-key-0000000000003';
    const newHmacKey = 'rotated-hmac-key-000000000002';
    const status = async (headers: Record<string, string>, body = JSON.stringify(FOUND)) => (await call(url, CUSTOMER_LOOKUP, { body, headers })).status;
    expect(await status(bearer(PREVIOUS_API_KEY))).toBe(200);

    // The rotation: the current key becomes the previous one, the previous one is removed, a new HMAC key replaces the old.
    sandbox.secretsManager.putSecret(SANDBOX_HTTP_AUTH_SECRET_ID, JSON.stringify({ apiKeys: [newApiKey, API_KEY], hmacKeys: [newHmacKey] }));
    const secretReads = sandbox.counts().secret;

    // Within the TTL (SECRET_TTL_SECONDS, 300 s) the cached keys still decide.
    expect(await status(bearer(newApiKey))).toBe(401);
    expect(await status(bearer(PREVIOUS_API_KEY))).toBe(200);
    expect(sandbox.counts().secret).toBe(secretReads);

    clock.advanceTo(301_000);

    expect(await status(bearer(newApiKey))).toBe(200);
    expect(await status(bearer(API_KEY))).toBe(200);
    expect(await status(bearer(PREVIOUS_API_KEY))).toBe(401);
    const body = JSON.stringify({ phoneNumber: '+61291234567' });
    expect(await status(signedHeaders(newHmacKey, body), body)).toBe(200);
    expect(await status(signedHeaders(HMAC_KEY, body), body)).toBe(401);
  });

  it('follows a rotation at once with SECRET_TTL_SECONDS=0', async () => {
    const { url } = await front({ SECRET_TTL_SECONDS: '0' });
    const newApiKey = 'rotated-api-key-0000000000003';
    expect((await post(url, CUSTOMER_LOOKUP, { headers: bearer(PREVIOUS_API_KEY) })).status).toBe(200);

    sandbox.secretsManager.putSecret(SANDBOX_HTTP_AUTH_SECRET_ID, JSON.stringify({ apiKeys: [newApiKey] }));

    expect((await post(url, CUSTOMER_LOOKUP, { headers: bearer(newApiKey) })).status).toBe(200);
    expect((await post(url, CUSTOMER_LOOKUP, { headers: bearer(PREVIOUS_API_KEY) })).status).toBe(401);
    expect((await post(url, CUSTOMER_LOOKUP, { headers: bearer(API_KEY) })).status).toBe(401);
  });
});

describe('source address allow list (HTTP_ALLOWED_SOURCE_CIDRS)', () => {
  const ALLOWED = { HTTP_ALLOWED_SOURCE_CIDRS: ' 203.0.113.0/24 , 2001:db8::/32 ' };
  const signedEvent = (sourceIp: string) => {
    const body = JSON.stringify(FOUND);
    return httpApiEvent({ body, headers: signedHeaders(HMAC_KEY, body), sourceIp, requestId: 'from-source-1' });
  };

  it.each([
    ['an IPv4 address inside a range', '203.0.113.7'],
    ['an IPv6 address inside a range', '2001:db8:0:1::5'],
    ['the IPv4-mapped IPv6 form of an address inside an IPv4 range', '::ffff:203.0.113.7'],
  ])('serves %s', async (_case, sourceIp) => {
    const { handler } = await front(ALLOWED);

    const result = await handler(signedEvent(sourceIp));

    expect([result.statusCode, JSON.parse(result.body!)]).toStrictEqual([200, ADA]);
  });

  it.each([
    ['an IPv4 address outside every range', '198.51.100.7'],
    ['an IPv6 address outside every range', '2001:db9::5'],
    ['the IPv4-mapped IPv6 form of an address outside', '::ffff:198.51.100.7'],
    ['no source address at all', undefined],
  ])('refuses %s with 403 CALLER_FORBIDDEN before anything else: no secret read, its body not even measured', async (_case, sourceIp) => {
    const { handler } = await front({ ...ALLOWED, HTTP_MAX_BODY_BYTES: '64' });
    // Valid credentials on a body over the limit: refused for its address, not authenticated, not 413.
    const event = signedEvent(sourceIp ?? '');
    event.body = JSON.stringify({ ...FOUND, note: 'x'.repeat(100) });
    if (sourceIp === undefined) delete (event.requestContext.http as { sourceIp?: string }).sourceIp;

    const result = await handler(event);

    expect([result.statusCode, JSON.parse(result.body!)]).toStrictEqual([403, errorBody('CALLER_FORBIDDEN', /requests from this source address are not accepted/, 'from-source-1')]);
    expect(sandbox.counts()).toStrictEqual(NO_REQUESTS);
    expect(recordsOf(logs.records(), 'request_refused')).toStrictEqual([
      expect.objectContaining({ code: 'CALLER_FORBIDDEN', sourceIp: sourceIp ?? null, correlationId: 'from-source-1', message: expect.stringContaining('HTTP_ALLOWED_SOURCE_CIDRS') }),
    ]);
  });

  it('checks the address of the connection over a real socket: loopback served inside 127.0.0.0/8, refused outside it', async () => {
    const { url: inside } = await front({ HTTP_ALLOWED_SOURCE_CIDRS: '127.0.0.0/8' });
    const { url: outside } = await front({ HTTP_ALLOWED_SOURCE_CIDRS: '10.0.0.0/8,::1/128' });

    const served = await post(inside, CUSTOMER_LOOKUP);
    const refused = await post(outside, CUSTOMER_LOOKUP);

    expect([served.status, served.json]).toStrictEqual([200, ADA]);
    expect(refused.status).toBe(403);
    expect(sandbox.counts()).toStrictEqual({ secret: 2, discovery: 0, token: 1, upstream: 1 });
  });

  it('serves any address when the variable is empty, as a deploy template leaves an unset parameter', async () => {
    const { handler } = await front({ HTTP_ALLOWED_SOURCE_CIDRS: '' });

    expect((await handler(signedEvent('198.51.100.7'))).statusCode).toBe(200);
  });

  it.each([
    ['a prefix too long for IPv4', '203.0.113.0/24,203.0.113.0/33', /HTTP_ALLOWED_SOURCE_CIDRS 203\.0\.113\.0\/33 is not a CIDR range: end it with \/0 to \/32/],
    ['an address without its prefix', '203.0.113.0/24,2001:db8::1', /HTTP_ALLOWED_SOURCE_CIDRS 2001:db8::1 is not a CIDR range: end it with \/0 to \/128 \(\/128 for one address\)/],
    ['a host name', '203.0.113.0/24,studio.example.com/32', /HTTP_ALLOWED_SOURCE_CIDRS studio\.example\.com\/32 is not a CIDR range: studio\.example\.com is not an IPv4 or IPv6 address/],
    ['only commas', ' , ,', /HTTP_ALLOWED_SOURCE_CIDRS holds no CIDR range/],
  ])('a bad list (%s) is CONFIG_INVALID naming the variable: 500 to everyone, the reason in the log', async (_case, cidrs, reason) => {
    const { handler } = await front({ HTTP_ALLOWED_SOURCE_CIDRS: cidrs });

    const result = await handler(signedEvent('203.0.113.7'));

    expect(result.statusCode).toBe(500);
    expect(recordsOf(logs.records(), 'config_invalid')).toStrictEqual([expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(reason) })]);
    expect(sandbox.counts()).toStrictEqual(NO_REQUESTS);
  });
});

describe("what refused callers cost Secrets Manager (the callers' secret throttled)", () => {
  const REQUESTS = 50;
  const THROTTLED = { type: 'ThrottlingException', status: 400 };
  const inWindow = () => Math.floor(Date.now() / 1000);
  /** Credentials no key could match, whatever the secret holds: checked before the secret is read. */
  const GARBAGE: Array<[string, () => Record<string, string>]> = [
    ['a key shorter than any key may be', () => bearer('garbage')],
    ['an x-api-key of one character', () => ({ 'x-api-key': 'x' })],
    ['a signature that is not 64 hex digits', () => ({ 'x-bridge-signature': 'sha256=not-a-signature', 'x-bridge-timestamp': String(inWindow()) })],
    ['a signature without its timestamp', () => ({ 'x-bridge-signature': `sha256=${'0'.repeat(64)}` })],
    ['a signature a day old', () => ({ 'x-bridge-signature': `sha256=${'0'.repeat(64)}`, 'x-bridge-timestamp': String(inWindow() - 86_400) })],
  ];

  async function sendEach(url: string, headersOf: (i: number) => Record<string, string>): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < REQUESTS; i++) statuses.push((await call(url, CUSTOMER_LOOKUP, { json: FOUND, headers: headersOf(i) })).status);
    return statuses;
  }

  it(`${REQUESTS} requests with garbage credentials: 401 each, 0 GetSecretValue calls (150 when the secret was read first)`, async () => {
    const { url } = await front();
    sandbox.secretsManager.failWith(THROTTLED);

    const statuses = await sendEach(url, (i) => GARBAGE[i % GARBAGE.length]![1]());

    expect(statuses).toStrictEqual(Array(REQUESTS).fill(401));
    expect(sandbox.counts()).toStrictEqual(NO_REQUESTS);
  });

  it(`${REQUESTS} well-formed but wrong keys: 500 each, 3 GetSecretValue calls, one fetch remembered (150 when every request fetched)`, async () => {
    const { url } = await front();
    sandbox.secretsManager.failWith(THROTTLED);

    const statuses = await sendEach(url, (i) => (i % 2 ? bearer(ALMOST_API_KEY) : signedHeaders('some-other-hmac-key-0000000', JSON.stringify(FOUND))));

    expect(statuses).toStrictEqual(Array(REQUESTS).fill(500));
    // One fetch: the bridge's 3 attempts (lib/http/retry.ts); the 49 requests after it get its failure for SECRET_FAILURE_MEMORY_MS.
    expect(sandbox.counts()).toStrictEqual({ ...NO_REQUESTS, secret: RETRY_MAX_ATTEMPTS });
  });
});

describe('routing and bodies', () => {
  it.each([
    ['customerLookup', customerLookup, FOUND, ADA],
    ['queueEstimatedWait', queueEstimatedWait, { queueId: SAMPLE_QUEUE_ID }, QUEUE_WAIT],
    ['agentState', agentState, { agentId: '1234567' }, AGENT_ON_LUNCH],
  ])('POST /actions/%s answers 200 with the same output as direct invocation', async (name, action, input, output) => {
    const { url } = await front();

    const answer = await post(url, `/actions/${name}`, { json: input });
    const direct = await invoke(createDirectHandler(action, sandbox.env), input);

    expect(answer.status).toBe(200);
    expect(answer.json).toStrictEqual(output);
    expect(direct).toStrictEqual(output);
  });

  it('answers every sample event as direct invocation does: 200 with the output, 400 INPUT_INVALID for bad input', async () => {
    const { url } = await front();
    const byName = new Map(ACTIONS.map((action) => [action.name, action]));
    const files = [
      'customerLookup.json',
      'customerLookup-notfound.json',
      'customerLookup-partial.json',
      'customerLookup-badinput.json',
      'queueEstimatedWait.json',
      'queueEstimatedWait-callback.json',
      'queueEstimatedWait-nodata.json',
      'queueEstimatedWait-badinput.json',
      'agentState.json',
      'agentState-available.json',
      'agentState-nodata.json',
      'agentState-badinput.json',
    ];

    for (const file of files) {
      const name = file.replace(/(-.*)?\.json$/, '');
      const event = sampleEvent(file);
      const answer = await post(url, `/actions/${name}`, { json: event });
      const direct = await invoke(createDirectHandler(byName.get(name)!, sandbox.env), event).then(
        (output) => ({ status: 200, json: output }),
        (error: { code: string; message: string }) => ({ status: 400, json: { error: { code: error.code, message: error.message, correlationId: expect.any(String) } } }),
      );
      expect([file, answer.status, answer.json]).toStrictEqual([file, direct.status, direct.json]);
    }
  });

  it('answers 400 INPUT_INVALID naming the field for bad input, before any token or upstream request', async () => {
    const { url } = await front();

    const answers = await Promise.all([
      post(url, '/actions/customerLookup', { json: { phoneNumber: '555 123 4567' } }),
      post(url, '/actions/queueEstimatedWait', { json: { queueId: SAMPLE_QUEUE_ID, mediaType: 'video' } }),
      post(url, '/actions/agentState', { json: { agentId: '0' } }),
      post(url, '/actions/agentState', { json: ['1234567'] }),
    ]);

    expect(answers.map(({ status }) => status)).toStrictEqual([400, 400, 400, 400]);
    expect(answers.map(({ json }) => json)).toStrictEqual([
      errorBody('INPUT_INVALID', /phoneNumber must be E\.164.*/),
      errorBody('INPUT_INVALID', /mediaType must be one of.*/),
      errorBody('INPUT_INVALID', /agentId must be a CXone agent id.*/),
      errorBody('INPUT_INVALID', /input must be a JSON object.*/),
    ]);
    expect(sandbox.counts()).toMatchObject({ discovery: 0, token: 0, upstream: 0 });
  });

  it('answers 404 ACTION_NOT_FOUND listing the actions for an unknown action', async () => {
    const { url } = await front();

    const answer = await post(url, '/actions/noSuchAction');

    expect(answer.status).toBe(404);
    expect(answer.json).toStrictEqual(errorBody('ACTION_NOT_FOUND', new RegExp(`no such action: use POST /actions/\\{name\\} with one of ${ACTIONS.map(({ name }) => name).join(', ')}`)));
    expect(ACTIONS.map(({ name }) => name)).toEqual(expect.arrayContaining(['customerLookup', 'queueEstimatedWait', 'agentState']));
    expect(sandbox.counts()).toMatchObject({ token: 0, upstream: 0 });
  });

  it.each([
    ['GET', '/actions/customerLookup'],
    ['PUT', '/actions/customerLookup'],
    ['POST', '/'],
    ['POST', '/actions'],
    ['POST', '/actions/customerLookup/extra'],
    ['POST', '/anything/actions/customerLookup'],
    ['POST', '//actions/customerLookup'],
  ] as const)('answers 404 ACTION_NOT_FOUND to %s %s', async (method, path) => {
    const { url } = await front();

    const answer = await call(url, path, { method, headers: bearer(API_KEY), ...(method !== 'GET' && { json: FOUND }) });

    expect(answer.status).toBe(404);
    expect(answer.json).toStrictEqual(errorBody('ACTION_NOT_FOUND'));
    expect(sandbox.counts()).toMatchObject({ token: 0, upstream: 0 });
  });

  it.each(['/actions/../actions/customerLookup', '/x/../actions/customerLookup', '/./actions/customerLookup', '/actions/./customerLookup'])(
    'answers 404 to the raw path %s: dot segments are not resolved into the route',
    async (path) => {
      const { handler } = await front();

      const answer = await handler(httpApiEvent({ path, headers: bearer(API_KEY), body: JSON.stringify(FOUND) }));

      expect([answer.statusCode, JSON.parse(answer.body!)]).toStrictEqual([404, errorBody('ACTION_NOT_FOUND')]);
      expect(sandbox.counts()).toMatchObject({ token: 0, upstream: 0 });
    },
  );

  it('serves /<stage>/actions/{name} when the prefix is the API Gateway stage, and 404 under any other prefix', async () => {
    const { handler } = await front();
    const stagedEvent = (path: string, stage: string) => {
      const event = httpApiEvent({ path, headers: bearer(API_KEY), body: JSON.stringify(FOUND) });
      return { ...event, requestContext: { ...event.requestContext, stage } };
    };

    const answers = await Promise.all([
      handler(stagedEvent('/prod/actions/customerLookup', 'prod')),
      handler(stagedEvent('/prod/actions/customerLookup', 'dev')),
      handler(stagedEvent('/$default/actions/customerLookup', '$default')),
      handler(stagedEvent('/actions/customerLookup', 'prod')),
    ]);

    expect(answers.map(({ statusCode }) => statusCode)).toStrictEqual([200, 404, 404, 200]);
  });

  it('does not tell an unauthenticated caller which actions exist', async () => {
    const { url } = await front();

    const answer = await call(url, '/actions/noSuchAction', { json: FOUND });

    expect(answer.status).toBe(401);
    for (const { name } of ACTIONS) expect(answer.text).not.toContain(name);
  });

  it('serves only the actions named in HTTP_ACTIONS', async () => {
    const { url } = await front({ HTTP_ACTIONS: ' customerLookup ' });

    const served = await post(url, '/actions/customerLookup');
    const hidden = await post(url, '/actions/agentState', { json: { agentId: '1234567' } });

    expect([served.status, served.json]).toStrictEqual([200, ADA]);
    expect(hidden.status).toBe(404);
    expect(hidden.json).toStrictEqual(errorBody('ACTION_NOT_FOUND', /no such action: use POST \/actions\/\{name\} with one of customerLookup/));
    expect((hidden.json as { error: { message: string } }).error.message).not.toMatch(/agentState|queueEstimatedWait/);
    expect(sandbox.cxone.api.requests).toBe(0);
  });

  it('serves every action when HTTP_ACTIONS is empty, as a deploy template leaves an unset parameter', async () => {
    const { url } = await front({ HTTP_ACTIONS: '' });

    const answer = await post(url, '/actions/agentState', { json: { agentId: '1234567' } });

    expect([answer.status, answer.json]).toStrictEqual([200, AGENT_ON_LUNCH]);
  });

  it('answers 413 INPUT_TOO_LARGE for a body over HTTP_MAX_BODY_BYTES, before reading any secret', async () => {
    const { url } = await front({ HTTP_MAX_BODY_BYTES: '64' });

    const fits = await post(url, CUSTOMER_LOOKUP, { json: { phoneNumber: '+15551234567', note: 'x'.repeat(20) } });
    const tooLarge = await post(url, CUSTOMER_LOOKUP, { json: { phoneNumber: '+15551234567', note: 'x'.repeat(60) } });

    expect(fits.status).toBe(200);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json).toStrictEqual(errorBody('INPUT_TOO_LARGE', /the request body is larger than 64 bytes/));
    expect(sandbox.counts()).toStrictEqual({ secret: 2, discovery: 0, token: 1, upstream: 1 });
  });

  it('counts the body limit (16,384 bytes by default) in UTF-8 bytes, and applies it to unauthenticated callers too', async () => {
    const { url } = await front();

    const answer = await call(url, CUSTOMER_LOOKUP, { json: { phoneNumber: '+15551234567', note: 'é'.repeat(8_200) } });

    expect(answer.status).toBe(413);
    expect(answer.json).toStrictEqual(errorBody('INPUT_TOO_LARGE', /.*16384 bytes/));
    expect(sandbox.counts()).toStrictEqual(NO_REQUESTS);
  });

  it.each([
    ['malformed JSON', '{"phoneNumber": "+15551234567"', /the request body is not valid JSON/],
    ['an empty body', '', /the request body is not valid JSON/],
    ['JSON that is not an object', '"+15551234567"', /input must be a JSON object.*/],
  ])('answers 400 INPUT_INVALID for %s', async (_case, body, message) => {
    const { url } = await front();

    const answer = await post(url, CUSTOMER_LOOKUP, { body });

    expect(answer.status).toBe(400);
    expect(answer.json).toStrictEqual(errorBody('INPUT_INVALID', message));
    expect(sandbox.counts()).toMatchObject({ token: 0, upstream: 0 });
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form encoding', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['a JSON look-alike', { 'content-type': 'application/jsonp' }],
  ])('answers 400 INPUT_INVALID for a body sent as %s', async (_case, headers) => {
    const { url } = await front();

    const answer = await post(url, CUSTOMER_LOOKUP, { body: JSON.stringify(FOUND), headers });

    expect(answer.status).toBe(400);
    expect(answer.json).toStrictEqual(errorBody('INPUT_INVALID', /send the input as a JSON object with Content-Type: application\/json/));
    expect(sandbox.counts()).toMatchObject({ token: 0, upstream: 0 });
  });

  it('answers 400 INPUT_INVALID for a body without a content type', async () => {
    const { handler } = await front();
    const event = httpApiEvent({ headers: bearer(API_KEY), body: JSON.stringify(FOUND) });
    delete event.headers['content-type'];

    const result = await handler(event);

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body!)).toStrictEqual(errorBody('INPUT_INVALID'));
  });

  it('accepts application/json with parameters and in any case', async () => {
    const { url } = await front();

    const answers = await Promise.all([
      post(url, CUSTOMER_LOOKUP, { headers: { 'content-type': 'application/json; charset=utf-8' } }),
      post(url, CUSTOMER_LOOKUP, { headers: { 'content-type': 'Application/JSON' } }),
    ]);

    expect(answers.map(({ status }) => status)).toStrictEqual([200, 200]);
  });

  it('decodes a base64 body (isBase64Encoded), and checks an HMAC signature over the decoded body', async () => {
    const { handler } = await front();
    const body = JSON.stringify(FOUND);
    const encoded = Buffer.from(body, 'utf8').toString('base64');

    const withKey = await handler(httpApiEvent({ headers: { 'Content-Type': 'application/json', ...bearer(API_KEY) }, body: encoded, isBase64Encoded: true }));
    const signed = await handler(httpApiEvent({ headers: signedHeaders(HMAC_KEY, body), body: encoded, isBase64Encoded: true }));

    expect([withKey.statusCode, JSON.parse(withKey.body!)]).toStrictEqual([200, ADA]);
    expect([signed.statusCode, JSON.parse(signed.body!)]).toStrictEqual([200, ADA]);
  });

  it('answers 502 UPSTREAM_ERROR when Genesys Cloud answers 404, naming the status and its correlation id', async () => {
    const { url } = await front();

    const answer = await post(url, '/actions/queueEstimatedWait', { json: { queueId: UNKNOWN_QUEUE_ID } });

    expect(answer.status).toBe(502);
    expect(answer.json).toStrictEqual(errorBody('UPSTREAM_ERROR', /.*\(HTTP 404, correlation id req-1\)/));
  });

  it("answers 503 CIRCUIT_OPEN at once after the callers' secret timed out 5 times in a row (Secrets Manager hung)", async () => {
    const hung = servers.track(await startFaultyServer());
    hung.otherwise(hang);
    const { handler } = await front({ AWS_ENDPOINT_URL_SECRETS_MANAGER: hung.url });
    const event = httpApiEvent({ headers: bearer(API_KEY), body: JSON.stringify(FOUND) });
    // 700 ms of Lambda time: 500 ms to read the callers' keys.
    const send = () => timed(() => handler(event, createLambdaContext('http', 700)));
    for (let i = 0; i < CIRCUIT_FAILURE_THRESHOLD; i++) await expect((await send()).outcome).resolves.toMatchObject({ statusCode: 504 });

    const { elapsedMs, outcome } = await send();

    const result = await outcome;
    expect([result.statusCode, JSON.parse(result.body!)]).toStrictEqual([503, errorBody('CIRCUIT_OPEN', /the HTTP front cannot serve requests right now.*/)]);
    expect(elapsedMs).toBeLessThan(100);
    expect(hung.requests).toBe(CIRCUIT_FAILURE_THRESHOLD);
  });

  it('answers 504 TIMEOUT when the upstream hangs past ACTION_TIMEOUT_MS', async () => {
    const hung = servers.track(await startFaultyServer());
    hung.otherwise(hang);
    const { url } = await front({ CUSTOMER_LOOKUP__UPSTREAM_BASE_URL: hung.url, ACTION_TIMEOUT_MS: '800', DEADLINE_MARGIN_MS: '100' });
    const startedAt = Date.now();

    const answer = await post(url, CUSTOMER_LOOKUP);

    expect(answer.status).toBe(504);
    expect(answer.json).toStrictEqual(errorBody('TIMEOUT', /upstream request timed out.*/));
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(hung.requests).toBe(1);
  });

  it('answers 502 OUTPUT_TOO_LARGE when the output is over MAX_OUTPUT_BYTES, never a truncation', async () => {
    const { url } = await front({ CUSTOMER_LOOKUP__MAX_OUTPUT_BYTES: '64' });

    const answer = await post(url, CUSTOMER_LOOKUP);

    expect(answer.status).toBe(502);
    expect(answer.json).toStrictEqual(errorBody('OUTPUT_TOO_LARGE', /customerLookup output is \d+ bytes, over MAX_OUTPUT_BYTES \(64\).*/));
    expect(answer.text).not.toContain('Ada');
  });
});

describe('correlation ids and response headers', () => {
  it.each([
    ['ININ-Correlation-Id', { 'ININ-Correlation-Id': 'genesys-corr-1' }, 'genesys-corr-1'],
    ['x-correlation-id', { 'x-correlation-id': 'caller-corr-2' }, 'caller-corr-2'],
    ['ININ-Correlation-Id over x-correlation-id', { 'x-correlation-id': 'caller-corr-2', 'inin-correlation-id': 'genesys-corr-1' }, 'genesys-corr-1'],
  ])('takes the correlation id from %s and echoes it in the error body and the x-correlation-id header', async (_case, headers, expected) => {
    const { url } = await front();

    const refused = await call(url, CUSTOMER_LOOKUP, { json: FOUND, headers });
    const served = await post(url, CUSTOMER_LOOKUP, { headers });

    expect(refused.status).toBe(401);
    expect(refused.json).toStrictEqual(errorBody('CALLER_UNAUTHENTICATED', /.*/, expected));
    expect(refused.headers['x-correlation-id']).toBe(expected);
    expect(served.status).toBe(200);
    expect(served.headers['x-correlation-id']).toBe(expected);
    expect(recordsOf(logs.records(), 'invocation')).toStrictEqual([expect.objectContaining({ action: 'customerLookup', outcome: 'ok', correlationId: expected })]);
    expect(recordsOf(logs.records(), 'request_refused')).toStrictEqual([expect.objectContaining({ code: 'CALLER_UNAUTHENTICATED', correlationId: expected })]);
  });

  it.each([
    ['a bearer token', { 'x-correlation-id': 'Bearer abc.def' }],
    ['text with spaces', { 'inin-correlation-id': 'drop table users' }],
    ['129 characters', { 'x-correlation-id': 'a'.repeat(129) }],
    ['markup', { 'x-correlation-id': '<script>' }],
  ])('drops a caller correlation id that is not shaped like an id (%s) and uses the request id', async (_case, headers) => {
    const { handler } = await front();

    const result = await handler(httpApiEvent({ body: JSON.stringify({ phoneNumber: 'nope' }), headers: { ...bearer(API_KEY), ...headers }, requestId: 'apigw-req-456' }));

    expect(JSON.parse(result.body!)).toStrictEqual(errorBody('INPUT_INVALID', /.*/, 'apigw-req-456'));
    expect(result.headers?.['x-correlation-id']).toBe('apigw-req-456');
    expect(logs.lines.join('\n')).not.toContain(Object.values(headers)[0]);
  });

  it("falls back to API Gateway's requestContext.requestId", async () => {
    const { handler, url } = await front();

    const result = await handler(httpApiEvent({ body: JSON.stringify({ phoneNumber: 'nope' }), headers: bearer(API_KEY), requestId: 'apigw-req-123' }));
    const overSocket = await post(url, CUSTOMER_LOOKUP, { json: { phoneNumber: 'nope' } });

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body!)).toStrictEqual(errorBody('INPUT_INVALID', /.*/, 'apigw-req-123'));
    expect(result.headers?.['x-correlation-id']).toBe('apigw-req-123');
    // serveHttpFront gives each request a UUID as API Gateway would.
    const echoed = overSocket.headers['x-correlation-id'];
    expect(echoed).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((overSocket.json as { error: { correlationId: string } }).error.correlationId).toBe(echoed);
  });

  it('answers with Content-Type application/json and Cache-Control no-store, whatever the status', async () => {
    const { url } = await front({ HTTP_MAX_BODY_BYTES: '256', QUEUE_ESTIMATED_WAIT__MAX_OUTPUT_BYTES: '16' });
    const { url: misconfigured } = await front({}, without(sandbox.env, 'HTTP_AUTH_SECRET_ID'));

    const answers = await Promise.all([
      post(url, CUSTOMER_LOOKUP),
      post(url, CUSTOMER_LOOKUP, { json: { phoneNumber: '1' } }),
      call(url, CUSTOMER_LOOKUP, { json: FOUND }),
      post(url, '/actions/nothing'),
      post(url, CUSTOMER_LOOKUP, { json: { phoneNumber: 'x'.repeat(300) } }),
      post(misconfigured, CUSTOMER_LOOKUP),
      post(url, '/actions/queueEstimatedWait', { json: { queueId: UNKNOWN_QUEUE_ID } }),
      post(url, '/actions/queueEstimatedWait', { json: { queueId: SAMPLE_QUEUE_ID } }),
    ]);

    expect(answers.map(({ status }) => status)).toStrictEqual([200, 400, 401, 404, 413, 500, 502, 502]);
    for (const { headers } of answers) {
      expect(headers['content-type']).toBe('application/json');
      expect(headers['cache-control']).toBe('no-store');
    }
  });

  it('logs an unexpected failure before the action runs at error level with its cause, and answers 500 without details', async () => {
    const { handler } = await front();
    const body = JSON.stringify(FOUND);
    const event = httpApiEvent({ headers: signedHeaders(HMAC_KEY, body), body, requestId: 'broken-event-1' });
    // An event no API Gateway sends: a method that is not a string breaks signature checking.
    const broken = { ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: 42 as unknown as string } } };

    const result = await handler(broken);

    expect([result.statusCode, JSON.parse(result.body!)]).toStrictEqual([500, errorBody('INTERNAL_ERROR', /the HTTP front cannot serve requests right now.*/, 'broken-event-1')]);
    expect(recordsOf(logs.records(), 'internal_error')).toStrictEqual([
      expect.objectContaining({ level: 'error', front: 'http', correlationId: 'broken-event-1', err: expect.objectContaining({ name: 'TypeError', stack: expect.any(String) }) }),
    ]);
  });

  it('builds a structured API Gateway result', async () => {
    const { handler } = await front();

    const result: APIGatewayProxyStructuredResultV2 = await handler(httpApiEvent({ headers: { 'X-Correlation-Id': 'mixed-case-1', ...bearer(API_KEY) }, body: JSON.stringify(FOUND) }));

    expect(result).toStrictEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-correlation-id': 'mixed-case-1' },
      body: JSON.stringify(ADA),
    });
  });
});

describe('secrets stay out of responses and logs', () => {
  it('never shows an API key, HMAC key, client secret, access key secret or token in a response or a log line', async () => {
    const { url } = await front({ LOG_LEVEL: 'debug' });
    const signedBody = JSON.stringify({ phoneNumber: '+61291234567' });
    const signed = signedHeaders(HMAC_KEY, signedBody);

    const answers = [
      await post(url, CUSTOMER_LOOKUP),
      await call(url, CUSTOMER_LOOKUP, { json: FOUND, headers: { 'x-api-key': PREVIOUS_API_KEY } }),
      await call(url, CUSTOMER_LOOKUP, { json: FOUND, headers: bearer(ALMOST_API_KEY) }),
      await call(url, CUSTOMER_LOOKUP, { json: FOUND, headers: bearer(HMAC_KEY) }),
      await call(url, CUSTOMER_LOOKUP, { body: signedBody, headers: signed }),
      await call(url, CUSTOMER_LOOKUP, { body: signedBody, headers: signed }),
      await call(url, CUSTOMER_LOOKUP, { json: FOUND, headers: signedHeaders(HMAC_KEY, '{}') }),
      await post(url, '/actions/queueEstimatedWait', { json: { queueId: SAMPLE_QUEUE_ID, mediaType: 'chat' } }),
      await post(url, '/actions/queueEstimatedWait', { json: { queueId: UNKNOWN_QUEUE_ID } }),
      await post(url, '/actions/agentState', { json: { agentId: '1234567' } }),
      await post(url, '/actions/agentState', { json: { agentId: '12 34' } }),
      await post(url, '/actions/nothing'),
    ];

    const tokens = [...sandbox.customerApi.authorizations, ...sandbox.genesys.api.authorizations, ...sandbox.cxone.api.authorizations].map((value) =>
      String(value).replace(/^Bearer /, ''),
    );
    expect(new Set(tokens).size).toBeGreaterThanOrEqual(3);
    const secrets = [
      ...SANDBOX_HTTP_KEYS.apiKeys,
      ...SANDBOX_HTTP_KEYS.hmacKeys,
      ALMOST_API_KEY,
      SANDBOX_CLIENT.clientSecret,
      SANDBOX_GENESYS_CLIENT.clientSecret,
      SANDBOX_CXONE_CLIENT.clientSecret,
      SANDBOX_CXONE_ACCESS_KEY.accessKeySecret,
      ...tokens,
    ];
    const seen = [...answers.map(({ text, headers }) => `${text}\n${JSON.stringify(headers)}`), ...logs.lines];
    expect(answers.map(({ status }) => status)).toStrictEqual([200, 200, 401, 401, 200, 200, 401, 200, 502, 200, 400, 404]);
    expect(logs.lines.length).toBeGreaterThan(10);
    for (const text of seen) {
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/sandbox-at-[0-9a-f]{32}/);
    }
  });
});

describe('the init warm-up (lib/runtime/invocation.ts warmUpAtInit)', () => {
  /** The empty-object parses precompileSchemas makes on each action's input schema. */
  function spyOnInputCompiles() {
    return ACTIONS.map((action) => jest.spyOn(action.input, 'safeParse'));
  }
  const compiles = (spy: jest.SpyInstance) => spy.mock.calls.filter(([input]) => JSON.stringify(input) === '{}').length;
  afterEach(() => jest.restoreAllMocks());

  it("in Lambda, compiles every routable action's schemas when the front is built, not in the request that builds an action's runner", async () => {
    const spies = spyOnInputCompiles();
    const { handler } = await front({ AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', HTTP_ACTIONS: 'customerLookup,agentState' });

    expect(spies.map(compiles)).toStrictEqual(ACTIONS.map((action) => (['customerLookup', 'agentState'].includes(action.name) ? 1 : 0)));
    const answer = await handler(httpApiEvent({ path: CUSTOMER_LOOKUP, headers: { authorization: `Bearer ${API_KEY}` }, body: JSON.stringify(FOUND) }));
    expect(answer.statusCode).toBe(200);
    expect(spies.map(compiles)).toStrictEqual(ACTIONS.map((action) => (['customerLookup', 'agentState'].includes(action.name) ? 1 : 0)));
  });

  it('outside Lambda, compiles nothing ahead', async () => {
    const spies = spyOnInputCompiles();
    await front();

    expect(spies.map(compiles)).toStrictEqual(ACTIONS.map(() => 0));
  });
});

describe('actions on one connection share its token pool in the HTTPS front', () => {
  /** customerLookup again under another name: an integrator's second action on the same API and client. */
  const customerLookupTwin = defineAction({ ...customerLookup, name: 'customerLookupTwin' });

  it('two actions on the same connection: one secret fetch and one token request between them', async () => {
    const handler = createHttpHandler([customerLookup, customerLookupTwin], sandbox.env);
    const server = servers.track(await serveHttpFront(handler));

    expect((await post(server.url, CUSTOMER_LOOKUP)).json).toStrictEqual(ADA);
    expect((await post(server.url, '/actions/customerLookupTwin')).json).toStrictEqual(ADA);

    // The callers' keys and the connection's secret: one each; one token for both actions.
    expect(sandbox.secretsManager.requests).toBe(2);
    expect(sandbox.tokenEndpoint.requests).toBe(1);
  });

  it('an action on a connection of its own (another client, scoped settings): its own secret and token', async () => {
    const env = { ...sandbox.env, CUSTOMER_LOOKUP_TWIN__SECRET_ID: 'data-action-bridge/sandbox-twin' };
    sandbox.secretsManager.putSecret('data-action-bridge/sandbox-twin', JSON.stringify(SANDBOX_CLIENT));
    const handler = createHttpHandler([customerLookup, customerLookupTwin], env);
    const server = servers.track(await serveHttpFront(handler));

    expect((await post(server.url, CUSTOMER_LOOKUP)).json).toStrictEqual(ADA);
    expect((await post(server.url, '/actions/customerLookupTwin')).json).toStrictEqual(ADA);

    expect(sandbox.secretsManager.requests).toBe(3);
    expect(sandbox.tokenEndpoint.requests).toBe(2);
  });
});

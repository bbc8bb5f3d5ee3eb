import * as z from 'zod';
import mapping from '../lib/actions/queueEstimatedWait/mapping.json';
import { actionEnv, actionEnvPrefix, defineAction, isIdempotent, path, type AnyAction, type HttpMethod } from '../lib/action';
import { agentState, summariseAgentState } from '../lib/actions/agentState/action';
import { startCxoneApiStandIn } from '../lib/actions/agentState/standIn';
import { customerLookup } from '../lib/actions/customerLookup/action';
import { DOCUMENTED_FORMULAS, queueEstimatedWait } from '../lib/actions/queueEstimatedWait/action';
import { createDirectHandler } from '../lib/front/directInvoke';
import { jsonataTransform, type JsonataMapping } from '../lib/jsonataTransform';
import { AI_SAMPLE_QUEUE_ID, startGenesysApiStandIn, SAMPLE_QUEUE_ID } from '../lib/actions/queueEstimatedWait/standIn';
import type { Sandbox } from '../lib/sandbox/sandbox';
import { joinUrl } from '../lib/url';
import type { CapturedLogs } from './setup/logs';
import { invoke, recordsOf } from './support/bridge';
import { sampleEventFiles, NO_REQUESTS, rescoped, sampleEvent, withoutScopedVariables, useSandbox } from './support/sandboxProcess';
import { jsonReply, startFaultyServer } from './support/faultyServer';
import { Servers, startRecordingProxy } from './support/standIns';

/**
 * The two platform actions (docs/design.md §8): queueEstimatedWait on Genesys Cloud and agentState on
 * NICE CXone, through the real direct-invoke front against the sandbox's loopback
 * stand-ins, each configured only by its action-scoped variables
 * (QUEUE_ESTIMATED_WAIT__SECRET_ID, AGENT_STATE__CXONE_ISSUER …); customerLookup's money
 * checks over a real socket. Then the parts every action is declared with: JSONata mappings
 * and their limits, flat contracts, scoped environments, idempotency defaults and encoded paths.
 */

const UNKNOWN_QUEUE_ID = 'b1b2b3b4-c5c6-4d7d-8e8e-9f9f9f9f9f9f';
const CONVERSATION_ID = '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const LABEL_ID = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';

type Expected = { output: unknown } | { error: { name: string; code: string; message: string } };

/** Every sample event of the two platform actions and exactly what it answers. */
const SAMPLE_ANSWERS: Record<string, Expected> = {
  'queueEstimatedWait.json': { output: { available: true, estimatedWaitSeconds: 95, mediaType: 'all', formula: 'BEST' } },
  'queueEstimatedWait-callback.json': { output: { available: true, estimatedWaitSeconds: 95, mediaType: 'callback', formula: 'BEST' } },
  'queueEstimatedWait-nodata.json': { output: { available: false } },
  'queueEstimatedWait-aiadjusted.json': { output: { available: true, estimatedWaitSeconds: 240, mediaType: 'call', formula: 'AI-ADJUSTED-AHT' } },
  'queueEstimatedWait-badinput.json': {
    error: { name: 'InputError', code: 'INPUT_INVALID', message: 'INPUT_INVALID: queueId must be a Genesys Cloud queue id (a UUID)' },
  },
  'agentState.json': { output: { found: true, agentId: '1234567', state: 'Unavailable', reason: 'Lunch', since: '2026-11-26T12:01:30.000Z' } },
  'agentState-available.json': { output: { found: true, agentId: '7654321', state: 'Available', since: '2026-11-26T08:00:00.000Z' } },
  'agentState-nodata.json': { output: { found: false } },
  'agentState-badinput.json': {
    error: { name: 'InputError', code: 'INPUT_INVALID', message: 'INPUT_INVALID: agentId must be a CXone agent id (a positive whole number, e.g. "1234567")' },
  },
};

const servers = new Servers();
const hooks = useSandbox(servers);
let logs: CapturedLogs;
let sandbox: Sandbox;
beforeEach(() => {
  ({ sandbox, logs } = hooks.current());
});

/** A cold container of `action`, configured by the sandbox env and its scoped variables. */
function coldContainer(action: AnyAction, overrides: Record<string, string> = {}) {
  return createDirectHandler(action, { ...sandbox.env, ...overrides });
}

/** queueEstimatedWait with its upstream behind a proxy that records the paths the bridge sent. */
async function queueWaitBehindProxy() {
  const proxy = servers.track(await startRecordingProxy(sandbox.genesys.api.url));
  const handler = coldContainer(queueEstimatedWait, { QUEUE_ESTIMATED_WAIT__UPSTREAM_BASE_URL: proxy.url });
  return { proxy, handler };
}

describe('sample events (lib/actions/queueEstimatedWait/events, lib/actions/agentState/events)', () => {
  it('covers every sample event file of the two platform actions', () => {
    const files = [...sampleEventFiles('queueEstimatedWait'), ...sampleEventFiles('agentState')];

    expect(files.sort()).toStrictEqual(Object.keys(SAMPLE_ANSWERS).sort());
  });

  it.each(Object.entries(SAMPLE_ANSWERS))('%s answers exactly as expected', async (file, expected) => {
    const action = file.startsWith('agentState') ? agentState : queueEstimatedWait;

    const answer = invoke(coldContainer(action), sampleEvent(file));

    if ('output' in expected) await expect(answer).resolves.toStrictEqual(expected.output);
    else await expect(answer).rejects.toMatchObject(expected.error);
  });

  it('answers all of one action\'s events from one container: one secret, one token, one upstream request per valid event', async () => {
    const queueHandler = coldContainer(queueEstimatedWait);
    for (const file of ['queueEstimatedWait.json', 'queueEstimatedWait-callback.json', 'queueEstimatedWait-nodata.json']) await invoke(queueHandler, sampleEvent(file));

    expect(sandbox.counts()).toStrictEqual({ secret: 1, discovery: 0, token: 1, upstream: 3 });
    expect(sandbox.genesys.tokenEndpoint.requests).toBe(1);
    expect(sandbox.genesys.api.requests).toBe(3);

    const agentHandler = coldContainer(agentState);
    for (const file of ['agentState.json', 'agentState-available.json', 'agentState-nodata.json']) await invoke(agentHandler, sampleEvent(file));

    expect(sandbox.counts()).toStrictEqual({ secret: 2, discovery: 2, token: 2, upstream: 6 });
    expect(sandbox.cxone.api.requests).toBe(3);
    expect(sandbox.customerApi.requests).toBe(0);
  });
});

describe('queueEstimatedWait (Genesys Cloud)', () => {
  it('calls the per-media endpoint when mediaType is given, and the queue endpoint otherwise', async () => {
    const { proxy, handler } = await queueWaitBehindProxy();

    await expect(invoke(handler, { queueId: SAMPLE_QUEUE_ID, mediaType: 'callback' })).resolves.toStrictEqual({
      available: true,
      estimatedWaitSeconds: 95,
      mediaType: 'callback',
      formula: 'BEST',
    });
    await expect(invoke(handler, { queueId: SAMPLE_QUEUE_ID })).resolves.toMatchObject({ mediaType: 'all' });

    expect(proxy.requests.map(({ method, path: sent }) => `${method} ${sent}`)).toStrictEqual([
      `GET /api/v2/routing/queues/${SAMPLE_QUEUE_ID}/mediatypes/callback/estimatedwaittime`,
      `GET /api/v2/routing/queues/${SAMPLE_QUEUE_ID}/estimatedwaittime`,
    ]);
    expect(sandbox.genesys.api.requests).toBe(2);
  });

  it('sends conversationId on the queue path and labelId on the media-type path, and no query without them', async () => {
    const { proxy, handler } = await queueWaitBehindProxy();

    await invoke(handler, { queueId: SAMPLE_QUEUE_ID, conversationId: CONVERSATION_ID });
    await invoke(handler, { queueId: SAMPLE_QUEUE_ID, mediaType: 'call', labelId: LABEL_ID });
    await invoke(handler, { queueId: SAMPLE_QUEUE_ID });
    await invoke(handler, { queueId: SAMPLE_QUEUE_ID, mediaType: 'videoComm' });
    // A flow that passes conversationId with mediaType is served; the media-type path does not take it, so it is not sent.
    await invoke(handler, { queueId: SAMPLE_QUEUE_ID, mediaType: 'chat', conversationId: CONVERSATION_ID });

    expect(proxy.requests.map(({ path: sent }) => sent)).toStrictEqual([
      `/api/v2/routing/queues/${SAMPLE_QUEUE_ID}/estimatedwaittime?conversationId=${CONVERSATION_ID}`,
      `/api/v2/routing/queues/${SAMPLE_QUEUE_ID}/mediatypes/call/estimatedwaittime?labelId=${LABEL_ID}`,
      `/api/v2/routing/queues/${SAMPLE_QUEUE_ID}/estimatedwaittime`,
      `/api/v2/routing/queues/${SAMPLE_QUEUE_ID}/mediatypes/videoComm/estimatedwaittime`,
      `/api/v2/routing/queues/${SAMPLE_QUEUE_ID}/mediatypes/chat/estimatedwaittime`,
    ]);
  });

  it.each(['all', 'call', 'callback', 'chat', 'email', 'message', 'videoComm'])('accepts the media type %s, as the API lists it', async (mediaType) => {
    await expect(invoke(coldContainer(queueEstimatedWait), { queueId: SAMPLE_QUEUE_ID, mediaType })).resolves.toMatchObject({ available: true });
  });

  it('trims the queue id before it reaches the path', async () => {
    const { proxy, handler } = await queueWaitBehindProxy();

    await expect(invoke(handler, { queueId: ` ${SAMPLE_QUEUE_ID}\t` })).resolves.toMatchObject({ available: true });

    expect(proxy.requests[0]?.path).toBe(`/api/v2/routing/queues/${SAMPLE_QUEUE_ID}/estimatedwaittime`);
  });

  it('percent-encodes the queue id and media type into the path', () => {
    // Straight to the request builder, past input validation, to see the encoding itself.
    const spec = queueEstimatedWait.request({ queueId: 'a/b?c#d e', mediaType: 'call/../x' as 'call' });

    expect(spec.path).toBe('/api/v2/routing/queues/a%2Fb%3Fc%23d%20e/mediatypes/call%2F..%2Fx/estimatedwaittime');
    expect(spec.method).toBe('GET');
  });

  it.each([
    ['a queue id that is not a UUID', { queueId: 'not-a-queue-id' }, /^INPUT_INVALID: queueId must be a Genesys Cloud queue id \(a UUID\)$/],
    ['a queue id with a path in it', { queueId: `${SAMPLE_QUEUE_ID}/../other` }, /queueId must be a Genesys Cloud queue id/],
    ['no queue id', {}, /^INPUT_INVALID: queueId is required$/],
    ['a numeric queue id', { queueId: 42 }, /^INPUT_INVALID: queueId must be a string$/],
    ['an unknown media type', { queueId: SAMPLE_QUEUE_ID, mediaType: 'video' }, /^INPUT_INVALID: mediaType must be one of all, call, callback, chat, email, message, videoComm$/],
    ['a label id without a media type', { queueId: SAMPLE_QUEUE_ID, labelId: LABEL_ID }, /^INPUT_INVALID: labelId applies only with mediaType$/],
    ['a label id that is not a UUID', { queueId: SAMPLE_QUEUE_ID, mediaType: 'chat', labelId: 'vip' }, /^INPUT_INVALID: labelId must be a UUID$/],
    ['a conversation id that is not a UUID', { queueId: SAMPLE_QUEUE_ID, conversationId: 'conv-1' }, /^INPUT_INVALID: conversationId must be a UUID$/],
    ['a string instead of an object', 'queue', /^INPUT_INVALID: input must be a JSON object/],
    ['null', null, /^INPUT_INVALID: input must be a JSON object/],
    ['an array', [SAMPLE_QUEUE_ID], /^INPUT_INVALID: input must be a JSON object/],
  ])('refuses %s with INPUT_INVALID naming the field, before any request', async (_case, input, message) => {
    await expect(invoke(coldContainer(queueEstimatedWait), input)).rejects.toMatchObject({ name: 'InputError', code: 'INPUT_INVALID', message: expect.stringMatching(message) });

    expect(sandbox.counts()).toStrictEqual(NO_REQUESTS);
  });

  it('reports a queue Genesys Cloud does not know as UPSTREAM_ERROR naming HTTP 404 and the inin-correlation-id', async () => {
    const handler = coldContainer(queueEstimatedWait);

    await expect(invoke(handler, { queueId: UNKNOWN_QUEUE_ID })).rejects.toMatchObject({
      name: 'UpstreamError',
      code: 'UPSTREAM_ERROR',
      status: 404,
      upstreamCorrelationId: 'req-1',
      message: expect.stringMatching(/^UPSTREAM_ERROR: .*\(HTTP 404, correlation id req-1\)$/),
    });

    // A 404 is an answer, not an outage: sent once, never retried.
    expect(sandbox.genesys.api.requests).toBe(1);
    const [line] = recordsOf(logs.records(), 'invocation');
    expect(line).toMatchObject({ action: 'queueEstimatedWait', outcome: 'error', code: 'UPSTREAM_ERROR', upstreamStatus: 404, upstreamCorrelationId: 'req-1' });
  });

  it('passes the newer formulas through from Genesys: AI-ADJUSTED-AHT from the sample queue, POSITION-IN-QUEUE per media type', async () => {
    await expect(invoke(coldContainer(queueEstimatedWait), { queueId: AI_SAMPLE_QUEUE_ID })).resolves.toStrictEqual({
      available: true,
      estimatedWaitSeconds: 240,
      mediaType: 'call',
      formula: 'AI-ADJUSTED-AHT',
    });
    const genesysApi = servers.track(
      await startGenesysApiStandIn(sandbox.genesys.tokenEndpoint.isValid, { [SAMPLE_QUEUE_ID]: { results: [{ intent: 'CALLBACK', formula: 'POSITION-IN-QUEUE', estimatedWaitTimeSeconds: 600 }] } }),
    );
    const handler = coldContainer(queueEstimatedWait, { QUEUE_ESTIMATED_WAIT__UPSTREAM_BASE_URL: genesysApi.url });

    await expect(invoke(handler, { queueId: SAMPLE_QUEUE_ID, mediaType: 'callback' })).resolves.toStrictEqual({
      available: true,
      estimatedWaitSeconds: 600,
      mediaType: 'callback',
      formula: 'POSITION-IN-QUEUE',
    });
  });

  it('answers { available: false } for a queue whose only prediction has a null wait, rather than OUTPUT_INVALID', async () => {
    const genesysApi = servers.track(
      await startGenesysApiStandIn(sandbox.genesys.tokenEndpoint.isValid, { [SAMPLE_QUEUE_ID]: { results: [{ intent: 'CALL', formula: 'BEST', estimatedWaitTimeSeconds: null }] } }),
    );
    const handler = coldContainer(queueEstimatedWait, { QUEUE_ESTIMATED_WAIT__UPSTREAM_BASE_URL: genesysApi.url });

    await expect(invoke(handler, { queueId: SAMPLE_QUEUE_ID })).resolves.toStrictEqual({ available: false });
  });

  it('refuses AUTH_PLATFORM=oauth2 (with a TOKEN_URL) with CONFIG_INVALID naming AUTH_PLATFORM, before any request', async () => {
    const handler = coldContainer(queueEstimatedWait, {
      QUEUE_ESTIMATED_WAIT__AUTH_PLATFORM: 'oauth2',
      QUEUE_ESTIMATED_WAIT__TOKEN_URL: sandbox.tokenEndpoint.tokenUrl,
    });

    await expect(invoke(handler, { queueId: SAMPLE_QUEUE_ID })).rejects.toMatchObject({
      name: 'ConfigError',
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/AUTH_PLATFORM must be genesys-cloud/),
    });
    // Every invocation reports it; the cold start logged it once.
    await expect(invoke(handler, { queueId: SAMPLE_QUEUE_ID })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });

    expect(sandbox.counts()).toStrictEqual(NO_REQUESTS);
    expect(recordsOf(logs.records(), 'config_invalid')).toStrictEqual([expect.objectContaining({ action: 'queueEstimatedWait', code: 'CONFIG_INVALID' })]);
  });

  it('refuses a DEADLINE_MARGIN_MS that leaves no time inside the action\'s own 3 s timeout, before any request', async () => {
    const handler = coldContainer(queueEstimatedWait, { DEADLINE_MARGIN_MS: '3000' });

    await expect(invoke(handler, { queueId: SAMPLE_QUEUE_ID })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining("DEADLINE_MARGIN_MS must be smaller than the action's own timeout (3000 ms)"),
    });
    expect(sandbox.counts()).toStrictEqual(NO_REQUESTS);
  });

  it('is configured only by its scoped variables: without them it sees the function\'s oauth2 settings and refuses them', async () => {
    const handler = createDirectHandler(queueEstimatedWait, withoutScopedVariables(sandbox.env, 'queueEstimatedWait'));

    await expect(invoke(handler, { queueId: SAMPLE_QUEUE_ID })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('AUTH_PLATFORM') });

    expect(sandbox.counts()).toStrictEqual(NO_REQUESTS);
  });
});

describe('customerLookup: money from the upstream (docs/design.md §12)', () => {
  /** A cold customerLookup container whose upstream answers one customer with these orders. */
  async function customerWithOrders(orders: unknown[]) {
    const upstream = servers.track(await startFaultyServer());
    upstream.otherwise(jsonReply(200, { data: [{ id: 'c-1', orders }] }, { 'x-request-id': 'money-1' }));
    return coldContainer(customerLookup, { CUSTOMER_LOOKUP__UPSTREAM_BASE_URL: upstream.url });
  }

  it('refuses three orders of 40,000,000,000,000.01 (a floating-point sum said 120,000,000,000,000.05): UPSTREAM_INVALID_RESPONSE naming the orders', async () => {
    const handler = await customerWithOrders(Array.from({ length: 3 }, (_, i) => ({ id: `o-${i}`, total: 40_000_000_000_000.01 })));

    await expect(invoke(handler, { phoneNumber: '+15551234567' })).rejects.toMatchObject({
      code: 'UPSTREAM_INVALID_RESPONSE',
      status: 200,
      message: expect.stringContaining('data.orders: the totals sum to more than 90071992547409.91 (Number.MAX_SAFE_INTEGER cents), too large for lifetimeValue (HTTP 200, correlation id money-1)'),
    });
  });

  it('refuses a negative order total: UPSTREAM_INVALID_RESPONSE naming the field', async () => {
    const handler = await customerWithOrders([{ id: 'o-1', total: 120.5 }, { id: 'o-2', total: -79.25 }]);

    await expect(invoke(handler, { phoneNumber: '+15551234567' })).rejects.toMatchObject({
      code: 'UPSTREAM_INVALID_RESPONSE',
      message: expect.stringContaining('data.orders.1.total: total must not be negative'),
    });
  });

  it('answers a lifetime value of exactly Number.MAX_SAFE_INTEGER cents', async () => {
    const handler = await customerWithOrders([{ total: 30_023_997_515_803.3 }, { total: 30_023_997_515_803.3 }, { total: 30_023_997_515_803.31 }]);

    await expect(invoke(handler, { phoneNumber: '+15551234567' })).resolves.toStrictEqual({ found: true, customerId: 'c-1', orderCount: 3, lifetimeValue: 90_071_992_547_409.91 });
  });
});

describe('agentState (NICE CXone)', () => {
  it('calls the agent states endpoint of the tenant\'s api_endpoint, discovered once per container', async () => {
    const handler = coldContainer(agentState);

    const concurrent = await Promise.all([invoke(handler, { agentId: '1234567' }), invoke(handler, { agentId: '7654321' }), invoke(handler, { agentId: '9999999' })]);
    await invoke(handler, { agentId: '1234567' });

    expect(concurrent.map((output) => (output as { found: boolean }).found)).toStrictEqual([true, true, false]);
    // One OpenID configuration and one cxone-configuration, shared by concurrent invocations.
    expect(sandbox.counts()).toStrictEqual({ secret: 1, discovery: 2, token: 1, upstream: 4 });
    expect(sandbox.cxone.api.requests).toBe(4);

    await invoke(coldContainer(agentState), { agentId: '1234567' });

    // A new container discovers again.
    expect(sandbox.counts()).toMatchObject({ discovery: 4 });
  });

  it("answers { found: false } for an agent CXone's list does not hold", async () => {
    await expect(invoke(coldContainer(agentState), { agentId: '9999999' })).resolves.toStrictEqual({ found: false });

    expect(sandbox.cxone.api.requests).toBe(1);
  });

  it('answers { found: false } when CXone answers 204 No Content', async () => {
    const cxoneApi = servers.track(await startCxoneApiStandIn(sandbox.cxone.tokenEndpoint.isValid, []));

    await expect(invoke(coldContainer(agentState, { AGENT_STATE__UPSTREAM_BASE_URL: cxoneApi.url }), { agentId: '1234567' })).resolves.toStrictEqual({ found: false });

    expect(cxoneApi.requests).toBe(1);
  });

  it('trims the agent id', async () => {
    await expect(invoke(coldContainer(agentState), { agentId: ' 1234567 ' })).resolves.toMatchObject({ found: true, agentId: '1234567' });
  });

  it("asks for every agent's state where NICE's agent SDK does: GET /InContactAPI/services/v27.0/cache/agentstate, the fields it reads, updatedSince the epoch", async () => {
    const proxy = servers.track(await startRecordingProxy(sandbox.cxone.api.url));

    await invoke(coldContainer(agentState, { AGENT_STATE__UPSTREAM_BASE_URL: proxy.url }), { agentId: '7654321' });

    expect(proxy.requests.map(({ method, path }) => `${method} ${path}`)).toStrictEqual([
      'GET /InContactAPI/services/v27.0/cache/agentstate?fields=agentId%2CagentStateName%2CoutStateCode%2CoutStateDescription%2CstartDate%2ClastUpdateTime&updatedSince=1970-01-01T00%3A00%3A00.000Z',
    ]);
    // The agent id never reaches the URL: the same request serves every agent.
    expect(agentState.request({ agentId: '1/../2?x#y' })).toStrictEqual(agentState.request({ agentId: '1234567' }));
  });

  it("picks the agent by id from CXone's list, whether the id comes as a number or a string, and reads the SDK model's fields", () => {
    const response = {
      resultSet: {
        agentState: [
          { agentId: 1, agentStateName: 'Available', outStateCode: 0, outStateDescription: '', startDate: '2026-11-26T08:00:00.000Z' },
          { agentId: '2', agentStateName: 'Unavailable', outStateCode: '7', outStateDescription: ' Training ', startDate: null, lastUpdateTime: '2026-11-26T09:15:00.000Z' },
          { agentId: 3, agentStateName: 'Working' },
        ],
      },
    };
    const parsed = agentState.response.parse(response);

    expect(summariseAgentState(parsed, { agentId: '1' })).toStrictEqual({ found: true, agentId: '1', state: 'Available', since: '2026-11-26T08:00:00.000Z' });
    expect(summariseAgentState(parsed, { agentId: '2' })).toStrictEqual({ found: true, agentId: '2', state: 'Unavailable', reason: 'Training', since: '2026-11-26T09:15:00.000Z' });
    expect(summariseAgentState(parsed, { agentId: '3' })).toStrictEqual({ found: true, agentId: '3', state: 'Working' });
    expect(summariseAgentState(parsed, { agentId: '4' })).toStrictEqual({ found: false });
    expect(summariseAgentState(agentState.response.parse({ resultSet: { agentState: [] } }), { agentId: '1' })).toStrictEqual({ found: false });
    expect(agentState.response.safeParse({ resultSet: { agentState: [{ agentId: 1, agentStateName: '' }] } }).success).toBe(false);
  });

  it.each([
    ['an id with spaces', { agentId: '12 34' }, /agentId must be a CXone agent id/],
    ['zero', { agentId: '0' }, /agentId must be a CXone agent id/],
    ['a negative id', { agentId: '-1234' }, /agentId must be a CXone agent id/],
    ['a leading zero', { agentId: '01234' }, /agentId must be a CXone agent id/],
    ['an id that is too long', { agentId: '1234567890123' }, /agentId must be a CXone agent id/],
    ['a decimal', { agentId: '12.5' }, /agentId must be a CXone agent id/],
    ['an empty id', { agentId: '' }, /agentId must be a CXone agent id/],
    ['a path', { agentId: '1/../2' }, /agentId must be a CXone agent id/],
    ['no id', {}, /^INPUT_INVALID: agentId is required$/],
    ['a number', { agentId: 1234567 }, /^INPUT_INVALID: agentId must be a string$/],
    ['a string instead of an object', '1234567', /^INPUT_INVALID: input must be a JSON object/],
    ['null', null, /^INPUT_INVALID: input must be a JSON object/],
    ['an array', ['1234567'], /^INPUT_INVALID: input must be a JSON object/],
  ])('refuses %s with INPUT_INVALID naming the field, before any request', async (_case, input, message) => {
    await expect(invoke(coldContainer(agentState), input)).rejects.toMatchObject({ name: 'InputError', code: 'INPUT_INVALID', message: expect.stringMatching(message) });

    expect(sandbox.counts()).toStrictEqual(NO_REQUESTS);
  });

  it('refuses AUTH_PLATFORM=genesys-cloud with CONFIG_INVALID naming AUTH_PLATFORM, before any request', async () => {
    const handler = coldContainer(agentState, { AGENT_STATE__AUTH_PLATFORM: 'genesys-cloud', AGENT_STATE__GENESYS_REGION: 'mypurecloud.com' });

    await expect(invoke(handler, { agentId: '1234567' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/AUTH_PLATFORM must be nice-cxone/) });

    expect(sandbox.counts()).toStrictEqual(NO_REQUESTS);
  });
});

describe('JSONata mappings (jsonataTransform)', () => {
  const response = { results: [{ intent: 'CALL', formula: 'BEST', estimatedWaitTimeSeconds: 10 }] };

  it('gives the expression the response as context and the input as $input', async () => {
    const transform = jsonataTransform<unknown, unknown, unknown>('test', { expression: "{ 'wait': results[0].estimatedWaitTimeSeconds, 'asked': $input.queueId }" });

    // JSONata builds its own objects; equal in value to plain ones.
    await expect(transform(response, { queueId: 'q-1' })).resolves.toEqual({ wait: 10, asked: 'q-1' });
  });

  it('stops runaway recursion at the depth limit with TRANSFORM_FAILED naming the limit', async () => {
    const transform = jsonataTransform('deep', { expression: '( $f := function($x){ 1 + $f($x) }; $f(1) )', maxDepth: 20, timeoutMs: 5_000 });
    const startedAt = Date.now();

    await expect(transform(response, {})).rejects.toMatchObject({
      name: 'OutputError',
      code: 'TRANSFORM_FAILED',
      message: 'TRANSFORM_FAILED: the deep mapping exceeded its depth limit of 20',
    });
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('stops a tail-recursive endless loop (which JSONata runs without growing the stack) at the time limit', async () => {
    const transform = jsonataTransform('endless', { expression: '( $f := function($x){ $f($x) }; $f(1) )', maxDepth: 20, timeoutMs: 30 });

    await expect(transform(response, {})).rejects.toMatchObject({
      code: 'TRANSFORM_FAILED',
      message: 'TRANSFORM_FAILED: the endless mapping exceeded its time limit of 30 ms',
    });
  });

  it('stops a long-running expression at the time limit with TRANSFORM_FAILED naming the limit', async () => {
    const transform = jsonataTransform('slow', { expression: '$count([1..5000].($count([1..5000])))', timeoutMs: 20 });
    const startedAt = Date.now();

    await expect(transform(response, {})).rejects.toMatchObject({
      code: 'TRANSFORM_FAILED',
      message: 'TRANSFORM_FAILED: the slow mapping exceeded its time limit of 20 ms',
    });
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('throws when the mapping is defined, not when it is first used, on a syntax error', () => {
    expect(() => jsonataTransform('broken', { expression: '( $a := ' })).toThrow();
    expect(() => jsonataTransform('broken', { expression: "{ 'a': results[0 }" })).toThrow();
  });

  it.each([
    ['a negation', '-results[0].intent', 'D1002'],
    ['a number cast', '$number(results[0].intent)', 'D3030'],
  ])('reports a runtime error (%s) by JSONata code and position, never with data values from the response', async (_case, expression, code) => {
    const canary = 'CANARY-7f3e9a1c-data-value';
    const transform = jsonataTransform('leaky', { expression });

    const failure = Promise.resolve(transform({ results: [{ intent: canary }] }, {}));

    await expect(failure).rejects.toMatchObject({ code: 'TRANSFORM_FAILED', message: expect.stringMatching(new RegExp(`^TRANSFORM_FAILED: the leaky mapping failed with JSONata error ${code} at position \\d+$`)) });
    const error = (await failure.catch((thrown: unknown) => thrown)) as Error;
    expect(JSON.stringify(error)).not.toContain(canary);
    expect(error.message).not.toContain(canary);
    expect(error.cause).toBeUndefined();
  });

  it('keeps response data out of the error and the log line when a mapping fails inside an invocation', async () => {
    const canary = 'CANARY-5b1d-intent-from-upstream';
    const genesysApi = servers.track(await startGenesysApiStandIn(sandbox.genesys.tokenEndpoint.isValid, { [SAMPLE_QUEUE_ID]: { results: [{ intent: canary, estimatedWaitTimeSeconds: 5 }] } }));
    const leaky = defineAction({ ...queueEstimatedWait, name: 'leakyWait', transform: jsonataTransform('leakyWait', { expression: "{ 'available': -results[0].intent }" }) });
    const handler = createDirectHandler(leaky, { ...sandbox.env, ...rescoped(sandbox.env, 'queueEstimatedWait', 'leakyWait'), LEAKY_WAIT__UPSTREAM_BASE_URL: genesysApi.url });

    await expect(invoke(handler, { queueId: SAMPLE_QUEUE_ID })).rejects.toMatchObject({ name: 'OutputError', code: 'TRANSFORM_FAILED', message: expect.not.stringContaining(canary) });

    expect(genesysApi.requests).toBe(1);
    expect(recordsOf(logs.records(), 'invocation')).toStrictEqual([expect.objectContaining({ action: 'leakyWait', code: 'TRANSFORM_FAILED' })]);
    expect(logs.lines.join('\n')).not.toContain(canary);
  });
});

describe('the queueEstimatedWait mapping (lib/actions/queueEstimatedWait/mapping.json)', () => {
  type WaitInput = Parameters<typeof queueEstimatedWait.request>[0];

  /** As the pipeline runs it: the response parsed by the action's schema, the mapping, then the output contract (OUTPUT_INVALID when broken). */
  async function mapped(body: unknown, input: WaitInput = { queueId: SAMPLE_QUEUE_ID }): Promise<unknown> {
    const output: unknown = await queueEstimatedWait.transform(queueEstimatedWait.response.parse(body), input);
    const checked = queueEstimatedWait.output.safeParse(output);
    if (!checked.success) throw new Error(`OUTPUT_INVALID: the mapping produced ${JSON.stringify(output)}: ${checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
    return checked.data;
  }

  it('is limited in time and depth', () => {
    const limits: JsonataMapping = mapping;

    expect(limits.timeoutMs).toBeLessThanOrEqual(100);
    expect(limits.maxDepth).toBeLessThanOrEqual(200);
  });

  it('takes the first prediction that has a wait, in lower case', async () => {
    await expect(
      mapped({
        results: [
          { intent: 'CALL', formula: 'BEST' },
          { intent: 'CHAT', formula: 'SIMPLE', estimatedWaitTimeSeconds: 30 },
          { intent: 'EMAIL', formula: 'ABANDON', estimatedWaitTimeSeconds: 3600 },
        ],
      }),
    ).resolves.toStrictEqual({ available: true, estimatedWaitSeconds: 30, mediaType: 'chat', formula: 'SIMPLE' });
  });

  it('counts a wait of zero seconds as a wait', async () => {
    await expect(mapped({ results: [{ intent: 'CALL', formula: 'BEST', estimatedWaitTimeSeconds: 0 }] })).resolves.toStrictEqual({
      available: true,
      estimatedWaitSeconds: 0,
      mediaType: 'call',
      formula: 'BEST',
    });
  });

  it.each([
    ['no results', {}],
    ['null results', { results: null }],
    ['empty results', { results: [] }],
    ['results without waits', { results: [{ intent: 'CALL', formula: 'BEST' }] }],
  ])('answers { available: false } for %s', async (_case, body) => {
    await expect(mapped(body)).resolves.toStrictEqual({ available: false });
  });

  it('skips a prediction whose estimatedWaitTimeSeconds is null', async () => {
    await expect(
      mapped({
        results: [
          { intent: 'CALL', formula: 'BEST', estimatedWaitTimeSeconds: null },
          { intent: 'CHAT', formula: 'SIMPLE', estimatedWaitTimeSeconds: 30 },
        ],
      }),
    ).resolves.toStrictEqual({ available: true, estimatedWaitSeconds: 30, mediaType: 'chat', formula: 'SIMPLE' });
  });

  it('answers { available: false } when the only wait is null', async () => {
    await expect(mapped({ results: [{ intent: 'CALL', formula: 'BEST', estimatedWaitTimeSeconds: null }] })).resolves.toStrictEqual({ available: false });
  });

  it.each(DOCUMENTED_FORMULAS.map((formula) => [formula]))('passes the documented formula %s through as Genesys names it', async (formula) => {
    await expect(mapped({ results: [{ intent: 'CALL', formula, estimatedWaitTimeSeconds: 42 }] })).resolves.toStrictEqual({ available: true, estimatedWaitSeconds: 42, mediaType: 'call', formula });
  });

  it('knows the formulas of the current platform SDK, AI-ADJUSTED-AHT and POSITION-IN-QUEUE included', () => {
    expect(DOCUMENTED_FORMULAS).toStrictEqual(['BEST', 'SIMPLE', 'ABANDON', 'PATIENCE_ABANDON', 'AI-ADJUSTED-AHT', 'POSITION-IN-QUEUE']);
  });

  it('passes a formula the SDK does not list yet, and leaves out an empty one', async () => {
    await expect(mapped({ results: [{ intent: 'CALL', formula: 'SOME-FUTURE-FORMULA', estimatedWaitTimeSeconds: 42 }] })).resolves.toMatchObject({ formula: 'SOME-FUTURE-FORMULA' });
    await expect(mapped({ results: [{ intent: 'CALL', formula: '', estimatedWaitTimeSeconds: 42 }] })).resolves.toStrictEqual({ available: true, estimatedWaitSeconds: 42, mediaType: 'call' });
  });

  it('omits a null formula rather than breaking the output contract', async () => {
    await expect(mapped({ results: [{ intent: 'CALL', formula: null, estimatedWaitTimeSeconds: 12 }] })).resolves.toStrictEqual({
      available: true,
      estimatedWaitSeconds: 12,
      mediaType: 'call',
    });
  });

  it('falls back to the requested media type when the prediction has no intent, and omits it when none was asked', async () => {
    await expect(mapped({ results: [{ intent: null, formula: 'BEST', estimatedWaitTimeSeconds: 12 }] }, { queueId: SAMPLE_QUEUE_ID, mediaType: 'email' })).resolves.toStrictEqual({
      available: true,
      estimatedWaitSeconds: 12,
      mediaType: 'email',
      formula: 'BEST',
    });
    await expect(mapped({ results: [{ formula: 'BEST', estimatedWaitTimeSeconds: 12 }] })).resolves.toStrictEqual({ available: true, estimatedWaitSeconds: 12, formula: 'BEST' });
  });
});

describe('defineAction', () => {
  const flatInput = z.object({ id: z.string(), count: z.number().int().optional(), active: z.boolean().nullable().optional() });
  const flatOutput = z.object({ found: z.boolean(), name: z.string().optional() });
  /** How every refusal ends: the page the rules come from. */
  const RULES_PAGE = /\(Genesys Cloud help "Add contracts to custom actions for integrations", help\.mypurecloud\.com\/\?p=141876\)$/;

  function declare(overrides: Partial<AnyAction>): AnyAction {
    return defineAction({
      name: 'testAction',
      description: 'a test action',
      input: flatInput,
      request: () => ({ method: 'GET', path: '/test' }),
      response: z.unknown(),
      transform: () => ({ found: false }),
      output: flatOutput,
      ...overrides,
    } as AnyAction);
  }

  /** A schema that refers to itself: zod writes it with $ref. */
  function recursive(): z.ZodType {
    const node: z.ZodType = z.object({
      name: z.string(),
      get child() {
        return node.optional();
      },
    });
    return node;
  }

  it('returns a declaration that follows the contract rules as it is', () => {
    const definition = { name: 'testAction', description: 'a test action', input: flatInput, request: () => ({ method: 'GET' as const, path: '/test' }), response: z.unknown(), transform: () => ({ found: false }), output: flatOutput };

    expect(defineAction(definition)).toBe(definition);
  });

  it('allows an output with nested objects (nullable too), arrays of objects and arrays of primitives: Genesys forbids only nested arrays there', () => {
    const output = flatOutput.extend({
      customer: z.object({ id: z.string(), address: z.object({ city: z.string(), zip: z.string().nullable() }) }),
      manager: z.object({ id: z.string() }).nullable().optional(),
      orders: z.array(z.object({ id: z.string(), total: z.number(), shipped: z.boolean() })),
      labels: z.array(z.string()),
      scores: z.array(z.number()).optional(),
      level: z.enum(['gold', 'silver']),
      kind: z.literal('customer'),
      count: z.number().int().nullable(),
    });

    expect(() => declare({ output })).not.toThrow();
  });

  it.each([
    ['an array of arrays', { grid: z.array(z.array(z.string())) }, /grid\[\] is an array inside an array; output contracts do not support nested arrays/],
    ['an array inside an array of objects', { orders: z.array(z.object({ lines: z.array(z.string()) })) }, /orders\[\]\.lines is an array inside an array/],
    ['an array inside a nested object inside an array', { orders: z.array(z.object({ customer: z.object({ tags: z.array(z.string()).optional() }) })) }, /orders\[\]\.customer\.tags is an array inside an array/],
    ['a nested object that refers to itself ($ref)', { tree: recursive() }, /tree uses \$ref, which contracts do not support/],
    ['a record (an object without declared properties)', { attributes: z.record(z.string(), z.string()) }, /attributes is an object without declared properties/],
    ['a value of no declared type', { anything: z.unknown() }, /anything is of type unknown/],
  ])('refuses an output with %s, naming the field and the help page', (_case, shape, message) => {
    expect(() => declare({ output: flatOutput.extend(shape) })).toThrow(new RegExp(`^testAction output breaks the data action contract rules: .*${message.source}.*${RULES_PAGE.source}`));
  });

  it.each([
    ['a nested object', { customer: z.object({ id: z.string() }) }, /customer is object; input properties may only be string, integer, number, boolean or null/],
    ['a nullable nested object', { customer: z.object({ id: z.string() }).nullable() }, /customer is object;/],
    ['a record', { attributes: z.record(z.string(), z.string()) }, /attributes is object;/],
    ['an array of strings', { tags: z.array(z.string()) }, /tags is array; input properties may only be string, integer, number, boolean or null/],
    ['an array of objects', { orders: z.array(z.object({ id: z.string() })) }, /orders is array;/],
    ['a value of no declared type', { anything: z.unknown() }, /anything is unknown;/],
    ['a property that refers to itself ($ref)', { tree: recursive() }, /tree uses \$ref, which contracts do not support/],
  ])('refuses an input with %s, naming the field and the help page', (_case, shape, message) => {
    expect(() => declare({ input: flatInput.extend(shape) })).toThrow(new RegExp(`^testAction input breaks the data action contract rules: .*${message.source}.*${RULES_PAGE.source}`));
  });

  it.each(['orgId', 'integrationId', 'rawRequest'])('refuses the reserved input name %s, which Genesys would overwrite', (name) => {
    expect(() => declare({ input: flatInput.extend({ [name]: z.string() }) })).toThrow(
      new RegExp(`^testAction input breaks the data action contract rules: ${name} is a reserved name \\(orgId, integrationId, rawRequest\\): Genesys would overwrite it ${RULES_PAGE.source}`),
    );
  });

  it.each(['1st', '_id', '-id', 'first name', 'a.b', 'café', 'id\u200B', ''])('refuses the input name %j: a letter first, then letters, digits, - and _', (name) => {
    expect(() => declare({ input: z.object({ [name]: z.string() }) })).toThrow(
      `testAction input breaks the data action contract rules: ${JSON.stringify(name)} must start with a letter and use only letters, digits, - and _`,
    );
  });

  it.each(['a', 'A1', 'order-id', 'order_id', 'orgid', 'rawRequests'])('accepts the input name %j', (name) => {
    expect(() => declare({ input: z.object({ [name]: z.string() }) })).not.toThrow();
  });

  it('names every property that breaks a rule in one message', () => {
    expect(() => declare({ input: z.object({ rawRequest: z.string(), '2nd': z.array(z.string()) }) })).toThrow(
      'testAction input breaks the data action contract rules: rawRequest is a reserved name (orgId, integrationId, rawRequest): Genesys would overwrite it; ' +
        '"2nd" must start with a letter and use only letters, digits, - and _; 2nd is array; input properties may only be string, integer, number, boolean or null ' +
        '(Genesys Cloud help "Add contracts to custom actions for integrations", help.mypurecloud.com/?p=141876)',
    );
  });

  it('refuses an input or output that is not an object', () => {
    expect(() => declare({ output: z.string() })).toThrow('testAction output must be an object');
    expect(() => declare({ input: z.array(z.string()) })).toThrow('testAction input must be an object');
  });

  it.each(['QueueWait', 'queue-wait', 'queue_wait', '1queue', 'queue wait', '', 'quéue'])('refuses the name %j: names are camelCase', (name) => {
    expect(() => declare({ name })).toThrow(`action name ${name} must be camelCase letters and digits`);
  });

  it.each(['queueWait', 'q', 'lookupV2', 'agentState'])('accepts the camelCase name %j', (name) => {
    expect(declare({ name }).name).toBe(name);
  });
});

describe('isIdempotent', () => {
  const action = (idempotent?: boolean) => ({ ...customerLookup, ...(idempotent !== undefined && { idempotent }) }) as AnyAction;

  it.each<[HttpMethod, boolean]>([
    ['GET', true],
    ['POST', false],
    ['PUT', false],
    ['PATCH', false],
    ['DELETE', false],
  ])('defaults %s to %s', (method, expected) => {
    expect(isIdempotent(action(), method)).toBe(expected);
  });

  it('follows the declaration when it says', () => {
    expect(isIdempotent(action(false), 'GET')).toBe(false);
    expect(isIdempotent(action(true), 'POST')).toBe(true);
  });

  it('leaves the sample actions (all GET) retryable', () => {
    expect(isIdempotent(queueEstimatedWait, queueEstimatedWait.request({ queueId: SAMPLE_QUEUE_ID }).method)).toBe(true);
    expect(isIdempotent(agentState, agentState.request({ agentId: '1' }).method)).toBe(true);
  });
});

describe('action-scoped environment (actionEnvPrefix, actionEnv)', () => {
  it.each([
    ['queueEstimatedWait', 'QUEUE_ESTIMATED_WAIT__'],
    ['agentState', 'AGENT_STATE__'],
    ['customerLookup', 'CUSTOMER_LOOKUP__'],
    ['q', 'Q__'],
    ['lookupV2', 'LOOKUP_V2__'],
    ['v2Lookup', 'V2_LOOKUP__'],
  ])('prefixes %s variables with %s', (name, prefix) => {
    expect(actionEnvPrefix(name)).toBe(prefix);
  });

  it("overrides the function's variables with the action's own, and leaves the rest", () => {
    const env = { SECRET_ID: 'shared', TOKEN_URL: 'https://a.example/token', AGENT_STATE__SECRET_ID: 'cxone', AGENT_STATE__TOKEN_URL: '' };

    const scoped = actionEnv(env, 'agentState');

    expect(scoped.SECRET_ID).toBe('cxone');
    // An empty scoped value overrides too; configuration then reads it as unset.
    expect(scoped.TOKEN_URL).toBe('');
    expect(env).toStrictEqual({ SECRET_ID: 'shared', TOKEN_URL: 'https://a.example/token', AGENT_STATE__SECRET_ID: 'cxone', AGENT_STATE__TOKEN_URL: '' });
  });

  it("does not apply another action's variables", () => {
    const env = { SECRET_ID: 'shared', QUEUE_ESTIMATED_WAIT__SECRET_ID: 'genesys', AGENT_STATE__SECRET_ID: 'cxone' };

    expect(actionEnv(env, 'customerLookup').SECRET_ID).toBe('shared');
    expect(actionEnv(env, 'queueEstimatedWait').SECRET_ID).toBe('genesys');
    expect(actionEnv(env, 'agent').SECRET_ID).toBe('shared');
  });
});

describe('path template', () => {
  it.each([
    ['/', 'a/b', 'a%2Fb'],
    ['?', 'a?b=c', 'a%3Fb%3Dc'],
    ['#', 'a#b', 'a%23b'],
    ['space', 'a b', 'a%20b'],
    ['%', '100%', '100%25'],
    ['unicode', 'Zoë 日本', 'Zo%C3%AB%20%E6%97%A5%E6%9C%AC'],
    ['emoji', '☎️', '%E2%98%8E%EF%B8%8F'],
  ])('percent-encodes %s in a value', (_case, value, encoded) => {
    expect(path`/queues/${value}/wait`).toBe(`/queues/${encoded}/wait`);
  });

  it('encodes several values and numbers, and leaves the template text as written', () => {
    expect(path`/a/${'x y'}/b/${42}/c?d=${'e&f'}`).toBe('/a/x%20y/b/42/c?d=e%26f');
    expect(path`/no/values`).toBe('/no/values');
  });

  it('keeps an encoded value in its segment when joined to the API base URL', () => {
    const url = joinUrl('https://api.example.com/base', path`/queues/${'a/../../admin?x=1#y'}/wait`);

    expect(url.pathname).toBe('/base/queues/a%2F..%2F..%2Fadmin%3Fx%3D1%23y/wait');
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
  });

  it.each(['.', '..', ''])('refuses the value %j as a segment: empty, or resolved away by URL parsing (INPUT_INVALID)', (value) => {
    expect(() => path`/api/v2/queues/${value}/wait`).toThrow(
      expect.objectContaining({ name: 'InputError', code: 'INPUT_INVALID', message: expect.stringContaining('path segment may not be empty, "." or ".."') }),
    );
  });

  it.each([
    ['%2e%2e', '/api/v2/queues/%252e%252e/wait'],
    ['.%2E', '/api/v2/queues/.%252E/wait'],
  ])('keeps the already-encoded dots %j in its segment, its %% encoded again', (value, pathname) => {
    expect(joinUrl('https://api.example.com', path`/api/v2/queues/${value}/wait`).pathname).toBe(pathname);
  });
});

import type { AnyAction } from '../../lib/runtime/action';
import { agentState } from '../../lib/actions/agentState/action';
import { startCxoneApiStandIn } from '../../lib/actions/agentState/standIn';
import { queueEstimatedWait } from '../../lib/actions/queueEstimatedWait/action';
import { createDirectHandler } from '../../lib/front/directInvoke';
import { AI_SAMPLE_QUEUE_ID, startGenesysApiStandIn, SAMPLE_QUEUE_ID } from '../../lib/actions/queueEstimatedWait/standIn';
import type { Sandbox } from '../../tools/sandbox/sandbox';
import type { CapturedLogs } from '../setup/logs';
import { invoke, recordsOf } from '../support/bridge';
import { sampleEventFiles, NO_REQUESTS, sampleEvent, withoutScopedVariables, useSandbox } from '../support/sandboxProcess';
import { Servers, startRecordingProxy } from '../support/standIns';

/**
 * The two platform actions (docs/design.md §8): queueEstimatedWait on Genesys Cloud and agentState on
 * NICE CXone, through the real direct-invoke front against the sandbox's loopback
 * stand-ins, each configured only by its action-scoped variables
 * (QUEUE_ESTIMATED_WAIT__SECRET_ID, AGENT_STATE__CXONE_ISSUER …). Their transforms without a
 * network are tested in their folders (lib/actions/<name>/transform.test.ts).
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

import { SANDBOX_HTTP_KEYS } from '../../tools/sandbox/sandbox';
import { actionEnvPrefix } from '../../lib/runtime/action';
import { ADA, FOUND } from '../support/faultBench';
import { hang, jsonReply, startFaultyServer } from '../support/faultyServer';
import { httpApiEvent } from '../support/httpCalls';
import { outcomesOf, runLikeLambda, type RuntimeInvocation } from '../support/lambdaRuntime';
import { openSandbox, type OpenSandbox } from '../support/sandboxProcess';
import { Servers } from '../support/standIns';

/**
 * The handlers as the Lambda Node runtime runs them (tests/support/lambdaRuntime.ts): in a
 * process where nothing else keeps the event loop alive, a wait inside an invocation that
 * leaves the loop empty makes the runtime answer `null` before the handler's answer is
 * ready. Every wait path of an invocation is taken here: a retry's back-off, a Retry-After,
 * a throttled Secrets Manager (alone and shared by concurrent invocations), a token's
 * budget, and the HTTPS front. Each must answer what the handler computes, never null.
 */

const servers = new Servers();
let opened: OpenSandbox | undefined;

beforeEach(async () => {
  opened = await openSandbox();
});

afterEach(async () => {
  await servers.closeAll();
  await opened?.close();
});

const sandbox = () => opened!.sandbox;
const baseEnv = (overrides: Record<string, string> = {}) => ({ ...sandbox().env, AWS_EC2_METADATA_DISABLED: 'true', LOG_LEVEL: 'debug', ...overrides });
const direct = (event: unknown, timeoutMs = 6_000): RuntimeInvocation => ({ event, timeoutMs, functionName: 'customerLookup' });
const THROTTLED = { type: 'ThrottlingException', status: 400 };

describe('never null: every wait inside an invocation keeps the event loop alive', () => {
  it('an upstream 503 once, then the answer: the retry back-off answers ADA', async () => {
    const upstream = servers.track(await startFaultyServer(sandbox().customerApi.url));
    upstream.script(jsonReply(503, { message: 'try later' }));

    const run = await runLikeLambda('handlers/customerLookup.ts', baseEnv({ UPSTREAM_BASE_URL: upstream.url }), [[direct(FOUND)]]);

    expect(outcomesOf(run)).toStrictEqual(['ok']);
    expect(run.answers[0]!.value).toStrictEqual(ADA);
    expect(upstream.requests).toBe(2);
  });

  it('an upstream 429 with Retry-After: 1, then the answer: waited a second, answers ADA', async () => {
    const upstream = servers.track(await startFaultyServer(sandbox().customerApi.url));
    upstream.script(jsonReply(429, { message: 'slow down' }, { 'retry-after': '1' }));

    const run = await runLikeLambda('handlers/customerLookup.ts', baseEnv({ UPSTREAM_BASE_URL: upstream.url }), [[direct(FOUND)]]);

    expect(outcomesOf(run)).toStrictEqual(['ok']);
    expect(upstream.requests).toBe(2);
  });

  it('Secrets Manager throttles once: the retried fetch answers ADA', async () => {
    sandbox().secretsManager.failWith(THROTTLED, 1);

    const run = await runLikeLambda('handlers/customerLookup.ts', baseEnv(), [[direct(FOUND)]]);

    expect(outcomesOf(run)).toStrictEqual(['ok']);
    expect(sandbox().secretsManager.requests).toBe(2);
  });

  it('five invocations at once share a throttled secret fetch: all five answer ADA, with 2 Secrets Manager requests', async () => {
    sandbox().secretsManager.failWith(THROTTLED, 1);

    const run = await runLikeLambda('handlers/customerLookup.ts', baseEnv(), [Array.from({ length: 5 }, () => direct(FOUND))]);

    expect(outcomesOf(run)).toStrictEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(sandbox().secretsManager.requests).toBe(2);
  });

  it("a wait for a token's budget (the pool of one token refused for its own rate for 1 s): answers the wait", async () => {
    const prefix = actionEnvPrefix('queueEstimatedWait');
    const genesys = servers.track(await startFaultyServer(sandbox().genesys.api.url));
    // Genesys's answer when a token's own per-minute limit is reached (count = allowed), reset in 1 s.
    genesys.script(
      jsonReply(429, { message: 'Rate limit exceeded the maximum. Retry the request in [1] seconds', code: 'too.many.requests.retry.after', status: 429 }, {
        'retry-after': '1',
        'inin-ratelimit-allowed': '300',
        'inin-ratelimit-count': '300',
        'inin-ratelimit-reset': '1',
      }),
    );
    const env = baseEnv({ [`${prefix}UPSTREAM_BASE_URL`]: genesys.url, [`${prefix}TOKEN_POOL_SIZE`]: '1' });

    const run = await runLikeLambda('handlers/queueEstimatedWait.ts', env, [[{ event: { queueId: '6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b' }, functionName: 'queueEstimatedWait' }]]);

    expect(outcomesOf(run)).toStrictEqual(['ok']);
    expect(genesys.requests).toBe(2);
  });

  it('the HTTPS front after an upstream 503: answers 200 with the output', async () => {
    const upstream = servers.track(await startFaultyServer(sandbox().customerApi.url));
    upstream.script(jsonReply(503, { message: 'try later' }));
    const event = httpApiEvent({ body: JSON.stringify(FOUND), headers: { authorization: `Bearer ${SANDBOX_HTTP_KEYS.apiKeys[0]}` } });

    const run = await runLikeLambda('handlers/http.ts', baseEnv({ UPSTREAM_BASE_URL: upstream.url }), [[{ event, functionName: 'http' }]]);

    expect(outcomesOf(run)).toStrictEqual(['ok']);
    expect(run.answers[0]!.value).toMatchObject({ statusCode: 200, body: JSON.stringify(ADA) });
  });

  it("a wait the bridge does not own (an unref'd timer in a transform): the invocation's hold of the event loop answers it", async () => {
    const run = await runLikeLambda('tests/support/unrefWaitHandler.ts', baseEnv(), [[direct(FOUND)], [direct({})]]);

    expect(outcomesOf(run)).toStrictEqual(['ok', 'error']);
    expect(run.answers.map((answer) => answer.value ?? answer.error?.code)).toStrictEqual([{ customerId: 'c-1001' }, 'INPUT_INVALID']);
    // Released after an answer and after a failure alike: the process ends by itself.
    expect(run.exitCode).toBe(0);
  });

  it('a handler that waits on nothing keeps nothing alive: the runtime stand-in does answer null (the check works)', async () => {
    const run = await runLikeLambda('tests/support/pendingForever.ts', baseEnv(), [[{ event: {} }]]);

    expect(outcomesOf(run)).toStrictEqual(['null']);
  });
});

describe("a cold start's INIT counts against the action's timeout (Genesys starts its timer when it invokes)", () => {
  const SLOW_INIT_MS = 1_000;
  const ACTION_TIMEOUT_MS = 2_000;

  async function hungUpstreamRun(initializationType: string) {
    const upstream = servers.track(await startFaultyServer());
    upstream.otherwise(hang);
    const env = baseEnv({ UPSTREAM_BASE_URL: upstream.url, ACTION_TIMEOUT_MS: String(ACTION_TIMEOUT_MS), SLOW_INIT_MS: String(SLOW_INIT_MS), AWS_LAMBDA_INITIALIZATION_TYPE: initializationType });
    return runLikeLambda('tests/support/slowInitHandler.ts', env, [[direct(FOUND)], [direct(FOUND)]]);
  }

  it('on-demand: the cold invocation answers TIMEOUT the action timeout after the process started, the warm one after its event', async () => {
    const run = await hungUpstreamRun('on-demand');

    expect(run.answers.map((answer) => answer.error?.code)).toStrictEqual(['TIMEOUT', 'TIMEOUT']);
    const [cold, warm] = run.answers.map((answer) => answer.elapsedMs!);
    // 2,000 ms from the process's start, less the 1,000 ms INIT (and the loading after it) and the 200 ms margin: under 800 ms after the event.
    expect(cold).toBeLessThanOrEqual(ACTION_TIMEOUT_MS - SLOW_INIT_MS - 200);
    expect(cold).toBeGreaterThanOrEqual(300);
    expect(warm).toBeGreaterThanOrEqual(ACTION_TIMEOUT_MS - 200 - 20);
  });

  it('provisioned concurrency: INIT ran before any caller waited, so the cold invocation has the whole timeout', async () => {
    const run = await hungUpstreamRun('provisioned-concurrency');

    expect(run.answers.map((answer) => answer.error?.code)).toStrictEqual(['TIMEOUT', 'TIMEOUT']);
    expect(run.answers[0]!.elapsedMs).toBeGreaterThanOrEqual(ACTION_TIMEOUT_MS - 200 - 20);
  });
});

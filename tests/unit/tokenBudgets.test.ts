import type { TokenLimit } from '../../tools/standIns/apiStandIn';
import { queueEstimatedWait } from '../../lib/actions/queueEstimatedWait/action';
import { SAMPLE_QUEUE_ID, startGenesysApiStandIn } from '../../lib/actions/queueEstimatedWait/standIn';
import { TokenBudget } from '../../lib/auth/tokenBudget';
import { createDirectHandler } from '../../lib/front/directInvoke';
import { startTokenEndpointStandIn } from '../../tools/standIns/tokenEndpointStandIn';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { controlClock, invoke, recordsOf } from '../support/bridge';
import { forward, jsonReply, reply, startFaultyServer } from '../support/faultyServer';
import { Servers, startTestSecrets } from '../support/standIns';

/**
 * Per-token request budgets (issue 12): Genesys Cloud allows 300 requests a minute per
 * client-credentials token. The bridge spreads requests over up to TOKEN_POOL_SIZE tokens,
 * never overspends one, follows the platform's inin-ratelimit-* counters, and sends a
 * request refused for its token's own limit again at once with another token. The Genesys
 * API stand-in enforces the limit per token (small limits here, the real 60 s window).
 */

const CLIENT = { clientId: 'budget-client', clientSecret: 'budget-secret-0123456789' };
const QUEUE = { queueId: SAMPLE_QUEUE_ID };
const WAIT = { available: true, estimatedWaitSeconds: 95, mediaType: 'all', formula: 'BEST' };

const servers = new Servers();
let logs: CapturedLogs;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(async () => {
  jest.restoreAllMocks();
  logs.restore();
  await servers.closeAll();
});

interface Options {
  /** What the stand-in enforces per token. */
  standInLimit?: TokenLimit;
  env?: Record<string, string>;
  /** A proxy in front of the API, to script particular answers. */
  faulty?: boolean;
  /** The API answers 401 to every token (a client without the roles). */
  refusing?: boolean;
}

async function open({ standInLimit, env = {}, faulty = false, refusing = false }: Options = {}) {
  const secrets = servers.track(await startTestSecrets(CLIENT));
  const tokenEndpoint = servers.track(await startTokenEndpointStandIn([CLIENT], { flavour: 'genesys-cloud' }));
  const api = servers.track(await startGenesysApiStandIn(refusing ? () => false : tokenEndpoint.isValid, undefined, standInLimit));
  const proxy = faulty ? servers.track(await startFaultyServer(api.url)) : undefined;
  const handler = createDirectHandler(queueEstimatedWait, {
    ...secrets.env,
    AUTH_PLATFORM: 'genesys-cloud',
    GENESYS_REGION: 'mypurecloud.com',
    TOKEN_URL: tokenEndpoint.tokenUrl,
    UPSTREAM_BASE_URL: proxy?.url ?? api.url,
    ...env,
  });
  /** How many requests each issued token served, in order of first use. */
  const perToken = () => {
    const counts = new Map<string, number>();
    for (const authorization of api.authorizations) counts.set(String(authorization), (counts.get(String(authorization)) ?? 0) + 1);
    return [...counts.values()];
  };
  return { handler, tokenEndpoint, api, proxy, perToken };
}

/** `count` calls of `work`, `workers` of them running at a time (each worker starts the next as soon as its call ends). */
async function inWorkers<T>(workers: number, count: number, work: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started++;
      results.push(await work());
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

describe('per-token request budgets', () => {
  it('defaults to 300 a minute on genesys-cloud and a pool of 4, to no limit elsewhere, and 0 turns it off', async () => {
    const { loadConfig } = await import('../../lib/runtime/config');

    expect(loadConfig({ SECRET_ID: 's', AUTH_PLATFORM: 'genesys-cloud', GENESYS_REGION: 'mypurecloud.com' })).toMatchObject({ tokenRateLimitPerMinute: 300, tokenPoolSize: 4 });
    expect(loadConfig({ SECRET_ID: 's', TOKEN_URL: 'https://auth.example.com/t' }).tokenRateLimitPerMinute).toBeUndefined();
    expect(loadConfig({ SECRET_ID: 's', TOKEN_URL: 'https://auth.example.com/t', TOKEN_RATE_LIMIT_PER_MINUTE: '60', TOKEN_POOL_SIZE: '2' })).toMatchObject({ tokenRateLimitPerMinute: 60, tokenPoolSize: 2 });
    expect(loadConfig({ SECRET_ID: 's', AUTH_PLATFORM: 'genesys-cloud', GENESYS_REGION: 'mypurecloud.com', TOKEN_RATE_LIMIT_PER_MINUTE: '0' }).tokenRateLimitPerMinute).toBeUndefined();
    expect(() => loadConfig({ SECRET_ID: 's', TOKEN_URL: 'https://auth.example.com/t', TOKEN_RATE_LIMIT_PER_MINUTE: '-1', TOKEN_POOL_SIZE: '0' })).toThrow(
      /TOKEN_RATE_LIMIT_PER_MINUTE must be at least 0.*TOKEN_POOL_SIZE must be at least 1/,
    );
  });

  it('sequential: a token serves its budget, then one more token is fetched; none is overspent and the upstream never answers 429', async () => {
    const { handler, tokenEndpoint, api, perToken } = await open({ standInLimit: { perWindow: 5, windowMs: 60_000 }, env: { TOKEN_RATE_LIMIT_PER_MINUTE: '5', TOKEN_POOL_SIZE: '3' } });

    for (let i = 0; i < 12; i++) await expect(invoke(handler, QUEUE)).resolves.toStrictEqual(WAIT);

    expect(tokenEndpoint.requests).toBe(3);
    expect(perToken()).toStrictEqual([5, 5, 2]);
    expect(api.limited).toBe(0);
  });

  it('concurrent: 10 invocations at once with budgets of 5 fetch exactly 2 tokens and spend each exactly once per request', async () => {
    const { handler, tokenEndpoint, api, perToken } = await open({ standInLimit: { perWindow: 5, windowMs: 60_000 }, env: { TOKEN_RATE_LIMIT_PER_MINUTE: '5', TOKEN_POOL_SIZE: '4' } });

    const outputs = await Promise.all(Array.from({ length: 10 }, () => invoke(handler, QUEUE)));

    expect(outputs).toStrictEqual(Array(10).fill(WAIT));
    expect(tokenEndpoint.requests).toBe(2);
    expect(perToken()).toStrictEqual([5, 5]);
    expect(api.limited).toBe(0);
  });

  it('20 invocations at once on a cold container (limit 5, pool 4): exactly 20 requests on 4 tokens, none answered 429', async () => {
    const { handler, tokenEndpoint, api, perToken } = await open({ standInLimit: { perWindow: 5, windowMs: 60_000 }, env: { TOKEN_RATE_LIMIT_PER_MINUTE: '5', TOKEN_POOL_SIZE: '4' } });

    const outputs = await Promise.all(Array.from({ length: 20 }, () => invoke(handler, QUEUE)));

    expect(outputs).toStrictEqual(Array(20).fill(WAIT));
    expect(api.requests).toBe(20);
    expect(perToken()).toStrictEqual([5, 5, 5, 5]);
    expect(tokenEndpoint.requests).toBe(4);
    expect(api.limited).toBe(0);
  });

  it('limit 10, pool 4, 10 concurrent workers, 40 invocations: inin-ratelimit-* counters never hide requests in flight; each token serves exactly its limit', async () => {
    const { handler, tokenEndpoint, api, perToken } = await open({ standInLimit: { perWindow: 10, windowMs: 60_000 }, env: { TOKEN_RATE_LIMIT_PER_MINUTE: '10', TOKEN_POOL_SIZE: '4' } });

    const outputs = await inWorkers(10, 40, () => invoke(handler, QUEUE));

    expect(outputs).toStrictEqual(Array(40).fill(WAIT));
    expect(perToken()).toStrictEqual([10, 10, 10, 10]);
    expect(api.limited).toBe(0);
    expect(tokenEndpoint.requests).toBe(4);
  });

  it('the Genesys default (300 a minute, pool 4), 100 concurrent workers, 1,100 invocations: no token serves more than 300, none is answered 429', async () => {
    const { handler, tokenEndpoint, api, perToken } = await open({ standInLimit: { perWindow: 300, windowMs: 60_000 } });

    const outcomes = await inWorkers(100, 1_100, () => invoke(handler, QUEUE).then(() => 'ok', (error: { code?: string }) => error.code));

    // 100 short of the pool's 1,200: on a loaded test machine a request retried after a connection reset takes budget too.
    // (And the JSONata mapping's 100 ms wall-clock limit may fail an invocation after its upstream answer: not this test's concern.)
    expect(outcomes.filter((outcome) => outcome !== 'ok' && outcome !== 'TRANSFORM_FAILED')).toStrictEqual([]);
    expect(Math.max(...perToken())).toBeLessThanOrEqual(300);
    expect(api.limited).toBe(0);
    expect(tokenEndpoint.requests).toBe(4);
  });

  it('pool full and spent: UPSTREAM_RATE_LIMITED without an upstream request when the earliest budget is past the deadline; served again once the window has passed', async () => {
    const clock = controlClock();
    const { handler, tokenEndpoint, api } = await open({ standInLimit: { perWindow: 2, windowMs: 60_000 }, env: { TOKEN_RATE_LIMIT_PER_MINUTE: '2', TOKEN_POOL_SIZE: '2' } });
    for (let i = 0; i < 4; i++) await invoke(handler, QUEUE);
    const sent = api.requests;

    await expect(invoke(handler, QUEUE)).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', message: expect.stringMatching(/every token's request budget is spent \(TOKEN_RATE_LIMIT_PER_MINUTE 2, TOKEN_POOL_SIZE 2\)/) });
    expect(api.requests).toBe(sent);
    expect(tokenEndpoint.requests).toBe(2);

    clock.advanceTo(61_000);
    await expect(invoke(handler, QUEUE)).resolves.toStrictEqual(WAIT);
    expect(tokenEndpoint.requests).toBe(2);
  });

  it('pool full and spent: waits for the earliest budget when it comes before the deadline', async () => {
    const clock = controlClock();
    const { handler, api } = await open({ env: { TOKEN_RATE_LIMIT_PER_MINUTE: '1', TOKEN_POOL_SIZE: '1' } });
    await invoke(handler, QUEUE);
    // The one request in the window leaves it 300 ms from now.
    clock.advanceTo(59_700);

    const startedAt = performance.now();
    await expect(invoke(handler, QUEUE)).resolves.toStrictEqual(WAIT);

    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(250);
    expect(api.requests).toBe(2);
  });

  it("follows the platform's inin-ratelimit-* counters over its own: switches tokens before the upstream refuses one", async () => {
    // The bridge believes 300 a minute; the platform says 3 for these tokens.
    const { handler, tokenEndpoint, api, perToken } = await open({ standInLimit: { perWindow: 3, windowMs: 60_000 }, env: { TOKEN_POOL_SIZE: '4' } });

    for (let i = 0; i < 7; i++) await expect(invoke(handler, QUEUE)).resolves.toStrictEqual(WAIT);

    expect(perToken()).toStrictEqual([3, 3, 1]);
    expect(tokenEndpoint.requests).toBe(3);
    expect(api.limited).toBe(0);
  });

  it.each([
    ['its inin-ratelimit-count has reached inin-ratelimit-allowed', { 'inin-ratelimit-allowed': '300', 'inin-ratelimit-count': '300', 'inin-ratelimit-reset': '40', 'retry-after': '40' }, { message: 'Rate limit exceeded the maximum. Retry the request in [40] seconds', code: 'too.many.requests.retry.after', status: 429 }],
    ['its body names token.rate.per.minute', { 'retry-after': '40' }, { message: 'Rate limit exceeded the maximum [300] for client.credentials.token.rate.per.minute', code: 'too.many.requests', status: 429 }],
  ])('a 429 where %s spends that token and goes again at once with another one', async (_case, headers, body) => {
    const { handler, tokenEndpoint, proxy } = await open({ faulty: true, env: { TOKEN_POOL_SIZE: '2' } });
    await invoke(handler, QUEUE);
    proxy!.script(jsonReply(429, body, headers));

    const startedAt = performance.now();
    await expect(invoke(handler, QUEUE)).resolves.toStrictEqual(WAIT);
    // And the refused token stays unused: the next invocation takes the new one too.
    await expect(invoke(handler, QUEUE)).resolves.toStrictEqual(WAIT);

    expect(performance.now() - startedAt).toBeLessThan(2_000);
    expect(tokenEndpoint.requests).toBe(2);
    const seen = proxy!.seen.map(({ headers: sent }) => sent.authorization);
    expect(seen).toHaveLength(4);
    expect(new Set(seen.slice(0, 2)).size).toBe(1);
    expect(seen[2]).not.toBe(seen[1]);
    expect(seen[3]).toBe(seen[2]);
    expect(recordsOf(logs.records(), 'invocation')[1]).toMatchObject({ outcome: 'ok', upstreamCalls: 2, tokenLimited: 1 });
  });

  it.each([
    ['a 429 refusing the token for its own limit', 429, { code: 'too.many.requests.retry.after', status: 429 }, { 'retry-after': '999999999' }],
    ['a 200 whose count has reached what is allowed', 200, { results: [{ intent: 'ALL', formula: 'BEST', estimatedWaitTimeSeconds: 95 }] }, {}],
  ])('inin-ratelimit-reset is clamped to the 60 s window: after %s with reset=999999999, the token serves again 61 s later', async (_case, status, body, headers) => {
    const clock = controlClock();
    const { handler, tokenEndpoint, proxy } = await open({ faulty: true, env: { TOKEN_POOL_SIZE: '2' } });
    await invoke(handler, QUEUE);
    proxy!.script(jsonReply(status, body, { 'inin-ratelimit-allowed': '300', 'inin-ratelimit-count': '300', 'inin-ratelimit-reset': '999999999', ...headers }));
    await expect(invoke(handler, QUEUE)).resolves.toStrictEqual(WAIT);
    const requestsBefore = tokenEndpoint.requests;

    clock.advanceTo(61_000);
    await expect(invoke(handler, QUEUE)).resolves.toStrictEqual(WAIT);

    const seen = proxy!.seen.map(({ headers: sent }) => sent.authorization);
    expect(seen.at(-1)).toBe(seen[0]);
    expect(tokenEndpoint.requests).toBe(requestsBefore);
  });

  it('a 429 that is not the token\'s own limit behaves as before: Retry-After is waited for, with the same token', async () => {
    const { handler, tokenEndpoint, proxy } = await open({ faulty: true });
    await invoke(handler, QUEUE);
    proxy!.script(jsonReply(429, { message: 'Rate limit exceeded the maximum. Retry the request in [1] seconds', code: 'too.many.requests.retry.after', status: 429 }, { 'retry-after': '1', 'inin-ratelimit-allowed': '300', 'inin-ratelimit-count': '12', 'inin-ratelimit-reset': '50' }));

    const startedAt = performance.now();
    await expect(invoke(handler, QUEUE)).resolves.toStrictEqual(WAIT);

    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(950);
    expect(tokenEndpoint.requests).toBe(1);
    expect(new Set(proxy!.seen.map(({ headers }) => headers.authorization)).size).toBe(1);
  });

  it('a full pool whose every token is refused for its own limit ends in UPSTREAM_RATE_LIMITED after one request per token', async () => {
    const tokenLimited = jsonReply(429, { code: 'too.many.requests.retry.after', status: 429 }, { 'retry-after': '40', 'inin-ratelimit-allowed': '300', 'inin-ratelimit-count': '300', 'inin-ratelimit-reset': '40' });
    const { handler, tokenEndpoint, proxy } = await open({ faulty: true, env: { TOKEN_POOL_SIZE: '2' } });
    proxy!.script(tokenLimited, tokenLimited);

    await expect(invoke(handler, QUEUE)).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED' });

    expect(proxy!.requests).toBe(2);
    expect(tokenEndpoint.requests).toBe(2);
  });

  it("never lowers a token's count within a window when a response reports an older one (requests still in flight)", () => {
    const budget = new TokenBudget(300);
    const counters = (count: number) => ({ status: 200, headers: { 'inin-ratelimit-allowed': '300', 'inin-ratelimit-count': String(count), 'inin-ratelimit-reset': '30' }, body: '', bodyBytes: 0 });
    budget.follow(counters(250), 1_000);
    for (let i = 0; i < 50; i++) budget.take(1_001);

    budget.follow(counters(251), 1_002);

    expect(budget.remaining(1_003)).toBe(0);
    // The platform's new window cannot hide the 50 requests still in the local 60 s window (docs/design.md §6: "in any 60 s window")…
    budget.follow(counters(1), 32_000);
    expect(budget.remaining(32_001)).toBe(250);
    // …and once they have left it, the platform's count is what is left.
    expect(budget.remaining(61_002)).toBe(299);
  });

  it("keeps the limit the platform reported (inin-ratelimit-allowed) past that window's reset", () => {
    const budget = new TokenBudget(300);
    budget.follow({ status: 200, headers: { 'inin-ratelimit-allowed': '3', 'inin-ratelimit-count': '1', 'inin-ratelimit-reset': '10' }, body: '', bodyBytes: 0 }, 0);
    for (let i = 0; i < 3; i++) budget.take(1);

    expect(budget.remaining(20_000)).toBe(0);
    expect(budget.availableAtMs(20_000)).toBe(60_001);
  });

  it('a retried exchange takes budget for every attempt it sends with the token', async () => {
    const { handler, tokenEndpoint, proxy } = await open({ faulty: true, env: { TOKEN_RATE_LIMIT_PER_MINUTE: '3', TOKEN_POOL_SIZE: '2' } });
    proxy!.script(reply(503, '', {}));

    for (let i = 0; i < 3; i++) await expect(invoke(handler, QUEUE)).resolves.toStrictEqual(WAIT);

    // 503 + retry + 1 = 3 requests on the first token, so the third invocation needs a second one.
    expect(proxy!.requests).toBe(4);
    expect(tokenEndpoint.requests).toBe(2);
    const seen = proxy!.seen.map(({ headers }) => headers.authorization);
    expect(new Set(seen.slice(0, 3)).size).toBe(1);
    expect(seen[3]).not.toBe(seen[0]);
  });

  it('a retry takes budget like a first attempt: limit 10 with every other answer 503, no token serves more than 10 requests', async () => {
    const { handler, tokenEndpoint, proxy } = await open({ faulty: true, env: { TOKEN_RATE_LIMIT_PER_MINUTE: '10', TOKEN_POOL_SIZE: '2' } });
    proxy!.script(...Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? forward : reply(503, '', {}))));

    for (let i = 0; i < 10; i++) await expect(invoke(handler, QUEUE)).resolves.toStrictEqual(WAIT);

    // 1 + 9 × (503, retry) = 19 requests: the retry of the sixth invocation finds the first token spent and goes with a second one.
    const seen = proxy!.seen.map(({ headers }) => String(headers.authorization));
    expect(seen).toHaveLength(19);
    expect([...new Set(seen)].map((token) => seen.filter((sent) => sent === token).length)).toStrictEqual([10, 9]);
    expect(tokenEndpoint.requests).toBe(2);
  });

  it.each([
    ['at once', 200],
    ['one after another', 1],
  ])('an API refusing every token (Genesys defaults: 300 a minute, pool 4): 200 invocations %s cost 2 token requests', async (_case, workers) => {
    const { handler, tokenEndpoint, api } = await open({ refusing: true });

    const codes = await inWorkers(workers, 200, () => invoke(handler, QUEUE).then(() => 'resolved', (error: { code?: string }) => error.code));

    expect(codes).toStrictEqual(Array(200).fill('UPSTREAM_UNAUTHORIZED'));
    expect(tokenEndpoint.requests).toBe(2);
    expect(api.requests).toBeLessThanOrEqual(400);
  });

  it('an upstream 401 with several tokens held retries with a newly requested token, not another held one', async () => {
    const { handler, tokenEndpoint, api } = await open({ env: { TOKEN_RATE_LIMIT_PER_MINUTE: '2', TOKEN_POOL_SIZE: '3' } });
    for (let i = 0; i < 3; i++) await invoke(handler, QUEUE);
    expect(tokenEndpoint.requests).toBe(2);
    tokenEndpoint.revokeIssuedTokens();

    await expect(invoke(handler, QUEUE)).resolves.toStrictEqual(WAIT);

    expect(tokenEndpoint.requests).toBe(3);
    expect(api.requests).toBe(5);
  });
});

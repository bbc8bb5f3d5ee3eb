import { RETRY_MAX_ATTEMPTS, SECRET_FAILURE_MEMORY_MS } from '../../lib/base/constants';
import { createLambdaContext } from '../../tools/sandbox/lambdaContext';
import { SANDBOX_CLIENT, SANDBOX_SECRET_ID } from '../../tools/sandbox/sandbox';
import { controlClock, invoke, recordsOf, type Clock } from '../support/bridge';
import { ADA, FOUND, openBench, type Bench, useFaultBench } from '../support/faultBench';
import { delayed, forward, timed, type FaultyServer } from '../support/faultyServer';

/**
 * docs/design.md §5 and §6 under faults: a rotated client secret (invalid_client → one shared secret
 * refetch), and the stale secret served while Secrets Manager fails after the TTL.
 *
 * The secret is read only when a token must be requested (lib/oauth/tokenCache.ts), so
 * these tests use 1 s tokens: every invocation after the clock moves needs a token, and
 * with it the secret. Date.now is moved with controlClock; sockets and timers stay real.
 *
 * The SDK client makes one attempt per call (maxAttempts: 1); the bridge's own policy
 * (lib/http/retry.ts) retries throttling, 5xx and network failures, at most 3 attempts in all, and
 * nothing else. The counts of Secrets Manager requests below are exact.
 */

const TTL_SECONDS = 60;
const STALE_SECONDS = 900;
const PAST_TTL_MS = (TTL_SECONDS + 1) * 1_000;
const PAST_STALE_WINDOW_MS = (TTL_SECONDS + STALE_SECONDS + 1) * 1_000;

const logs = useFaultBench();

const staleLines = () => recordsOf(logs.records(), 'secret_stale');
const secretRetryRecords = () => recordsOf(logs.records(), 'retry').filter((record) => record.step === 'secret fetch from Secrets Manager');
const secretRetries = () => secretRetryRecords().map((record) => [record.attempt, record.reason]);
const THROTTLED = { type: 'ThrottlingException', status: 400 };

interface StaleBench {
  bench: Bench;
  clock: Clock;
  handler: ReturnType<Bench['bridge']['coldContainer']>;
  /** Secrets Manager requests so far (all of them, through the faulty server when there is one). */
  secretRequests(): number;
  faulty?: FaultyServer;
}

/** A warm container that fetched the secret and a 1 s token at t = 0. */
async function warmContainer(options: { throughFaultyServer?: boolean; logLevel?: string } = {}): Promise<StaleBench> {
  const bench = await openBench({ tokenLifetimeSeconds: 1 });
  const clock = controlClock();
  const faulty = options.throughFaultyServer ? await bench.faulty(bench.bridge.sandbox.secretsManager.url) : undefined;
  const handler = bench.bridge.coldContainer({
    SECRET_TTL_SECONDS: String(TTL_SECONDS),
    SECRET_STALE_SECONDS: String(STALE_SECONDS),
    ...(options.logLevel && { LOG_LEVEL: options.logLevel }),
    ...(faulty && { AWS_ENDPOINT_URL_SECRETS_MANAGER: faulty.url }),
  });
  await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
  const secretRequests = () => (faulty ? faulty.requests : bench.bridge.sandbox.secretsManager.requests);
  expect({ secret: secretRequests(), token: bench.counts().token }).toStrictEqual({ secret: 1, token: 1 });
  return { bench, clock, handler, secretRequests, ...(faulty && { faulty }) };
}

describe('secret rotation: invalid_client (docs/design.md §6)', () => {
  it('30 concurrent invocations refused with the old secret share one secret refetch and at most 2 token requests, then succeed', async () => {
    const bench = await openBench();
    const handler = bench.bridge.coldContainer();
    await invoke(handler, FOUND);
    const rotated = { clientId: SANDBOX_CLIENT.clientId, clientSecret: 'rotated-client-secret-2' };
    bench.bridge.sandbox.tokenEndpoint.setClients([rotated]);
    bench.bridge.sandbox.secretsManager.putSecret(SANDBOX_SECRET_ID, JSON.stringify(rotated));
    // The cached token stops working, so every invocation needs a new one with the cached (old) secret.
    bench.bridge.sandbox.tokenEndpoint.revokeIssuedTokens();
    const before = bench.counts();

    const outputs = await Promise.all(Array.from({ length: 30 }, () => invoke(handler, FOUND)));

    expect(outputs).toStrictEqual(Array.from({ length: 30 }, () => ADA));
    const after = bench.counts();
    expect(after.secret - before.secret).toBe(1);
    // One request with the old secret (invalid_client), one retry with the rotated one.
    expect(after.token - before.token).toBe(2);
    expect(bench.bridge.sandbox.tokenEndpoint.presentedClients.slice(-2).map((client) => client?.clientSecret)).toStrictEqual([
      SANDBOX_CLIENT.clientSecret,
      rotated.clientSecret,
    ]);
    // 30 refused with the revoked token, 30 accepted with the new one.
    expect(after.upstream - before.upstream).toBe(60);

    // Later invocations use the rotated secret's token without asking again.
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect(bench.counts()).toStrictEqual({ ...after, upstream: after.upstream + 1 });
  });
});

describe('stale secret: Secrets Manager failing after the TTL (docs/design.md §5)', () => {
  it('throttling: the previous value is served with a secret_stale warning, and the invocation succeeds', async () => {
    const { bench, clock, handler, secretRequests } = await warmContainer();
    clock.advanceTo(PAST_TTL_MS);
    bench.bridge.sandbox.secretsManager.failWith({ type: 'ThrottlingException', status: 400 });

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    // 1 at t = 0, then the refresh: 3 attempts by the bridge (backoff ≤ 100 + 200 ms, inside the 1 s stale wait).
    expect(secretRequests()).toBe(1 + RETRY_MAX_ATTEMPTS);
    expect(bench.counts().token).toBe(2);
    expect(staleLines()).toStrictEqual([
      expect.objectContaining({ level: 'warn', secretId: SANDBOX_SECRET_ID, message: expect.stringContaining('could not refresh') }),
    ]);
  });

  it('5xx: the previous value is served, and Secrets Manager is asked again only after a pause, then its new value is used', async () => {
    const { bench, clock, handler, secretRequests } = await warmContainer();
    clock.advanceTo(PAST_TTL_MS);
    bench.bridge.sandbox.secretsManager.failWith({ type: 'InternalServiceError', status: 500 });

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    // 1 at t = 0, then the bridge's 3 attempts (1 + 2 retries, at most 300 ms of backoff).
    expect(secretRequests()).toBe(4);
    expect(staleLines()).toStrictEqual([expect.objectContaining({ level: 'warn', reason: 'SECRET_UNAVAILABLE' })]);

    // A second later: another token is due, the stale value is served without asking (SECRET_FAILURE_MEMORY_MS).
    clock.advanceTo(PAST_TTL_MS + 1_000);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect({ secret: secretRequests(), token: bench.counts().token }).toStrictEqual({ secret: 4, token: 3 });

    // Six seconds later it is asked again; it answers now, and the fresh value is cached for the TTL.
    bench.bridge.sandbox.secretsManager.failWith(undefined);
    clock.advanceTo(PAST_TTL_MS + 6_000);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    clock.advanceTo(PAST_TTL_MS + 8_000);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect({ secret: secretRequests(), token: bench.counts().token }).toStrictEqual({ secret: 5, token: 5 });
    expect(staleLines()).toHaveLength(1);
  });

  it('unreachable Secrets Manager: the previous value is served', async () => {
    const { bench, clock, handler, faulty } = await warmContainer({ throughFaultyServer: true });
    await faulty!.close();
    clock.advanceTo(PAST_TTL_MS);

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(bench.counts().token).toBe(2);
    expect(staleLines()).toStrictEqual([expect.objectContaining({ level: 'warn', reason: 'SECRET_UNAVAILABLE' })]);
  });

  it('unreachable Secrets Manager: the bridge makes 3 attempts, logs each retry, then serves the previous value', async () => {
    const { clock, handler, faulty } = await warmContainer({ throughFaultyServer: true, logLevel: 'debug' });
    await faulty!.close();
    clock.advanceTo(PAST_TTL_MS);

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    // The first attempt may go out on the kept-alive socket the closed server hung up on.
    expect(secretRetries()).toStrictEqual([
      [1, expect.stringMatching(/^(ECONNREFUSED|ECONNRESET|TimeoutError)$/)],
      [2, 'ECONNREFUSED'],
    ]);
    expect(staleLines()).toStrictEqual([expect.objectContaining({ reason: 'SECRET_UNAVAILABLE' })]);
  });

  it('past TTL + SECRET_STALE_SECONDS the old value is no longer served: SECRET_UNAVAILABLE', async () => {
    const { bench, clock, handler } = await warmContainer();
    bench.bridge.sandbox.secretsManager.failWith({ type: 'InternalServiceError', status: 500 });
    clock.advanceTo(PAST_STALE_WINDOW_MS);

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({
      name: 'SecretError',
      code: 'SECRET_UNAVAILABLE',
      message: expect.stringContaining(SANDBOX_SECRET_ID),
    });

    expect(bench.counts()).toMatchObject({ token: 1, upstream: 1 });
    expect(staleLines()).toHaveLength(0);
  });

  it('just inside the stale window the old value is still served', async () => {
    const { bench, clock, handler } = await warmContainer();
    bench.bridge.sandbox.secretsManager.failWith({ type: 'InternalServiceError', status: 500 });
    clock.advanceTo(PAST_STALE_WINDOW_MS - 2_000);

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(staleLines()).toHaveLength(1);
    expect(staleLines()[0]!.ageSeconds).toBeGreaterThanOrEqual(TTL_SECONDS + STALE_SECONDS - 2);
  });

  it.each([
    ['ResourceNotFoundException', 'SECRET_NOT_FOUND', /not found/],
    ['AccessDeniedException', 'SECRET_ACCESS_DENIED', /access denied/],
    ['DecryptionFailure', 'SECRET_ACCESS_DENIED', /access denied/],
    ['InvalidParameterException', 'SECRET_UNAVAILABLE', /InvalidParameterException, HTTP 400\)$/],
    // A secret marked for deletion or a bad request is an answer, not an outage (docs/design.md §5 masks only throttling, 5xx, time, network).
    ['InvalidRequestException', 'SECRET_UNAVAILABLE', /InvalidRequestException, HTTP 400\)$/],
  ])('%s after the TTL is never masked by the old value: %s', async (type, code, wording) => {
    const { bench, clock, handler, secretRequests } = await warmContainer();
    bench.bridge.sandbox.secretsManager.failWith({ type, status: 400 });
    clock.advanceTo(PAST_TTL_MS);

    const result = invoke(handler, FOUND);

    await expect(result).rejects.toMatchObject({ code, message: expect.stringMatching(wording) });
    await expect(result).rejects.toMatchObject({ message: expect.stringContaining(SANDBOX_SECRET_ID) });
    // 1 at t = 0, then exactly one: an answer is never retried.
    expect(secretRequests()).toBe(2);
    expect(bench.counts()).toMatchObject({ token: 1, upstream: 1 });
    expect(staleLines()).toHaveLength(0);
  });

  it('a slow Secrets Manager (3 s) in the stale window: the old value is used after about 1 s', async () => {
    const { bench, clock, handler, faulty } = await warmContainer({ throughFaultyServer: true });
    faulty!.script(delayed(3_000, forward));
    clock.advanceTo(PAST_TTL_MS);

    const { elapsedMs, outcome } = await timed(() => handler(FOUND, createLambdaContext('faults', 6_000)));

    await expect(outcome).resolves.toStrictEqual(ADA);
    expect(elapsedMs).toBeGreaterThanOrEqual(950);
    expect(elapsedMs).toBeLessThan(1_600);
    expect(faulty!.requests).toBe(2);
    expect(bench.counts().token).toBe(2);
    expect(staleLines()).toStrictEqual([expect.objectContaining({ level: 'warn', reason: expect.stringContaining('longer than 1000 ms') })]);
  });

  it('a slow Secrets Manager with little time left: waited for a third of the time left, not a whole second', async () => {
    const { clock, handler, faulty } = await warmContainer({ throughFaultyServer: true });
    faulty!.script(delayed(3_000, forward));
    clock.advanceTo(PAST_TTL_MS);

    // 1,500 ms of Lambda time − 200 ms margin: 1,300 ms left, a third of it is about 433 ms.
    const { elapsedMs, outcome } = await timed(() => handler(FOUND, createLambdaContext('faults', 1_500)));

    await expect(outcome).resolves.toStrictEqual(ADA);
    expect(elapsedMs).toBeGreaterThanOrEqual(400);
    expect(elapsedMs).toBeLessThan(800);
  });
});

describe('a first secret fetch under throttling: the bridge retries, the SDK does not (docs/design.md §5, §7)', () => {
  /**
   * The retries of throttling, logged at debug level. Only these: a slow refresh of an earlier
   * test may still be retrying against its closed server in the background (ECONNREFUSED).
   */
  const retriesAfter = (type: string) => secretRetryRecords().filter((record) => String(record.reason).startsWith(type));
  const throttleRetries = () => retriesAfter('ThrottlingException').map((record) => [record.attempt, record.reason]);

  /** A cold container whose first invocation must fetch the secret; debug logs show each retry. */
  async function coldBench(failure: { type: string; status: number }, times?: number) {
    const bench = await openBench();
    bench.bridge.sandbox.secretsManager.failWith(failure, times);
    return { bench, handler: bench.bridge.coldContainer({ LOG_LEVEL: 'debug' }) };
  }

  it('throttled once, then the value: exactly 2 requests, one retry logged, and the invocation succeeds', async () => {
    const { bench, handler } = await coldBench(THROTTLED, 1);

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(bench.counts()).toStrictEqual({ secret: 2, token: 1, upstream: 1 });
    expect(throttleRetries()).toStrictEqual([[1, 'ThrottlingException, HTTP 400']]);
  });

  it('throttled twice, then the value: exactly 3 requests, and the invocation succeeds', async () => {
    const { bench, handler } = await coldBench(THROTTLED, 2);

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(bench.counts()).toStrictEqual({ secret: 3, token: 1, upstream: 1 });
    expect(throttleRetries()).toStrictEqual([
      [1, 'ThrottlingException, HTTP 400'],
      [2, 'ThrottlingException, HTTP 400'],
    ]);
  });

  it('throttled every time: exactly 3 requests, then SECRET_UNAVAILABLE', async () => {
    const { bench, handler } = await coldBench(THROTTLED);

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({
      name: 'SecretError',
      code: 'SECRET_UNAVAILABLE',
      message: expect.stringContaining('ThrottlingException'),
    });

    expect(bench.counts()).toStrictEqual({ secret: RETRY_MAX_ATTEMPTS, token: 0, upstream: 0 });
    expect(throttleRetries()).toHaveLength(RETRY_MAX_ATTEMPTS - 1);
    expect(staleLines()).toHaveLength(0);
  });

  it('throttled every time: the failure is remembered for SECRET_FAILURE_MEMORY_MS, so 10 more invocations make no request; then it is asked again', async () => {
    const clock = controlClock();
    const { bench, handler } = await coldBench(THROTTLED);
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'SECRET_UNAVAILABLE' });

    for (let i = 0; i < 10; i++) {
      await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'SECRET_UNAVAILABLE', message: expect.stringContaining('ThrottlingException') });
    }
    expect(bench.counts().secret).toBe(RETRY_MAX_ATTEMPTS);

    bench.bridge.sandbox.secretsManager.failWith(undefined);
    clock.advanceTo(SECRET_FAILURE_MEMORY_MS);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect(bench.counts()).toStrictEqual({ secret: RETRY_MAX_ATTEMPTS + 1, token: 1, upstream: 1 });
  });

  it('access denied is an answer, not remembered: each invocation asks again', async () => {
    const { bench, handler } = await coldBench({ type: 'AccessDeniedException', status: 400 });

    for (let i = 0; i < 3; i++) await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'SECRET_ACCESS_DENIED' });

    expect(bench.counts().secret).toBe(3);
  });

  it.each([
    ['AccessDeniedException', 'SECRET_ACCESS_DENIED'],
    ['ResourceNotFoundException', 'SECRET_NOT_FOUND'],
    ['InvalidRequestException', 'SECRET_UNAVAILABLE'],
  ])('%s on the first fetch: exactly 1 request, %s, no retry', async (type, code) => {
    const { bench, handler } = await coldBench({ type, status: 400 });

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code });

    expect(bench.counts()).toStrictEqual({ secret: 1, token: 0, upstream: 0 });
    expect(retriesAfter(type)).toHaveLength(0);
  });

  it('throttled every time, with the longest waits the jitter can draw: the bridge gives up well under a second, not after the SDK\'s ~1.5–3 s', async () => {
    // Math.random → 0.999: the bridge waits 99 ms, then 199 ms. The SDK's standard retries
    // (500 ms throttling base) would have waited about 1 s and 2 s with the same draws.
    jest.spyOn(Math, 'random').mockReturnValue(0.999);
    const { bench, handler } = await coldBench(THROTTLED);

    const { elapsedMs, outcome } = await timed(() => handler(FOUND, createLambdaContext('faults', 6_000)));

    await expect(outcome).rejects.toMatchObject({ code: 'SECRET_UNAVAILABLE' });
    expect(retriesAfter('ThrottlingException').map((record) => record.delayMs)).toStrictEqual([99, 199]);
    expect(bench.counts().secret).toBe(RETRY_MAX_ATTEMPTS);
    expect(elapsedMs).toBeGreaterThanOrEqual(99 + 199);
    expect(elapsedMs).toBeLessThan(800);
  });

  it('throttled once with the longest first wait: the value arrives after about 100 ms, not the SDK\'s up to 1 s', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.999);
    const { bench, handler } = await coldBench(THROTTLED, 1);

    const { elapsedMs, outcome } = await timed(() => handler(FOUND, createLambdaContext('faults', 6_000)));

    await expect(outcome).resolves.toStrictEqual(ADA);
    expect(bench.counts().secret).toBe(2);
    expect(elapsedMs).toBeGreaterThanOrEqual(99);
    expect(elapsedMs).toBeLessThan(600);
  });
});

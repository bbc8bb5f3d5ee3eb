import { createLambdaContext } from '../lib/sandbox/lambdaContext';
import { SANDBOX_CLIENT, SANDBOX_SECRET_ID } from '../lib/sandbox/sandbox';
import { controlClock, invoke, recordsOf, type Clock } from './support/bridge';
import { ADA, FOUND, openBench, type Bench, useFaultBench } from './support/faultBench';
import { delayed, forward, timed, type FaultyServer } from './support/faultyServer';

/**
 * SPEC §5 and §6 under faults: a rotated client secret (invalid_client → one shared secret
 * refetch), and the stale secret served while Secrets Manager fails after the TTL.
 *
 * The secret is read only when a token must be requested (lib/oauth/tokenCache.ts), so
 * these tests use 1 s tokens: every invocation after the clock moves needs a token, and
 * with it the secret. Date.now is moved with controlClock; sockets and timers stay real.
 *
 * The AWS SDK retries throttling, 5xx and network errors itself (standard mode, 3 attempts);
 * counts of Secrets Manager requests below include those attempts.
 */

const TTL_SECONDS = 60;
const STALE_SECONDS = 900;
const PAST_TTL_MS = (TTL_SECONDS + 1) * 1_000;
const PAST_STALE_WINDOW_MS = (TTL_SECONDS + STALE_SECONDS + 1) * 1_000;

const logs = useFaultBench();

const staleLines = () => recordsOf(logs.records(), 'secret_stale');

interface StaleBench {
  bench: Bench;
  clock: Clock;
  handler: ReturnType<Bench['bridge']['coldContainer']>;
  /** Secrets Manager requests so far (all of them, through the faulty server when there is one). */
  secretRequests(): number;
  faulty?: FaultyServer;
}

/** A warm container that fetched the secret and a 1 s token at t = 0. */
async function warmContainer(options: { throughFaultyServer?: boolean } = {}): Promise<StaleBench> {
  const bench = await openBench({ tokenLifetimeSeconds: 1 });
  const clock = controlClock();
  const faulty = options.throughFaultyServer ? await bench.faulty(bench.bridge.sandbox.secretsManager.url) : undefined;
  const handler = bench.bridge.coldContainer({
    SECRET_TTL_SECONDS: String(TTL_SECONDS),
    SECRET_STALE_SECONDS: String(STALE_SECONDS),
    ...(faulty && { AWS_ENDPOINT_URL_SECRETS_MANAGER: faulty.url }),
  });
  await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
  const secretRequests = () => (faulty ? faulty.requests : bench.bridge.sandbox.secretsManager.requests);
  expect({ secret: secretRequests(), token: bench.counts().token }).toStrictEqual({ secret: 1, token: 1 });
  return { bench, clock, handler, secretRequests, ...(faulty && { faulty }) };
}

describe('secret rotation: invalid_client (SPEC §6)', () => {
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

describe('stale secret: Secrets Manager failing after the TTL (SPEC §5)', () => {
  it('throttling: the previous value is served with a secret_stale warning, and the invocation succeeds', async () => {
    const { bench, clock, handler, secretRequests } = await warmContainer();
    clock.advanceTo(PAST_TTL_MS);
    bench.bridge.sandbox.secretsManager.failWith({ type: 'ThrottlingException', status: 400 });

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    // The refresh was tried (the SDK retries throttling itself: up to 3 attempts).
    expect(secretRequests()).toBeGreaterThanOrEqual(2);
    expect(secretRequests()).toBeLessThanOrEqual(4);
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
    // 1 at t = 0, then the SDK's 3 attempts (1 + 2 retries, a few hundred ms in all).
    expect(secretRequests()).toBe(4);
    expect(staleLines()).toStrictEqual([expect.objectContaining({ level: 'warn', reason: 'SECRET_UNAVAILABLE' })]);

    // A second later: another token is due, the stale value is served without asking (STALE_RETRY_INTERVAL_MS).
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
    // A secret marked for deletion or a bad request is an answer, not an outage (SPEC §5 masks only throttling, 5xx, time, network).
    ['InvalidRequestException', 'SECRET_UNAVAILABLE', /InvalidRequestException, HTTP 400\)$/],
  ])('%s after the TTL is never masked by the old value: %s', async (type, code, wording) => {
    const { bench, clock, handler, secretRequests } = await warmContainer();
    bench.bridge.sandbox.secretsManager.failWith({ type, status: 400 });
    clock.advanceTo(PAST_TTL_MS);

    const result = invoke(handler, FOUND);

    await expect(result).rejects.toMatchObject({ code, message: expect.stringMatching(wording) });
    await expect(result).rejects.toMatchObject({ message: expect.stringContaining(SANDBOX_SECRET_ID) });
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

  it('without any previous value, a throttled first fetch fails with SECRET_UNAVAILABLE', async () => {
    const bench = await openBench();
    bench.bridge.sandbox.secretsManager.failWith({ type: 'ThrottlingException', status: 400 });

    await expect(invoke(bench.bridge.coldContainer(), FOUND)).rejects.toMatchObject({
      name: 'SecretError',
      code: 'SECRET_UNAVAILABLE',
      message: expect.stringContaining('ThrottlingException'),
    });

    expect(bench.counts()).toMatchObject({ token: 0, upstream: 0 });
    expect(staleLines()).toHaveLength(0);
  });
});

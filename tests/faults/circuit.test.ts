import { CIRCUIT_FAILURE_THRESHOLD, CIRCUIT_OPEN_MS, RETRY_MAX_ATTEMPTS, SECRET_FAILURE_MEMORY_MS } from '../../lib/base/constants';
import type { DirectHandler } from '../../lib/front/directInvoke';
import { createLambdaContext } from '../../tools/sandbox/lambdaContext';
import { SANDBOX_SECRET_ID } from '../../tools/sandbox/sandbox';
import { controlClock, invoke, recordsOf } from '../support/bridge';
import { ADA, FOUND, openBench, useFaultBench } from '../support/faultBench';
import { forward, hang, jsonReply, timed, times } from '../support/faultyServer';

/**
 * The circuit breaker per dependency and container (lib/http/circuitBreaker.ts, cockatiel's
 * ConsecutiveBreaker): after 5 availability failures in a row calls fail at once with
 * CIRCUIT_OPEN for 10 s, then one trial call decides. cockatiel reads Date.now() for the
 * half-open delay (CircuitBreakerPolicy: `Date.now() - state.openedAt < duration`), so
 * the 10 s are skipped with controlClock; sockets and timers stay real.
 */

const logs = useFaultBench();

const circuitLines = (event: 'circuit_open' | 'circuit_closed') => recordsOf(logs.records(), event);

async function failTimes(handler: DirectHandler, count: number, code: string): Promise<void> {
  for (let i = 0; i < count; i++) await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code });
}

async function upstreamBench() {
  const clock = controlClock();
  const bench = await openBench();
  const upstream = await bench.faulty(bench.bridge.sandbox.customerApi.url);
  return { clock, bench, upstream, handler: bench.bridge.coldContainer({ UPSTREAM_BASE_URL: upstream.url }) };
}

describe('circuit breaker: the upstream API', () => {
  it('after 5 failures in a row (500), the next call fails at once with CIRCUIT_OPEN, sends nothing, and logs circuit_open', async () => {
    const { upstream, handler } = await upstreamBench();
    upstream.script(...times(CIRCUIT_FAILURE_THRESHOLD, jsonReply(500, { message: 'internal error' })));
    await failTimes(handler, CIRCUIT_FAILURE_THRESHOLD - 1, 'UPSTREAM_ERROR');
    expect(circuitLines('circuit_open')).toHaveLength(0);
    await failTimes(handler, 1, 'UPSTREAM_ERROR');

    const { elapsedMs, outcome } = await timed(() => invoke(handler, FOUND));

    await expect(outcome).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      message: expect.stringMatching(/^CIRCUIT_OPEN: the upstream API of customerLookup failed 5 times in a row; calls to it are paused/),
    });
    expect(elapsedMs).toBeLessThan(100);
    expect(upstream.requests).toBe(CIRCUIT_FAILURE_THRESHOLD);
    expect(circuitLines('circuit_open')).toStrictEqual([
      expect.objectContaining({ level: 'warn', dependency: 'the upstream API of customerLookup', openMs: CIRCUIT_OPEN_MS }),
    ]);
  });

  it('stays open for 10 s; then one trial call goes through and, when it succeeds, closes it', async () => {
    const { clock, upstream, handler } = await upstreamBench();
    upstream.script(...times(CIRCUIT_FAILURE_THRESHOLD, jsonReply(500, { message: 'internal error' })));
    await failTimes(handler, CIRCUIT_FAILURE_THRESHOLD, 'UPSTREAM_ERROR');

    clock.advanceTo(CIRCUIT_OPEN_MS - 1_000);
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    expect(upstream.requests).toBe(5);

    clock.advanceTo(CIRCUIT_OPEN_MS + 100);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect(upstream.requests).toBe(6);
    expect(circuitLines('circuit_closed')).toHaveLength(1);

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect(upstream.requests).toBe(7);
  });

  it('a failed trial call opens it again at once', async () => {
    const { clock, upstream, handler } = await upstreamBench();
    upstream.script(...times(CIRCUIT_FAILURE_THRESHOLD + 1, jsonReply(500, { message: 'internal error' })));
    await failTimes(handler, CIRCUIT_FAILURE_THRESHOLD, 'UPSTREAM_ERROR');

    clock.advanceTo(CIRCUIT_OPEN_MS + 100);
    await failTimes(handler, 1, 'UPSTREAM_ERROR');
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });

    expect(upstream.requests).toBe(CIRCUIT_FAILURE_THRESHOLD + 1);
    expect(circuitLines('circuit_open')).toHaveLength(2);
  });

  it('counts an exchange once, retries included: 502s open it after 5 invocations (15 requests), not after 5 requests', async () => {
    const { upstream, handler } = await upstreamBench();
    upstream.script(...times(3 * CIRCUIT_FAILURE_THRESHOLD, jsonReply(502, { message: 'bad gateway' })));

    await failTimes(handler, CIRCUIT_FAILURE_THRESHOLD, 'UPSTREAM_ERROR');
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });

    expect(upstream.requests).toBe(3 * CIRCUIT_FAILURE_THRESHOLD);
  });

  it('counts timeouts as failures: 5 hung upstream calls in a row open it', async () => {
    const { upstream, handler } = await upstreamBench();
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    upstream.script(...times(CIRCUIT_FAILURE_THRESHOLD, hang));

    // 400 ms of Lambda time each, 200 ms of it for the call.
    for (let i = 0; i < CIRCUIT_FAILURE_THRESHOLD; i++) {
      await expect(handler(FOUND, createLambdaContext('faults', 400))).rejects.toMatchObject({ code: 'TIMEOUT' });
    }
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });

    expect(upstream.requests).toBe(1 + CIRCUIT_FAILURE_THRESHOLD);
  });

  it('counts failures in a row only: a success in between starts the count again', async () => {
    const { upstream, handler } = await upstreamBench();
    const failing = jsonReply(500, { message: 'internal error' });
    upstream.script(...times(4, failing));
    await failTimes(handler, 4, 'UPSTREAM_ERROR');
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    upstream.script(...times(4, failing));
    await failTimes(handler, 4, 'UPSTREAM_ERROR');

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(upstream.requests).toBe(10);
    expect(circuitLines('circuit_open')).toHaveLength(0);
  });

  it('an upstream 4xx (404) is an answer, not an outage: it never opens the circuit', async () => {
    const { upstream, handler } = await upstreamBench();
    upstream.script(...times(8, jsonReply(404, { message: 'no such customer route' })));

    for (let i = 0; i < 8; i++) await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', status: 404 });
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(upstream.requests).toBe(9);
    expect(circuitLines('circuit_open')).toHaveLength(0);
  });
});

describe('circuit breaker: the token endpoint', () => {
  async function tokenBench() {
    const clock = controlClock();
    const bench = await openBench();
    const token = await bench.faulty(bench.bridge.sandbox.tokenEndpoint.url);
    return { clock, bench, token, handler: bench.bridge.coldContainer({ TOKEN_URL: `${token.url}/oauth/token` }) };
  }

  it('after 5 TOKEN_UNAVAILABLE in a row, CIRCUIT_OPEN without a token request; after 10 s a trial succeeds', async () => {
    const { clock, bench, token, handler } = await tokenBench();
    token.script(...times(CIRCUIT_FAILURE_THRESHOLD, jsonReply(500, { message: 'internal error' })));
    await failTimes(handler, CIRCUIT_FAILURE_THRESHOLD, 'TOKEN_UNAVAILABLE');

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      message: expect.stringMatching(/^CIRCUIT_OPEN: the token endpoint failed 5 times in a row; calls to it are paused/),
    });
    expect(token.requests).toBe(CIRCUIT_FAILURE_THRESHOLD);
    expect(circuitLines('circuit_open')).toStrictEqual([expect.objectContaining({ level: 'warn', dependency: 'the token endpoint' })]);

    clock.advanceTo(CIRCUIT_OPEN_MS + 100);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect(token.requests).toBe(CIRCUIT_FAILURE_THRESHOLD + 1);
    expect(bench.counts()).toStrictEqual({ secret: 1, token: 1, upstream: 1 });
  });

  it('a rejected client (invalid_client) is not an outage: it never opens the circuit', async () => {
    const { clock, bench, token, handler } = await tokenBench();
    bench.bridge.sandbox.tokenEndpoint.setClients([]);

    // A rejected client fails fast for 30 s (lib/oauth/tokenCache.ts); past that, each invocation asks again.
    for (let i = 0; i < CIRCUIT_FAILURE_THRESHOLD + 2; i++) {
      clock.advanceTo(i * 31_000);
      await failTimes(handler, 1, 'TOKEN_INVALID_CLIENT');
    }

    expect(token.requests).toBe(CIRCUIT_FAILURE_THRESHOLD + 2);
    expect(circuitLines('circuit_open')).toHaveLength(0);
  });
});

describe("circuit breaker: Secrets Manager (lib/auth/secretCache.ts: the action secret and the HTTPS front's callers' secret)", () => {
  const DEPENDENCY = `Secrets Manager (secret ${SANDBOX_SECRET_ID})`;
  /** 700 ms of Lambda time: 500 ms for the invocation after the 200 ms margin. */
  const LAMBDA_MS = 700;

  /** A cold container that reaches Secrets Manager through a faulty server. */
  async function secretsBench(options: Parameters<typeof openBench>[0] = {}, overrides: Record<string, string> = {}) {
    const clock = controlClock();
    const bench = await openBench(options);
    const secrets = await bench.faulty(bench.bridge.sandbox.secretsManager.url);
    return { clock, bench, secrets, handler: bench.bridge.coldContainer({ AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url, ...overrides }) };
  }

  it('hung: after 5 invocations that each waited out their deadline, the next fails at once with CIRCUIT_OPEN and sends nothing; when it answers again, a trial closes it', async () => {
    const { clock, bench, secrets, handler } = await secretsBench();
    secrets.otherwise(hang);
    for (let i = 0; i < CIRCUIT_FAILURE_THRESHOLD; i++) {
      const waited = await timed(() => handler(FOUND, createLambdaContext('faults', LAMBDA_MS)));
      await expect(waited.outcome).rejects.toMatchObject({ code: 'TIMEOUT' });
      expect(waited.elapsedMs).toBeGreaterThanOrEqual(450);
    }

    const { elapsedMs, outcome } = await timed(() => handler(FOUND, createLambdaContext('faults', LAMBDA_MS)));

    await expect(outcome).rejects.toMatchObject({
      code: 'CIRCUIT_OPEN',
      message: expect.stringMatching(/^CIRCUIT_OPEN: Secrets Manager \(secret data-action-bridge\/sandbox\) failed 5 times in a row; calls to it are paused/),
    });
    expect(elapsedMs).toBeLessThan(100);
    expect(secrets.requests).toBe(CIRCUIT_FAILURE_THRESHOLD);
    expect(circuitLines('circuit_open')).toStrictEqual([expect.objectContaining({ level: 'warn', dependency: DEPENDENCY })]);

    secrets.otherwise(forward);
    clock.advanceTo(CIRCUIT_OPEN_MS + 100);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect(secrets.requests).toBe(CIRCUIT_FAILURE_THRESHOLD + 1);
    expect(circuitLines('circuit_closed')).toStrictEqual([expect.objectContaining({ dependency: DEPENDENCY })]);
    expect(bench.counts()).toStrictEqual({ secret: 1, token: 1, upstream: 1 });
  });

  it('failing (500) after the TTL: the stale value is still served while the circuit is open, without asking Secrets Manager', async () => {
    // 1 s tokens: every invocation after the clock moves needs a token, and with it the secret (past its 60 s TTL).
    const { clock, bench, secrets, handler } = await secretsBench({ tokenLifetimeSeconds: 1 }, { SECRET_TTL_SECONDS: '60' });
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    bench.bridge.sandbox.secretsManager.failWith({ type: 'InternalServiceError', status: 500 });
    // Each failed refresh (3 attempts) is remembered for SECRET_FAILURE_MEMORY_MS: the next counts after that.
    const refreshAt = (n: number) => 61_000 + n * (SECRET_FAILURE_MEMORY_MS + 1);
    for (let n = 0; n < CIRCUIT_FAILURE_THRESHOLD; n++) {
      clock.advanceTo(refreshAt(n));
      await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    }
    expect(secrets.requests).toBe(1 + CIRCUIT_FAILURE_THRESHOLD * RETRY_MAX_ATTEMPTS);
    expect(circuitLines('circuit_open')).toHaveLength(1);

    clock.advanceTo(refreshAt(CIRCUIT_FAILURE_THRESHOLD));
    const { elapsedMs, outcome } = await timed(() => invoke(handler, FOUND));

    await expect(outcome).resolves.toStrictEqual(ADA);
    expect(elapsedMs).toBeLessThan(300);
    expect(secrets.requests).toBe(1 + CIRCUIT_FAILURE_THRESHOLD * RETRY_MAX_ATTEMPTS);
    expect(recordsOf(logs.records(), 'secret_stale').at(-1)).toMatchObject({ level: 'warn', reason: 'CIRCUIT_OPEN' });
  });

  it.each([
    ['AccessDeniedException', 'SECRET_ACCESS_DENIED'],
    ['ResourceNotFoundException', 'SECRET_NOT_FOUND'],
  ])('%s is an answer, not an outage: it never opens the circuit', async (type, code) => {
    const { bench, secrets, handler } = await secretsBench();
    bench.bridge.sandbox.secretsManager.failWith({ type, status: 400 });

    await failTimes(handler, CIRCUIT_FAILURE_THRESHOLD + 2, code);
    bench.bridge.sandbox.secretsManager.failWith(undefined);

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect(secrets.requests).toBe(CIRCUIT_FAILURE_THRESHOLD + 3);
    expect(circuitLines('circuit_open')).toHaveLength(0);
  });
});

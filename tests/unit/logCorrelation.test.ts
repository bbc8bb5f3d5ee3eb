import { ACTIONS } from '../../lib/actions';
import { CIRCUIT_FAILURE_THRESHOLD, CIRCUIT_OPEN_MS } from '../../lib/base/constants';
import type { DirectHandler } from '../../lib/front/directInvoke';
import { createHttpHandler } from '../../lib/front/httpFront';
import { invocationLog, logger, logKeysOf } from '../../lib/base/logger';
import { SANDBOX_CLIENT, SANDBOX_HTTP_AUTH_SECRET_ID, SANDBOX_HTTP_KEYS, SANDBOX_SECRET_ID } from '../../tools/sandbox/sandbox';
import { controlClock, lambdaContext, recordsOf } from '../support/bridge';
import { ADA, FOUND, openBench, useFaultBench } from '../support/faultBench';
import { jsonReply, times } from '../support/faultyServer';
import { httpApiEvent } from '../support/httpCalls';

/**
 * docs/design.md §10: every line an invocation writes carries its correlation id (and the Genesys
 * organization id when there is one), not only the summary line — lines written deep in
 * the secret cache, the retry loop, the circuit breaker and the HTTP front's caller
 * authentication included (the invocation's deadline carries its log: lib/base/logger.ts
 * invocationLog). Real handler, real AWS SDK,
 * real sockets on loopback.
 */

const logs = useFaultBench();

const ORGANIZATION_ID = '8f0c7a6e-1d2b-4c3d-9e8f-0a1b2c3d4e5f';

/** Invokes as Genesys does: its correlation (and organization) id in the client context. */
function invokeAs(handler: DirectHandler, correlationId: string, organizationId?: string): Promise<unknown> {
  return handler(FOUND, lambdaContext({ clientContext: { 'ININ-Correlation-Id': correlationId, ...(organizationId && { 'ININ-Organization-Id': organizationId }) } }));
}

/** The records logged from now on. */
function linesFromNow(): () => Array<Record<string, unknown>> {
  const start = logs.lines.length;
  return () => logs.records().slice(start);
}

const idsOf = (records: Array<Record<string, unknown>>) => records.map((record) => record.correlationId);

describe('invocationLog (lib/base/logger.ts)', () => {
  it("stamps the keys on each line without accumulating one line's fields into the next, and a line's own fields win", () => {
    const keys = logKeysOf('unit-corr-1', ORGANIZATION_ID);
    const log = invocationLog(keys);
    const written = linesFromNow();

    log.warn({ event: 'first', extra: 1 }, 'first');
    log.warn({ event: 'second', correlationId: 'its-own' }, 'second');
    logger.warn({ event: 'outside' }, 'outside');

    expect(written()).toStrictEqual([
      expect.objectContaining({ event: 'first', extra: 1, correlationId: 'unit-corr-1', organizationId: ORGANIZATION_ID }),
      expect.not.objectContaining({ extra: 1 }),
      expect.not.objectContaining({ correlationId: expect.anything() }),
    ]);
    expect(written()[1]).toMatchObject({ event: 'second', correlationId: 'its-own', organizationId: ORGANIZATION_ID });
    expect(keys).toStrictEqual({ correlationId: 'unit-corr-1', organizationId: ORGANIZATION_ID });
  });

  it('writes at the levels the logger has enabled only, and without keys is the shared logger itself', () => {
    const log = invocationLog(logKeysOf('unit-corr-2'));
    const written = linesFromNow();

    log.debug({ event: 'below_level' }, 'not written at info');
    log.error({ event: 'at_level' }, 'written');

    expect(written()).toStrictEqual([expect.objectContaining({ level: 'error', event: 'at_level', correlationId: 'unit-corr-2' })]);
    expect(invocationLog(logKeysOf(undefined))).toBe(logger);
  });
});

describe('correlation id on every line of a direct invocation', () => {
  it('a secret hygiene warning carries the correlation and organization ids of the invocation that read the secret', async () => {
    const bench = await openBench({ secretString: JSON.stringify({ ...SANDBOX_CLIENT, clientSecret: `${SANDBOX_CLIENT.clientSecret}\n` }) });

    await expect(invokeAs(bench.bridge.coldContainer(), 'hygiene-corr-1', ORGANIZATION_ID)).resolves.toStrictEqual(ADA);

    expect(recordsOf(logs.records(), 'secret_hygiene')).toStrictEqual([
      expect.objectContaining({ level: 'warn', secretId: SANDBOX_SECRET_ID, correlationId: 'hygiene-corr-1', organizationId: ORGANIZATION_ID }),
    ]);
  });

  it('retry lines (upstream 503 then 200, LOG_LEVEL=debug) carry it, as does every other line the invocation writes', async () => {
    const bench = await openBench();
    const upstream = await bench.faulty(bench.bridge.sandbox.customerApi.url);
    const handler = bench.bridge.coldContainer({ UPSTREAM_BASE_URL: upstream.url, LOG_LEVEL: 'debug' });
    upstream.script(jsonReply(503, { message: 'try later' }));
    const written = linesFromNow();

    await expect(invokeAs(handler, 'retry-corr-1')).resolves.toStrictEqual(ADA);

    expect(recordsOf(written(), 'retry')).toStrictEqual([expect.objectContaining({ level: 'debug', step: 'upstream request', attempt: 1, correlationId: 'retry-corr-1' })]);
    expect(written().length).toBeGreaterThan(2);
    expect(written().filter((record) => record.correlationId !== 'retry-corr-1')).toStrictEqual([]);
  });

  it('circuit_open carries the id of the invocation whose failure opened it, circuit_closed that of the trial call', async () => {
    const clock = controlClock();
    const bench = await openBench();
    const upstream = await bench.faulty(bench.bridge.sandbox.customerApi.url);
    const handler = bench.bridge.coldContainer({ UPSTREAM_BASE_URL: upstream.url });
    upstream.script(...times(CIRCUIT_FAILURE_THRESHOLD, jsonReply(500, { message: 'internal error' })));

    for (let i = 1; i <= CIRCUIT_FAILURE_THRESHOLD; i++) await expect(invokeAs(handler, `circuit-corr-${i}`)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    await expect(invokeAs(handler, 'circuit-corr-refused')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
    clock.advanceTo(CIRCUIT_OPEN_MS + 100);
    await expect(invokeAs(handler, 'circuit-corr-trial')).resolves.toStrictEqual(ADA);

    expect(recordsOf(logs.records(), 'circuit_open')).toStrictEqual([expect.objectContaining({ level: 'warn', correlationId: `circuit-corr-${CIRCUIT_FAILURE_THRESHOLD}` })]);
    expect(recordsOf(logs.records(), 'circuit_closed')).toStrictEqual([expect.objectContaining({ correlationId: 'circuit-corr-trial' })]);
  });

  it('a stale-secret warning carries the id of the invocation that was served the stale value', async () => {
    // 1 s tokens: past the secret's TTL, the next invocation needs a token and so the secret.
    const bench = await openBench({ tokenLifetimeSeconds: 1 });
    const clock = controlClock();
    const handler = bench.bridge.coldContainer({ SECRET_TTL_SECONDS: '60', SECRET_STALE_SECONDS: '900' });
    await expect(invokeAs(handler, 'stale-corr-warm')).resolves.toStrictEqual(ADA);
    clock.advanceTo(61_000);
    bench.bridge.sandbox.secretsManager.failWith({ type: 'ThrottlingException', status: 400 });

    await expect(invokeAs(handler, 'stale-corr-1')).resolves.toStrictEqual(ADA);

    expect(recordsOf(logs.records(), 'secret_stale')).toStrictEqual([expect.objectContaining({ level: 'warn', secretId: SANDBOX_SECRET_ID, correlationId: 'stale-corr-1' })]);
  });
});

describe('concurrent invocations', () => {
  it('two invocations in flight at once each stamp their own id on their own lines', async () => {
    const bench = await openBench();
    const upstream = await bench.faulty(bench.bridge.sandbox.customerApi.url);
    const handler = bench.bridge.coldContainer({ UPSTREAM_BASE_URL: upstream.url, LOG_LEVEL: 'debug' });
    await expect(invokeAs(handler, 'warm-up')).resolves.toStrictEqual(ADA);
    // Each invocation's first upstream request is answered 503, so each writes a retry line of its own.
    upstream.script(...times(2, jsonReply(503, { message: 'try later' })));

    const outputs = await Promise.all([invokeAs(handler, 'concurrent-a', ORGANIZATION_ID), invokeAs(handler, 'concurrent-b')]);

    expect(outputs).toStrictEqual([ADA, ADA]);
    const retries = recordsOf(logs.records(), 'retry');
    expect(idsOf(retries).sort()).toStrictEqual(['concurrent-a', 'concurrent-b']);
    expect(retries.find((record) => record.correlationId === 'concurrent-a')).toMatchObject({ organizationId: ORGANIZATION_ID });
    expect(retries.find((record) => record.correlationId === 'concurrent-b')).not.toHaveProperty('organizationId');
    expect(idsOf(recordsOf(logs.records(), 'invocation')).slice(1).sort()).toStrictEqual(['concurrent-a', 'concurrent-b']);
  });

  it("a fetch shared by two invocations logs under the id of the one that started it (it runs under the starter's deadline)", async () => {
    const bench = await openBench({ secretString: JSON.stringify({ ...SANDBOX_CLIENT, clientSecret: ` ${SANDBOX_CLIENT.clientSecret}` }) });
    const handler = bench.bridge.coldContainer();

    await expect(Promise.all([invokeAs(handler, 'shared-first'), invokeAs(handler, 'shared-joined')])).resolves.toStrictEqual([ADA, ADA]);

    expect(bench.counts().secret).toBe(1);
    expect(idsOf(recordsOf(logs.records(), 'secret_hygiene'))).toStrictEqual(['shared-first']);
  });
});

describe('correlation id on the HTTP front', () => {
  const headers = (correlationId: string, apiKey?: string) => ({ 'x-correlation-id': correlationId, ...(apiKey && { authorization: `Bearer ${apiKey}` }) });

  it('request_refused carries the id of the refused request', async () => {
    const bench = await openBench();
    const handler = createHttpHandler(ACTIONS, bench.bridge.sandbox.env);

    const result = await handler(httpApiEvent({ headers: headers('http-refused-1'), body: JSON.stringify(FOUND) }));

    expect(result.statusCode).toBe(401);
    expect(recordsOf(logs.records(), 'request_refused')).toStrictEqual([expect.objectContaining({ code: 'CALLER_UNAUTHENTICATED', correlationId: 'http-refused-1' })]);
  });

  it("lines written while authenticating the caller (a stale callers' secret) carry the request's id, before the action runs", async () => {
    const bench = await openBench();
    const clock = controlClock();
    const handler = createHttpHandler(ACTIONS, { ...bench.bridge.sandbox.env, SECRET_TTL_SECONDS: '60', SECRET_STALE_SECONDS: '900' });
    const event = (correlationId: string) => httpApiEvent({ headers: headers(correlationId, SANDBOX_HTTP_KEYS.apiKeys[0]), body: JSON.stringify(FOUND) });
    await expect(handler(event('http-warm'))).resolves.toMatchObject({ statusCode: 200 });
    clock.advanceTo(61_000);
    bench.bridge.sandbox.secretsManager.failWith({ type: 'ThrottlingException', status: 400 });
    const written = linesFromNow();

    await expect(handler(event('http-stale-1'))).resolves.toMatchObject({ statusCode: 200 });

    expect(recordsOf(written(), 'secret_stale')).toContainEqual(expect.objectContaining({ secretId: SANDBOX_HTTP_AUTH_SECRET_ID, correlationId: 'http-stale-1' }));
    expect(written().filter((record) => record.correlationId !== 'http-stale-1')).toStrictEqual([]);
  });
});

import fc from 'fast-check';
import { RETRY_BASE_DELAY_MS, RETRY_MAX_DELAY_MS } from '../../lib/base/constants';
import type { HttpResponse } from '../../lib/http/http';
import { backoffMs, isRetryableStatus, retryAfterMs } from '../../lib/http/retry';
import { createLambdaContext } from '../../tools/sandbox/lambdaContext';
import { invoke, recordsOf } from '../support/bridge';
import { ADA, FOUND, invocationLines, openBench, probeContainer, useFaultBench } from '../support/faultBench';
import { closedPort, jsonReply, partial, reply, reset, timed, times } from '../support/faultyServer';

/**
 * docs/design.md §7 retries, for idempotent requests only: on 429, 502, 503, 504, connection resets
 * and refused connections; never on other 4xx or on 500; at most 3 attempts; full-jitter
 * backoff from 100 ms capped at 1 s; Retry-After honoured when it fits before the deadline,
 * else UPSTREAM_RATE_LIMITED at once. Every count is what the faulty server received.
 */

const logs = useFaultBench();

/** The real customer API behind a faulty server that answers the scripted faults first. */
async function upstreamBench() {
  const bench = await openBench();
  const upstream = await bench.faulty(bench.bridge.sandbox.customerApi.url);
  return { bench, upstream, handler: bench.bridge.coldContainer({ UPSTREAM_BASE_URL: upstream.url }) };
}

/** The real token endpoint behind a faulty server. */
async function tokenBench() {
  const bench = await openBench();
  const token = await bench.faulty(bench.bridge.sandbox.tokenEndpoint.url);
  return { bench, token, handler: bench.bridge.coldContainer({ TOKEN_URL: `${token.url}/oauth/token` }) };
}

const upstreamCallsLogged = () => invocationLines(logs.records()).map((line) => line.upstreamCalls);

describe('upstream GET: retried on 429, 502, 503, 504 and connection failures', () => {
  it.each([502, 503, 504])('%i then 200 succeeds with exactly 2 upstream requests', async (status) => {
    const { upstream, handler } = await upstreamBench();
    upstream.script(jsonReply(status, { message: 'try later' }));

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(upstream.requests).toBe(2);
    expect(upstreamCallsLogged()).toStrictEqual([2]);
  });

  it('429 with Retry-After: 1 then 200 waits about a second, then succeeds with 2 requests', async () => {
    const { upstream, handler } = await upstreamBench();
    upstream.script(jsonReply(429, { message: 'slow down' }, { 'retry-after': '1' }));

    const { elapsedMs, outcome } = await timed(() => invoke(handler, FOUND));

    await expect(outcome).resolves.toStrictEqual(ADA);
    expect(upstream.requests).toBe(2);
    expect(elapsedMs).toBeGreaterThanOrEqual(950);
    expect(elapsedMs).toBeLessThan(2_000);
  });

  it('honours Retry-After given as an HTTP-date', async () => {
    const { upstream, handler } = await upstreamBench();
    // HTTP-dates have whole seconds: the wait is from now to that second, between 0.5 and 1.5 s.
    const retryAt = Math.floor((Date.now() + 1_500) / 1_000) * 1_000;
    upstream.script(reply(429, '', { 'retry-after': new Date(retryAt).toUTCString() }));

    const startedAt = Date.now();
    const { elapsedMs, outcome } = await timed(() => invoke(handler, FOUND));

    await expect(outcome).resolves.toStrictEqual(ADA);
    expect(upstream.requests).toBe(2);
    expect(elapsedMs).toBeGreaterThanOrEqual(retryAt - startedAt - 50);
  });

  it('a connection reset then 200 succeeds with exactly 2 requests', async () => {
    const { upstream, handler } = await upstreamBench();
    upstream.script(reset);

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(upstream.requests).toBe(2);
  });

  it('a connection reset in the middle of the body, then 200, succeeds with exactly 2 requests', async () => {
    const { upstream, handler } = await upstreamBench();
    const body = JSON.stringify({ data: [{ id: 'c-cut', firstName: 'Cut', orders: [] }] });
    upstream.script(partial({ status: 200, headers: { 'content-type': 'application/json' }, body }, 20, 'reset'));

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(upstream.requests).toBe(2);
  });

  it('three 503s end in UPSTREAM_ERROR after exactly 3 attempts', async () => {
    const { upstream, handler } = await upstreamBench();
    upstream.script(...times(3, jsonReply(503, { message: 'down' }, { 'x-request-id': 'req-503' })));

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
      status: 503,
      message: expect.stringContaining('HTTP 503, correlation id req-503'),
    });

    expect(upstream.requests).toBe(3);
    expect(upstreamCallsLogged()).toStrictEqual([3]);
  });

  it('three 429s end in UPSTREAM_RATE_LIMITED after exactly 3 attempts', async () => {
    const { upstream, handler } = await upstreamBench();
    upstream.script(...times(3, jsonReply(429, { message: 'slow down' })));

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', status: 429 });

    expect(upstream.requests).toBe(3);
  });

  it('a Retry-After that does not fit before the deadline fails at once with UPSTREAM_RATE_LIMITED', async () => {
    const { upstream, handler } = await upstreamBench();
    upstream.script(jsonReply(429, { message: 'come back in a minute' }, { 'retry-after': '30' }));

    const { elapsedMs, outcome } = await timed(() => handler(FOUND, createLambdaContext('faults', 6_000)));

    await expect(outcome).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', status: 429 });
    expect(upstream.requests).toBe(1);
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('a 503 whose Retry-After does not fit before the deadline also fails at once, as UPSTREAM_RATE_LIMITED', async () => {
    const { upstream, handler } = await upstreamBench();
    upstream.script(jsonReply(503, { message: 'maintenance' }, { 'retry-after': '30' }));

    const { elapsedMs, outcome } = await timed(() => handler(FOUND, createLambdaContext('faults', 6_000)));

    await expect(outcome).rejects.toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', status: 503, message: expect.stringContaining('wait 30 s') });
    expect(upstream.requests).toBe(1);
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('a refused connection ends in UPSTREAM_ERROR naming ECONNREFUSED after 3 attempts', async () => {
    const bench = await openBench();
    const handler = bench.bridge.coldContainer({ UPSTREAM_BASE_URL: `http://127.0.0.1:${await closedPort()}`, LOG_LEVEL: 'debug' });

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringContaining('ECONNREFUSED') });

    // Nothing listens, so the attempts are counted by the bridge: 1 + 2 retries.
    expect(upstreamCallsLogged()).toStrictEqual([3]);
    expect(recordsOf(logs.records(), 'retry').map((r) => [r.step, r.attempt, r.reason])).toStrictEqual([
      ['upstream request', 1, 'ECONNREFUSED'],
      ['upstream request', 2, 'ECONNREFUSED'],
    ]);
  });
});

describe('upstream: never retried on 500 or other 4xx', () => {
  it.each([500, 400, 404, 403])('%i is answered after exactly 1 request with UPSTREAM_ERROR', async (status) => {
    const { upstream, handler } = await upstreamBench();
    upstream.script(jsonReply(status, { message: 'no' }));

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', status });

    expect(upstream.requests).toBe(1);
    expect(upstreamCallsLogged()).toStrictEqual([1]);
  });
});

describe('requests that are not idempotent (docs/design.md §7)', () => {
  const accepted = jsonReply(200, { accepted: true });

  it('a POST action that does not declare itself idempotent is not retried on 503', async () => {
    const bench = await openBench();
    const upstream = await bench.faulty();
    upstream.script(jsonReply(503, { message: 'down' }));
    upstream.otherwise(accepted);

    await expect(invoke(probeContainer(bench, undefined, { UPSTREAM_BASE_URL: upstream.url }), { id: 'a' })).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
      status: 503,
    });

    expect(upstream.requests).toBe(1);
    expect(upstream.seen[0]).toMatchObject({ method: 'POST', body: '{"id":"a"}' });
  });

  it('nor after a connection reset: the server may have acted on it', async () => {
    const bench = await openBench();
    const upstream = await bench.faulty();
    upstream.script(reset);
    upstream.otherwise(accepted);

    await expect(invoke(probeContainer(bench, undefined, { UPSTREAM_BASE_URL: upstream.url }), { id: 'a' })).rejects.toMatchObject({
      code: 'UPSTREAM_ERROR',
    });

    expect(upstream.requests).toBe(1);
  });

  it('the same POST declared idempotent: true is retried on 503 and succeeds with 2 requests', async () => {
    const bench = await openBench();
    const upstream = await bench.faulty();
    upstream.script(jsonReply(503, { message: 'down' }));
    upstream.otherwise(accepted);

    await expect(invoke(probeContainer(bench, true, { UPSTREAM_BASE_URL: upstream.url }), { id: 'a' })).resolves.toStrictEqual({ accepted: true });

    expect(upstream.requests).toBe(2);
  });
});

describe('token requests are retried as upstream calls are (docs/design.md §6)', () => {
  it.each([
    ['503', jsonReply(503, { error: 'temporarily_unavailable' })],
    ['429', jsonReply(429, { message: 'slow down' })],
    ['a connection reset', reset],
  ])('%s then success: exactly 2 token requests, and the invocation succeeds', async (_case, fault) => {
    const { bench, token, handler } = await tokenBench();
    token.script(fault);

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(token.requests).toBe(2);
    expect(bench.counts()).toStrictEqual({ secret: 1, token: 1, upstream: 1 });
  });

  it('a Retry-After that does not fit before the deadline: TOKEN_UNAVAILABLE at once after 1 token request', async () => {
    const { token, handler } = await tokenBench();
    token.script(jsonReply(429, { message: 'slow down' }, { 'retry-after': '60' }));

    const { elapsedMs, outcome } = await timed(() => invoke(handler, FOUND));

    await expect(outcome).rejects.toMatchObject({ code: 'TOKEN_UNAVAILABLE', status: 429 });
    expect(token.requests).toBe(1);
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('500 is not retried: TOKEN_UNAVAILABLE after exactly 1 token request, no upstream call', async () => {
    const { bench, token, handler } = await tokenBench();
    token.script(jsonReply(500, { message: 'internal error' }));

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ name: 'TokenError', code: 'TOKEN_UNAVAILABLE', status: 500 });

    expect(token.requests).toBe(1);
    expect(bench.counts().upstream).toBe(0);
  });

  it('three 503s: TOKEN_UNAVAILABLE after exactly 3 token requests', async () => {
    const { bench, token, handler } = await tokenBench();
    token.script(...times(3, jsonReply(503, { message: 'down' })));

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'TOKEN_UNAVAILABLE', message: expect.stringContaining('HTTP 503') });

    expect(token.requests).toBe(3);
    expect(bench.counts()).toStrictEqual({ secret: 1, token: 0, upstream: 0 });
  });

  it('a token endpoint that refuses connections: TOKEN_UNAVAILABLE naming ECONNREFUSED', async () => {
    const bench = await openBench();
    const handler = bench.bridge.coldContainer({ TOKEN_URL: `http://127.0.0.1:${await closedPort()}/oauth/token`, LOG_LEVEL: 'debug' });

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'TOKEN_UNAVAILABLE', message: expect.stringContaining('ECONNREFUSED') });

    expect(recordsOf(logs.records(), 'retry').map((r) => [r.step, r.attempt])).toStrictEqual([
      ['token request', 1],
      ['token request', 2],
    ]);
  });
});

function responseWith(headers: HttpResponse['headers'], status = 429): HttpResponse {
  return { status, headers, body: '', bodyBytes: 0 };
}

describe('lib/http/retry.ts', () => {
  describe('isRetryableStatus', () => {
    it.each([429, 502, 503, 504])('retries %i', (status) => {
      expect(isRetryableStatus(status)).toBe(true);
    });

    it.each([200, 204, 301, 400, 401, 403, 404, 408, 409, 422, 500, 501, 505])('does not retry %i', (status) => {
      expect(isRetryableStatus(status)).toBe(false);
    });
  });

  describe('backoffMs: full jitter from 100 ms, capped at 1 s', () => {
    it('waits a random time between 0 and min(1 s, 100 ms × 2^retry)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 30 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (retry, random) => {
          const delay = backoffMs(retry, () => random);
          const ceiling = Math.min(RETRY_MAX_DELAY_MS, RETRY_BASE_DELAY_MS * 2 ** retry);
          return Number.isInteger(delay) && delay >= 0 && delay < ceiling && delay === Math.floor(random * ceiling);
        }),
      );
    });

    it('grows 100, 200, 400, 800 ms and stays at the 1 s cap', () => {
      const almostOne = () => 0.999_999;

      expect([0, 1, 2, 3, 4, 5, 20].map((retry) => backoffMs(retry, almostOne))).toStrictEqual([99, 199, 399, 799, 999, 999, 999]);
    });

    it('is jittered over the whole range, from 0 (no fixed minimum)', () => {
      expect(backoffMs(3, () => 0)).toBe(0);
      expect(backoffMs(3, () => 0.5)).toBe(400);
    });

    it('uses Math.random by default', () => {
      jest.spyOn(Math, 'random').mockReturnValue(0.25);

      expect(backoffMs(1)).toBe(50);
    });
  });

  describe('retryAfterMs (RFC 9110 §10.2.3)', () => {
    const now = Date.UTC(2026, 10, 26, 12, 0, 0);

    it('reads delay-seconds', () => {
      expect(retryAfterMs(responseWith({ 'retry-after': '3' }), now)).toBe(3_000);
      expect(retryAfterMs(responseWith({ 'retry-after': ' 0 ' }), now)).toBe(0);
      expect(retryAfterMs(responseWith({ 'retry-after': ['2', '9'] }), now)).toBe(2_000);
    });

    it('reads an HTTP-date as the time until then, and a past date as no wait', () => {
      expect(retryAfterMs(responseWith({ 'retry-after': new Date(now + 5_000).toUTCString() }), now)).toBe(5_000);
      expect(retryAfterMs(responseWith({ 'retry-after': 'Thu, 26 Nov 2026 11:59:00 GMT' }), now)).toBe(0);
    });

    it('is undefined without the header or when it is neither seconds nor a date', () => {
      expect(retryAfterMs(responseWith({}), now)).toBeUndefined();
      expect(retryAfterMs(responseWith({ 'retry-after': '' }), now)).toBeUndefined();
      expect(retryAfterMs(responseWith({ 'retry-after': 'soon' }), now)).toBeUndefined();
    });

    // delay-seconds is 1*DIGIT; anything else that is not an HTTP-date is invalid and must be
    // ignored (falling back to backoff), not read by Date.parse's lenient guesses ("1.5" is
    // 2001-01-05 there, so the wait would be 0 and the server hammered at once).
    it.each(['1.5', '-1', '+5', '1e3'])('ignores the invalid value %p instead of reading it as a date', (value) => {
      expect(retryAfterMs(responseWith({ 'retry-after': value }), now)).toBeUndefined();
    });
  });
});

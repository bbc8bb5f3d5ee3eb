import { invoke } from './support/bridge';
import { ADA, FOUND, openBench, useFaultBench } from './support/faultBench';
import { jsonReply, reply, type Fault } from './support/faultyServer';

/**
 * SPEC §7: what the upstream answers is checked, never trusted. A body that is not JSON by
 * its content type, malformed JSON, a body over MAX_UPSTREAM_BYTES or one that does not
 * match the action's schema is UPSTREAM_INVALID_RESPONSE naming the status and the
 * upstream's correlation id; the container keeps serving. (Redirects, which are not
 * followed, are tested in tests/security.test.ts.)
 */

const logs = useFaultBench();

const CORRELATION = { 'x-request-id': 'garbage-req-7' };
const MAX_UPSTREAM_BYTES = 1_024;

const GARBAGE: Array<[string, Fault, RegExp]> = [
  [
    'an HTML error page with 200',
    reply(200, '<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>', { 'content-type': 'text/html; charset=utf-8', ...CORRELATION }),
    /HTML page/,
  ],
  ['truncated JSON', reply(200, '{"data":[{"id":"c-1001","firstName":"Ada"', { 'content-type': 'application/json', ...CORRELATION }), /malformed JSON/],
  ['JSON sent as text/plain', reply(200, JSON.stringify({ data: [] }), { 'content-type': 'text/plain', ...CORRELATION }), /not JSON \(content type\)/],
  ['JSON without a content type', reply(200, JSON.stringify({ data: [] }), CORRELATION), /not JSON/],
  [
    `a body over MAX_UPSTREAM_BYTES (${MAX_UPSTREAM_BYTES})`,
    jsonReply(200, { data: [], padding: 'x'.repeat(4 * MAX_UPSTREAM_BYTES) }, CORRELATION),
    /exceeds MAX_UPSTREAM_BYTES/,
  ],
  ['a schema mismatch (data is not an array)', jsonReply(200, { data: 'c-1001' }, CORRELATION), /does not match the expected shape: data:/],
  ['a schema mismatch (no data at all)', jsonReply(200, { customers: [] }, CORRELATION), /does not match the expected shape: data:/],
];

describe('upstream garbage is UPSTREAM_INVALID_RESPONSE naming the status and correlation id; the container keeps serving', () => {
  it.each(GARBAGE)('%s', async (_case, garbage, problem) => {
    const bench = await openBench();
    const upstream = await bench.faulty(bench.bridge.sandbox.customerApi.url);
    upstream.script(garbage);
    const handler = bench.bridge.coldContainer({ UPSTREAM_BASE_URL: upstream.url, MAX_UPSTREAM_BYTES: String(MAX_UPSTREAM_BYTES) });

    const result = invoke(handler, FOUND);

    await expect(result).rejects.toMatchObject({ name: 'UpstreamError', code: 'UPSTREAM_INVALID_RESPONSE', status: 200, upstreamCorrelationId: 'garbage-req-7' });
    await expect(result).rejects.toMatchObject({ message: expect.stringMatching(problem) });
    await expect(result).rejects.toMatchObject({ message: expect.stringContaining('(HTTP 200, correlation id garbage-req-7)') });
    // Garbage is not retried (it is an answer), and the next invocation on the same container succeeds.
    expect(upstream.requests).toBe(1);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect(upstream.requests).toBe(2);
  });

  it('never quotes the body in the message', async () => {
    const bench = await openBench();
    const upstream = await bench.faulty(bench.bridge.sandbox.customerApi.url);
    upstream.script(reply(200, '<html>internal-stack-trace-marker</html>', { 'content-type': 'text/html' }));

    await expect(invoke(bench.bridge.coldContainer({ UPSTREAM_BASE_URL: upstream.url }), FOUND)).rejects.toMatchObject({
      message: expect.not.stringContaining('internal-stack-trace-marker'),
    });
    expect(logs.lines.join('\n')).not.toContain('internal-stack-trace-marker');
  });
});

describe('a token that cannot be sent in a header', () => {
  it('an access_token ending in a newline is TOKEN_INVALID_RESPONSE, never cached, and never blamed on the upstream (no upstream request, no open circuit)', async () => {
    const bench = await openBench();
    const tokenEndpoint = await bench.faulty();
    const token = 'header-unsafe-canary-19d4';
    tokenEndpoint.otherwise(jsonReply(200, { access_token: `${token}\n`, token_type: 'Bearer', expires_in: 3600 }));
    const handler = bench.bridge.coldContainer({ TOKEN_URL: `${tokenEndpoint.url}/oauth/token` });

    // One more than CIRCUIT_FAILURE_THRESHOLD (5).
    for (let i = 0; i < 6; i++) {
      await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'TOKEN_INVALID_RESPONSE', message: expect.not.stringContaining(token) });
    }

    expect(tokenEndpoint.requests).toBe(6);
    expect(bench.counts().upstream).toBe(0);
    expect(logs.lines.join('\n')).not.toContain(token);
  });
});

describe('upstream correlation ids (SPEC §9)', () => {
  it('drops a correlation id that is not shaped like an id (an echoed Authorization header) and names the next one', async () => {
    const bench = await openBench();
    const upstream = await bench.faulty(bench.bridge.sandbox.customerApi.url);
    const handler = bench.bridge.coldContainer({ UPSTREAM_BASE_URL: upstream.url });
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    const authorization = String(upstream.seen[0]!.headers.authorization);
    upstream.script(reply(500, '', { 'x-correlation-id': authorization, 'x-request-id': 'upstream-req-9' }));

    const result = invoke(handler, FOUND);

    await expect(result).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCorrelationId: 'upstream-req-9', message: expect.stringContaining('correlation id upstream-req-9') });
    await expect(result).rejects.toMatchObject({ message: expect.not.stringContaining(authorization.replace(/^Bearer /, '')) });
    expect(logs.lines.join('\n')).not.toContain(authorization.replace(/^Bearer /, ''));
  });

  it('drops a correlation id that holds the bare token the request carried (an opaque token is id-shaped)', async () => {
    const bench = await openBench();
    const upstream = await bench.faulty(bench.bridge.sandbox.customerApi.url);
    const handler = bench.bridge.coldContainer({ UPSTREAM_BASE_URL: upstream.url });
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    const token = String(upstream.seen[0]!.headers.authorization).replace(/^Bearer /, '');
    upstream.script(reply(500, '', { 'x-request-id': token }));

    const result = invoke(handler, FOUND);

    await expect(result).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.not.stringContaining(token) });
    await expect(result).rejects.toMatchObject({ upstreamCorrelationId: undefined });
    expect(logs.lines.join('\n')).not.toContain(token);
  });
});

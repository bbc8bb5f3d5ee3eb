import { invoke } from '../support/bridge';
import { ADA, FOUND, invocationLines, openBench, useFaultBench } from '../support/faultBench';
import { jsonReply, reply, type Fault } from '../support/faultyServer';
import { errorTexts, findLeaks, type Haystack } from '../support/leaks';

/**
 * docs/design.md §7: what the upstream answers is checked, never trusted. A body that is not JSON by
 * its content type, malformed JSON, a body over MAX_UPSTREAM_BYTES or one that does not
 * match the action's schema is UPSTREAM_INVALID_RESPONSE naming the status and the
 * upstream's correlation id; the container keeps serving. (Redirects, which are not
 * followed, are tested in tests/unit/security.test.ts.)
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

describe('upstream correlation ids (docs/design.md §9)', () => {
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

  // A client and a token this file makes up: mixed case, so that a lower- or upper-cased copy differs from them.
  const LEAK_CLIENT = { clientId: 'leak-client', clientSecret: 'Leak-Secret-Canary-8HqZ3vT1wX' };
  const LEAK_TOKEN = 'Mixed-Case-Token-Canary-4kT9QzR2wLp7';

  /** A bridge whose token endpoint issues LEAK_TOKEN and whose upstream answers as the test scripts it. */
  async function leakBench() {
    const bench = await openBench({ secretString: JSON.stringify(LEAK_CLIENT), clients: [LEAK_CLIENT] });
    const tokenEndpoint = await bench.faulty();
    tokenEndpoint.otherwise(jsonReply(200, { access_token: LEAK_TOKEN, token_type: 'Bearer', expires_in: 3600 }));
    const upstream = await bench.faulty();
    return { upstream, handler: bench.bridge.coldContainer({ TOKEN_URL: `${tokenEndpoint.url}/oauth/token`, UPSTREAM_BASE_URL: upstream.url }) };
  }

  /** A failed and a successful invocation, each answered with `headers`: what they threw, returned and logged. */
  async function answeredWith(headers: Record<string, string>) {
    const { upstream, handler } = await leakBench();
    upstream.script(reply(500, '', headers), jsonReply(200, { data: [] }, headers));
    const failure = await invoke(handler, FOUND).catch((error: unknown) => error);
    const output = await invoke(handler, FOUND);
    const haystacks: Haystack[] = [
      ...logs.lines.map((line, i): Haystack => [`log line ${i}`, line]),
      ...errorTexts(failure).map((text): Haystack => ['the error', text]),
      ['the output', JSON.stringify(output)],
    ];
    return { failure, output, haystacks, logged: invocationLines(logs.records()).map((line) => line.upstreamCorrelationId) };
  }

  it.each([
    ['the token', LEAK_TOKEN],
    ['the token lower-cased', LEAK_TOKEN.toLowerCase()],
    ['the token upper-cased', LEAK_TOKEN.toUpperCase()],
    ["the token's first 16 characters", LEAK_TOKEN.slice(0, 16)],
    ["the token's last 16 characters", LEAK_TOKEN.slice(-16)],
    ['8 characters of the token inside an id', `req-${LEAK_TOKEN.slice(10, 18).toLowerCase()}-7`],
    ['the client secret', LEAK_CLIENT.clientSecret],
    ['the client secret upper-cased', LEAK_CLIENT.clientSecret.toUpperCase()],
    ['8 characters of the client secret inside an id', `req-${LEAK_CLIENT.clientSecret.slice(12, 20)}-7`],
  ])('drops an upstream correlation id holding %s: it reaches no error, log line or output', async (_case, echoed) => {
    const { failure, output, haystacks, logged } = await answeredWith({ 'x-request-id': echoed });

    expect(failure).toMatchObject({ code: 'UPSTREAM_ERROR', status: 500, upstreamCorrelationId: undefined });
    expect(output).toStrictEqual({ found: false });
    expect(logged).toStrictEqual([undefined, undefined]);
    expect(findLeaks(haystacks, [['echoed credential', echoed]])).toStrictEqual([]);
  });

  it.each([
    ['x-request-id', 'a UUID', '3fa85f64-5717-4562-b3fc-2c963f66afa6'],
    ['inin-correlation-id', "a Genesys Cloud API's", '0c7b2d52-6f4e-4b38-9f1e-5a2d8c3b7e14'],
    ['x-amzn-requestid', 'an API Gateway', 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef'],
    ['x-request-id', 'a short', 'upstream-req-9'],
  ])('keeps an ordinary %s (%s id)', async (header, _kind, id) => {
    const { failure, output, logged } = await answeredWith({ [header]: id });

    expect(failure).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamCorrelationId: id, message: expect.stringContaining(`correlation id ${id}`) });
    expect(output).toStrictEqual({ found: false });
    expect(logged).toStrictEqual([id, id]);
  });
});

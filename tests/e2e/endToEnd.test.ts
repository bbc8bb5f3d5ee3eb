import { loadConfig } from '../../lib/runtime/config';
import { startCustomerApiStandIn } from '../../lib/actions/customerLookup/standIn';
import { SANDBOX_CLIENT } from '../../tools/sandbox/sandbox';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { controlClock, invoke, lambdaContext, openBridge, recordsOf, type Bridge } from '../support/bridge';
import { ADA } from '../support/fixtures';
import { hang, jsonReply, startFaultyServer } from '../support/faultyServer';
import { sampleEvent } from '../support/sandboxProcess';

/**
 * The real handler, the real AWS SDK and undici against loopback stand-ins (docs/design.md §3-§12):
 * every behaviour that crosses a process boundary, with request counts proving the caches.
 */

const FOUND = { phoneNumber: '+15551234567' };


let logs: CapturedLogs;
let bridge: Bridge | undefined;

beforeEach(() => {
  logs = captureLogs();
});
afterEach(async () => {
  jest.restoreAllMocks();
  await bridge?.close();
  bridge = undefined;
  logs.restore();
});

async function open(options: Parameters<typeof openBridge>[0] = {}): Promise<Bridge> {
  bridge = await openBridge(options);
  return bridge;
}

function requestCounts(b: Bridge): { secret: number; token: number; upstream: number } {
  const { secretsManager, tokenEndpoint, customerApi } = b.sandbox;
  return { secret: secretsManager.requests, token: tokenEndpoint.requests, upstream: customerApi.requests };
}

function invocationRecords(): Array<Record<string, unknown>> {
  return recordsOf(logs.records(), 'invocation');
}

describe('sample events (events/customerLookup*.json)', () => {
  it('customerLookup.json answers with the SPEC sample output, exactly', async () => {
    const { coldContainer } = await open();

    await expect(invoke(coldContainer(), sampleEvent('customerLookup.json'))).resolves.toStrictEqual(ADA);
  });

  it('customerLookup-notfound.json answers exactly { found: false }', async () => {
    const { coldContainer } = await open();

    await expect(invoke(coldContainer(), sampleEvent('customerLookup-notfound.json'))).resolves.toStrictEqual({ found: false });
  });

  it('customerLookup-partial.json: trimmed input and name, nulls omitted, latest by instant, sum in cents', async () => {
    const { coldContainer } = await open();

    await expect(invoke(coldContainer(), sampleEvent('customerLookup-partial.json'))).resolves.toStrictEqual({
      found: true,
      customerId: 'c-2002',
      fullName: 'Grace',
      tier: 'silver',
      orderCount: 3,
      lastOrderDate: '2026-09-30T23:30:00-02:00',
      lifetimeValue: 10.3,
    });
  });

  it('customerLookup-badinput.json fails with InputError INPUT_INVALID naming phoneNumber', async () => {
    const { coldContainer } = await open();

    const result = invoke(coldContainer(), sampleEvent('customerLookup-badinput.json'));

    await expect(result).rejects.toBeInstanceOf(Error);
    await expect(result).rejects.toMatchObject({
      name: 'InputError',
      code: 'INPUT_INVALID',
      message: expect.stringMatching(/^INPUT_INVALID: phoneNumber/),
    });
  });
});

describe('invalid input', () => {
  it.each([
    ['inner spaces', { phoneNumber: '555 123 4567' }],
    ['a missing phoneNumber', {}],
    ['a number instead of a string', { phoneNumber: 15551234567 }],
    ['no object at all', '+15551234567'],
    ['null', null],
  ])('with %s is rejected on a cold container without any network request', async (_case, event) => {
    const b = await open();

    await expect(invoke(b.coldContainer(), event)).rejects.toMatchObject({ code: 'INPUT_INVALID' });

    expect(requestCounts(b)).toStrictEqual({ secret: 0, token: 0, upstream: 0 });
  });

  it('names the field, or the input when it is not an object', async () => {
    const handler = (await open()).coldContainer();

    await expect(invoke(handler, { phoneNumber: 42 })).rejects.toMatchObject({ message: expect.stringMatching(/^INPUT_INVALID: phoneNumber/) });
    await expect(invoke(handler, [])).rejects.toMatchObject({ message: expect.stringMatching(/^INPUT_INVALID: input/) });
  });
});

describe('secret and token caching', () => {
  it('a cold container makes exactly one secret request and one token request', async () => {
    const b = await open();

    await invoke(b.coldContainer(), FOUND);

    expect(requestCounts(b)).toStrictEqual({ secret: 1, token: 1, upstream: 1 });
  });

  it('50 warm sequential invocations make no further secret or token request', async () => {
    const b = await open();
    const handler = b.coldContainer();
    await invoke(handler, FOUND);

    for (let i = 0; i < 50; i++) await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(requestCounts(b)).toStrictEqual({ secret: 1, token: 1, upstream: 51 });
  });

  it('reuses a 100 s token until expiry minus 10 s of skew', async () => {
    const b = await open({ tokenLifetimeSeconds: 100 });
    const clock = controlClock();
    const handler = b.coldContainer();
    await invoke(handler, FOUND);

    clock.advanceTo(89_000);
    await invoke(handler, FOUND);
    expect(b.sandbox.tokenEndpoint.requests).toBe(1);

    clock.advanceTo(91_000);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect(b.sandbox.tokenEndpoint.requests).toBe(2);
  });

  it('reuses a 3600 s token until expiry minus 60 s of skew', async () => {
    const b = await open({ tokenLifetimeSeconds: 3600 });
    const clock = controlClock();
    const handler = b.coldContainer({ SECRET_TTL_SECONDS: '86400' });
    await invoke(handler, FOUND);

    clock.advanceTo(3_539_000);
    await invoke(handler, FOUND);
    expect(b.sandbox.tokenEndpoint.requests).toBe(1);

    clock.advanceTo(3_541_000);
    await invoke(handler, FOUND);
    expect(requestCounts(b)).toStrictEqual({ secret: 1, token: 2, upstream: 3 });
  });

  it('assumes 300 s when the token response has no expires_in, and warns', async () => {
    const b = await open();
    b.sandbox.tokenEndpoint.setLifetimeSeconds(undefined);
    const clock = controlClock();
    const handler = b.coldContainer();
    await invoke(handler, FOUND);

    clock.advanceTo(269_000);
    await invoke(handler, FOUND);
    expect(b.sandbox.tokenEndpoint.requests).toBe(1);
    clock.advanceTo(271_000);
    await invoke(handler, FOUND);

    expect(b.sandbox.tokenEndpoint.requests).toBe(2);
    expect(recordsOf(logs.records(), 'token_lifetime_assumed')).toHaveLength(2);
    expect(recordsOf(logs.records(), 'token_lifetime_assumed')[0]).toMatchObject({ level: 'warn' });
  });

  it('reads the secret only to request a token: a still-valid token needs no secret, even past SECRET_TTL_SECONDS', async () => {
    const b = await open({ tokenLifetimeSeconds: 100 });
    const clock = controlClock();
    const handler = b.coldContainer({ SECRET_TTL_SECONDS: '60' });
    await invoke(handler, FOUND);

    clock.advanceTo(61_000);
    await invoke(handler, FOUND);
    expect(requestCounts(b)).toStrictEqual({ secret: 1, token: 1, upstream: 2 });

    clock.advanceTo(91_000);
    await invoke(handler, FOUND);
    expect(requestCounts(b)).toStrictEqual({ secret: 2, token: 2, upstream: 3 });
  });

  it('reuses the secret for the default 300 s when a token is due', async () => {
    const b = await open({ tokenLifetimeSeconds: 100 });
    const clock = controlClock();
    const handler = b.coldContainer();
    await invoke(handler, FOUND);

    clock.advanceTo(91_000);
    await invoke(handler, FOUND);
    expect(requestCounts(b)).toStrictEqual({ secret: 1, token: 2, upstream: 2 });

    clock.advanceTo(301_000);
    await invoke(handler, FOUND);
    expect(requestCounts(b)).toStrictEqual({ secret: 2, token: 3, upstream: 3 });
  });

  it('SECRET_TTL_SECONDS=0 reads the secret again for each token request, not for warm invocations with a valid token', async () => {
    const b = await open({ tokenLifetimeSeconds: 100 });
    const clock = controlClock();
    const handler = b.coldContainer({ SECRET_TTL_SECONDS: '0' });
    await invoke(handler, FOUND);
    for (let i = 0; i < 4; i++) await invoke(handler, FOUND);
    expect(requestCounts(b)).toStrictEqual({ secret: 1, token: 1, upstream: 5 });

    clock.advanceTo(91_000);
    await invoke(handler, FOUND);

    expect(requestCounts(b)).toStrictEqual({ secret: 2, token: 2, upstream: 6 });
  });

  it('does not cache a failed secret fetch', async () => {
    const b = await open();
    const handler = b.coldContainer();
    b.sandbox.secretsManager.failWith({ type: 'AccessDeniedException', status: 400 });
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'SECRET_ACCESS_DENIED' });

    b.sandbox.secretsManager.failWith(undefined);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(requestCounts(b)).toStrictEqual({ secret: 2, token: 1, upstream: 1 });
  });
});

describe('upstream 401', () => {
  it('drops the token, gets exactly one new token and retries once', async () => {
    const b = await open();
    const handler = b.coldContainer();
    await invoke(handler, FOUND);
    b.sandbox.tokenEndpoint.revokeIssuedTokens();

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(requestCounts(b)).toStrictEqual({ secret: 1, token: 2, upstream: 3 });
    expect(invocationRecords()[1]).toMatchObject({ outcome: 'ok', upstreamCalls: 2 });
    const [first, revoked, renewed] = b.sandbox.customerApi.authorizations;
    expect(revoked).toBe(first);
    expect(renewed).not.toBe(first);
  });

  it('20 concurrent invocations refused with the same token share one new token', async () => {
    const b = await open();
    const handler = b.coldContainer();
    await invoke(handler, FOUND);
    b.sandbox.tokenEndpoint.revokeIssuedTokens();

    const outputs = await Promise.all(Array.from({ length: 20 }, () => invoke(handler, FOUND)));

    expect(outputs).toStrictEqual(Array.from({ length: 20 }, () => ADA));
    expect(requestCounts(b)).toStrictEqual({ secret: 1, token: 2, upstream: 41 });
  });

  it('keeps using the renewed token afterwards', async () => {
    const b = await open();
    const handler = b.coldContainer();
    await invoke(handler, FOUND);
    b.sandbox.tokenEndpoint.revokeIssuedTokens();
    await invoke(handler, FOUND);

    await invoke(handler, FOUND);

    expect(requestCounts(b)).toStrictEqual({ secret: 1, token: 2, upstream: 4 });
  });

  it('fails with UPSTREAM_UNAUTHORIZED after exactly 2 upstream calls and 2 token requests when every token is refused', async () => {
    const b = await open();
    const refusing = await startCustomerApiStandIn(() => false);
    try {
      const handler = b.coldContainer({ UPSTREAM_BASE_URL: refusing.url });

      await expect(invoke(handler, FOUND)).rejects.toMatchObject({ name: 'UpstreamError', code: 'UPSTREAM_UNAUTHORIZED', status: 401 });

      expect(refusing.requests).toBe(2);
      expect(b.sandbox.tokenEndpoint.requests).toBe(2);
      expect(invocationRecords()[0]).toMatchObject({ outcome: 'error', code: 'UPSTREAM_UNAUTHORIZED', upstreamCalls: 2 });
    } finally {
      await refusing.close();
    }
  });
});

describe('upstream 401 on every token (the client lacks the roles): back-off instead of a token storm', () => {
  async function refusingContainer(b: Bridge) {
    const refusing = await startCustomerApiStandIn(() => false);
    servers.push(refusing);
    return { refusing, handler: b.coldContainer({ UPSTREAM_BASE_URL: refusing.url }) };
  }
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('200 sequential invocations: 2 token requests in all; after the first, each fails UPSTREAM_UNAUTHORIZED after one upstream request', async () => {
    const b = await open();
    const { refusing, handler } = await refusingContainer(b);

    for (let i = 0; i < 200; i++) await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'UPSTREAM_UNAUTHORIZED', status: 401 });

    expect(b.sandbox.tokenEndpoint.requests).toBe(2);
    expect(refusing.requests).toBe(2 + 199);
    // The token issued for the retry was refused, not dropped: every later invocation sent it.
    expect(new Set(refusing.authorizations.slice(1)).size).toBe(1);
    expect(invocationRecords()[1]).toMatchObject({ outcome: 'error', code: 'UPSTREAM_UNAUTHORIZED', upstreamCalls: 1 });
  });

  it('200 concurrent invocations: 2 token requests in all, each invocation at most 2 upstream requests', async () => {
    const b = await open();
    const { refusing, handler } = await refusingContainer(b);

    const results = await Promise.allSettled(Array.from({ length: 200 }, () => invoke(handler, FOUND)));

    expect(results.map((result) => (result.status === 'rejected' ? (result.reason as { code?: string }).code : 'resolved'))).toStrictEqual(Array(200).fill('UPSTREAM_UNAUTHORIZED'));
    expect(b.sandbox.tokenEndpoint.requests).toBe(2);
    // 400 when every first answer arrives before any retry is refused; an invocation answered later fails after its first.
    expect(refusing.requests).toBeGreaterThanOrEqual(200);
    expect(refusing.requests).toBeLessThanOrEqual(400);
  });

  it('the back-off lasts REJECTED_CLIENT_BACKOFF_MS (30 s): after it, one 401 drops the kept token and tries one newly requested token', async () => {
    const b = await open();
    const clock = controlClock();
    const { refusing, handler } = await refusingContainer(b);
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'UPSTREAM_UNAUTHORIZED' });

    clock.advanceTo(29_000);
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'UPSTREAM_UNAUTHORIZED' });
    expect({ token: b.sandbox.tokenEndpoint.requests, upstream: refusing.requests }).toStrictEqual({ token: 2, upstream: 3 });

    clock.advanceTo(31_000);
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'UPSTREAM_UNAUTHORIZED' });
    expect({ token: b.sandbox.tokenEndpoint.requests, upstream: refusing.requests }).toStrictEqual({ token: 3, upstream: 5 });
  });

  it('once the client is accepted again, an invocation during the back-off still succeeds with the kept token', async () => {
    const b = await open();
    let accepting = false;
    const api = await startCustomerApiStandIn((authorization) => accepting && b.sandbox.tokenEndpoint.isValid(authorization));
    servers.push(api);
    const handler = b.coldContainer({ UPSTREAM_BASE_URL: api.url });
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'UPSTREAM_UNAUTHORIZED' });

    accepting = true;
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(b.sandbox.tokenEndpoint.requests).toBe(2);
  });
});

describe('invalid_client', () => {
  it('fails with TOKEN_INVALID_CLIENT after one secret refetch when the client secret is wrong', async () => {
    const b = await open({ clients: [{ clientId: 'sandbox-client', clientSecret: 'the-right-secret' }] });

    const result = invoke(b.coldContainer(), FOUND);

    await expect(result).rejects.toMatchObject({ name: 'TokenError', code: 'TOKEN_INVALID_CLIENT', message: expect.stringContaining('invalid_client') });
    await expect(result).rejects.toMatchObject({ message: expect.stringMatching(/^TOKEN_INVALID_CLIENT: .*whitespace/) });
    expect(requestCounts(b)).toStrictEqual({ secret: 2, token: 1, upstream: 0 });
  });

  it('fails fast for 30 s after a rejection the refetched secret did not cure, without a secret or token request', async () => {
    const b = await open({ clients: [{ clientId: 'sandbox-client', clientSecret: 'the-right-secret' }] });
    const clock = controlClock();
    const handler = b.coldContainer();
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'TOKEN_INVALID_CLIENT' });
    const after = { secret: b.sandbox.secretsManager.requests, token: b.sandbox.tokenEndpoint.requests };

    clock.advanceTo(29_000);
    for (let i = 0; i < 5; i++) {
      await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'TOKEN_INVALID_CLIENT', message: expect.stringContaining('invalid_client') });
    }

    expect({ secret: b.sandbox.secretsManager.requests, token: b.sandbox.tokenEndpoint.requests }).toStrictEqual(after);
  });

  it('does not cache the rejection for long: once the server accepts the client, an invocation after 30 s succeeds', async () => {
    const b = await open({ clients: [{ clientId: 'sandbox-client', clientSecret: 'the-right-secret' }] });
    const clock = controlClock();
    const handler = b.coldContainer();
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'TOKEN_INVALID_CLIENT' });
    b.sandbox.tokenEndpoint.setClients([SANDBOX_CLIENT]);

    clock.advanceTo(31_000);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(b.sandbox.tokenEndpoint.requests).toBe(2);
  });

  it('20 concurrent invocations with a rejected client share one token request and one secret refetch', async () => {
    const b = await open({ clients: [{ clientId: 'sandbox-client', clientSecret: 'the-right-secret' }] });
    const handler = b.coldContainer();

    const results = await Promise.allSettled(Array.from({ length: 20 }, () => invoke(handler, FOUND)));

    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'resolved'))).toStrictEqual(
      Array.from({ length: 20 }, () => 'TOKEN_INVALID_CLIENT'),
    );
    expect(requestCounts(b)).toStrictEqual({ secret: 2, token: 1, upstream: 0 });
  });

  it('recovers from a rotated client secret with one secret refetch and one token retry', async () => {
    const b = await open();
    const handler = b.coldContainer({ SECRET_TTL_SECONDS: '3600' });
    await invoke(handler, FOUND);
    const rotated = { clientId: 'sandbox-client', clientSecret: 'rotated-secret-2' };
    b.sandbox.secretsManager.putSecret(b.sandbox.env.SECRET_ID!, JSON.stringify(rotated));
    b.sandbox.tokenEndpoint.setClients([rotated]);
    b.sandbox.tokenEndpoint.revokeIssuedTokens();

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    // cold: 1 secret + 1 token; rotation: upstream 401, token with the old secret refused,
    // one secret refetch, one token request with the rotated secret; then all cached.
    expect(requestCounts(b)).toStrictEqual({ secret: 2, token: 3, upstream: 4 });
    expect(b.sandbox.tokenEndpoint.presentedClients.at(-1)).toStrictEqual(rotated);
  });
});

describe('the invocation log line', () => {
  it('is one structured JSON info line per invocation with action, outcome, duration and correlation id', async () => {
    const { coldContainer } = await open();
    const handler = coldContainer();
    const context = lambdaContext();

    await handler(FOUND, context);
    await handler(FOUND, lambdaContext());
    await expect(invoke(handler, { phoneNumber: 'nope' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });

    const records = invocationRecords();
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({ level: 'info', action: 'customerLookup', outcome: 'ok', correlationId: context.awsRequestId, durationMs: expect.any(Number) });
    expect(records[0]).not.toHaveProperty('code');
    expect(records[2]).toMatchObject({ level: 'info', action: 'customerLookup', outcome: 'error', code: 'INPUT_INVALID', durationMs: expect.any(Number) });
    for (const record of records) expect(record.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('reports cache hits and the upstream status', async () => {
    const { coldContainer } = await open();
    const handler = coldContainer();

    await invoke(handler, FOUND);
    await invoke(handler, FOUND);

    const [cold, warm] = invocationRecords();
    expect(cold).toMatchObject({ secretCacheHit: false, tokenCacheHit: false, upstreamStatus: 200 });
    expect(warm).toMatchObject({ secretCacheHit: true, tokenCacheHit: true, upstreamStatus: 200 });
  });

  it.each(['ININ-Correlation-Id', 'inin-correlation-id', 'ININ-CORRELATION-ID', 'Inin-Correlation-ID'])(
    'takes the correlation id from clientContext.Custom[%j]',
    async (key) => {
      const { coldContainer } = await open();
      const context = lambdaContext({ clientContext: { Custom: { [key]: 'genesys-corr-1' } } });

      await coldContainer()(FOUND, context);

      expect(invocationRecords()[0]).toMatchObject({ correlationId: 'genesys-corr-1' });
    },
  );

  it('takes the correlation and organization ids from the top-level client context keys Genesys sends', async () => {
    const { coldContainer } = await open();
    // As in Genesys Cloud's Functions announcement: the request headers as top-level client context keys.
    const context = lambdaContext({
      clientContext: {
        'ININ-Correlation-Id': 'genesys-corr-3',
        'ININ-Organization-Id': '8f0c7a6e-1d2b-4c3d-9e8f-0a1b2c3d4e5f',
        'ININ-Home-Organization-id': '8f0c7a6e-1d2b-4c3d-9e8f-0a1b2c3d4e5f',
        'ININ-User-Id': 'c1a2b3c4-d5e6-4f70-8a9b-0c1d2e3f4a5b',
      },
    });

    await coldContainer()(FOUND, context);

    expect(invocationRecords()[0]).toMatchObject({ correlationId: 'genesys-corr-3', organizationId: '8f0c7a6e-1d2b-4c3d-9e8f-0a1b2c3d4e5f' });
  });

  it('drops client context values that are not shaped like ids', async () => {
    const { coldContainer } = await open();
    const context = lambdaContext({ clientContext: { 'ININ-Correlation-Id': 'Bearer not an id', 'ININ-Organization-Id': '{"x":1}' } });

    await coldContainer()(FOUND, context);

    expect(invocationRecords()[0]).toMatchObject({ correlationId: context.awsRequestId });
    expect(invocationRecords()[0]).not.toHaveProperty('organizationId');
  });

  it('falls back to the Lambda request id when the client context has no correlation id', async () => {
    const { coldContainer } = await open();
    const context = lambdaContext({ clientContext: { Custom: { other: 'x' } } });

    await coldContainer()(FOUND, context);

    expect(invocationRecords()[0]).toMatchObject({ correlationId: context.awsRequestId });
  });

  it('carries the correlation id on error lines too', async () => {
    const { coldContainer } = await open();
    const context = lambdaContext({ clientContext: { Custom: { 'ININ-Correlation-Id': 'genesys-corr-2' } } });

    await expect(coldContainer()({ phoneNumber: '' }, context)).rejects.toMatchObject({ code: 'INPUT_INVALID' });

    expect(invocationRecords()[0]).toMatchObject({ outcome: 'error', code: 'INPUT_INVALID', correlationId: 'genesys-corr-2' });
  });
});

describe('configuration errors', () => {
  it.each([
    ['SECRET_ID is missing', { SECRET_ID: undefined }, 'SECRET_ID'],
    ['SECRET_ID is blank', { SECRET_ID: '  ' }, 'SECRET_ID'],
    ['SECRET_ID holds a pasted JSON secret', { SECRET_ID: '{"clientId":"CANARY-pasted-id","clientSecret":"CANARY-pasted-secret"}' }, 'SECRET_ID'],
    ['SECRET_ID holds a name with spaces', { SECRET_ID: 'my secret' }, 'SECRET_ID'],
    ['UPSTREAM_BASE_URL is missing', { UPSTREAM_BASE_URL: undefined }, 'UPSTREAM_BASE_URL'],
    ['TOKEN_URL is plain http:// to a non-loopback host', { TOKEN_URL: 'http://auth.example.com/oauth/token' }, 'TOKEN_URL'],
    ['UPSTREAM_BASE_URL is plain http:// to a non-loopback host', { UPSTREAM_BASE_URL: 'http://api.example.com' }, 'UPSTREAM_BASE_URL'],
    ['ACTION_TIMEOUT_MS is below DEADLINE_MARGIN_MS', { ACTION_TIMEOUT_MS: '150' }, 'ACTION_TIMEOUT_MS'],
    ['ACTION_TIMEOUT_MS equals DEADLINE_MARGIN_MS', { ACTION_TIMEOUT_MS: '500', DEADLINE_MARGIN_MS: '500' }, 'ACTION_TIMEOUT_MS'],
  ])('CONFIG_INVALID when %s, naming it, without any network request', async (_case, overrides, variable) => {
    const b = await open();
    const handler = b.coldContainer(overrides);

    const result = invoke(handler, FOUND);

    await expect(result).rejects.toMatchObject({ name: 'ConfigError', code: 'CONFIG_INVALID', message: expect.stringMatching(/^CONFIG_INVALID: /) });
    await expect(result).rejects.toMatchObject({ message: expect.stringContaining(variable) });
    expect(requestCounts(b)).toStrictEqual({ secret: 0, token: 0, upstream: 0 });
  });

  it('does not echo a secret value pasted into SECRET_ID, in the error or the log', async () => {
    const b = await open();
    const pasted = '{"clientId":"CANARY-pasted-id","clientSecret":"CANARY-pasted-secret"}';

    const result = invoke(b.coldContainer({ SECRET_ID: pasted }), FOUND);

    await expect(result).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('SECRET_ID must be a Secrets Manager secret name or ARN') });
    await expect(result).rejects.toMatchObject({ message: expect.not.stringContaining('CANARY-pasted') });
    expect(logs.lines.join('\n')).not.toContain('CANARY-pasted');
  });

  it('accepts a secret ARN in SECRET_ID', async () => {
    const b = await open();

    const result = invoke(b.coldContainer({ SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:data-action-bridge/oauth-AbCdEf' }), FOUND);

    // The ARN is well formed; the sandbox holds no such secret.
    await expect(result).rejects.toMatchObject({ code: 'SECRET_NOT_FOUND' });
  });

  it('reports the bad configuration on every invocation, not only the first', async () => {
    const b = await open();
    const handler = b.coldContainer({ SECRET_ID: undefined });

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });

    expect(requestCounts(b)).toStrictEqual({ secret: 0, token: 0, upstream: 0 });
  });

  it('names every bad variable in one message', async () => {
    const b = await open();
    const handler = b.coldContainer({
      SECRET_ID: undefined,
      UPSTREAM_BASE_URL: undefined,
      TOKEN_URL: 'http://auth.example.com/oauth/token',
      ACTION_TIMEOUT_MS: '100',
    });

    const result = invoke(handler, FOUND);

    await expect(result).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    for (const variable of ['SECRET_ID', 'UPSTREAM_BASE_URL', 'TOKEN_URL', 'ACTION_TIMEOUT_MS']) {
      await expect(result).rejects.toMatchObject({ message: expect.stringContaining(variable) });
    }
    expect(requestCounts(b)).toStrictEqual({ secret: 0, token: 0, upstream: 0 });
  });

  it.each(['http://localhost:8080/oauth/token', 'http://127.0.0.1/oauth/token', 'http://127.9.8.7:1/t', 'http://[::1]:8080/oauth/token', 'https://auth.example.com/oauth/token'])(
    'accepts TOKEN_URL %s',
    (tokenUrl) => {
      const config = loadConfig({ SECRET_ID: 's', TOKEN_URL: tokenUrl, UPSTREAM_BASE_URL: 'https://api.example.com' }, ['UPSTREAM_BASE_URL']);

      expect(config.tokenUrl).toBe(tokenUrl);
    },
  );
});

describe('secret errors', () => {
  it('an unknown secret id is SECRET_NOT_FOUND naming the id', async () => {
    const b = await open();

    const result = invoke(b.coldContainer({ SECRET_ID: 'no/such-secret' }), FOUND);

    await expect(result).rejects.toMatchObject({ name: 'SecretError', code: 'SECRET_NOT_FOUND', message: expect.stringContaining('no/such-secret') });
    await expect(result).rejects.toMatchObject({ message: expect.stringContaining('not found') });
    expect(requestCounts(b)).toMatchObject({ token: 0, upstream: 0 });
  });

  it('a SecretString that is not JSON is SECRET_INVALID, without quoting the value', async () => {
    const b = await open({ secretString: 'clientId=sandbox-client clientSecret=NOTJSON-sandbox-secret' });

    const result = invoke(b.coldContainer(), FOUND);

    await expect(result).rejects.toMatchObject({ code: 'SECRET_INVALID', message: expect.stringContaining(b.sandbox.env.SECRET_ID!) });
    await expect(result).rejects.not.toMatchObject({ message: expect.stringContaining('NOTJSON') });
    expect(logs.lines.join('\n')).not.toContain('NOTJSON');
    expect(requestCounts(b)).toMatchObject({ token: 0, upstream: 0 });
  });

  it('a secret without clientSecret is SECRET_INVALID naming the key', async () => {
    const b = await open({ secretString: JSON.stringify({ clientId: 'sandbox-client' }) });

    await expect(invoke(b.coldContainer(), FOUND)).rejects.toMatchObject({ code: 'SECRET_INVALID', message: expect.stringContaining('clientSecret') });
    expect(requestCounts(b)).toMatchObject({ token: 0, upstream: 0 });
  });

  it('AccessDeniedException is SECRET_ACCESS_DENIED naming the id', async () => {
    const b = await open();
    b.sandbox.secretsManager.failWith({ type: 'AccessDeniedException', status: 400 });

    const result = invoke(b.coldContainer(), FOUND);

    await expect(result).rejects.toMatchObject({ code: 'SECRET_ACCESS_DENIED', message: expect.stringContaining(b.sandbox.env.SECRET_ID!) });
    await expect(result).rejects.toMatchObject({ message: expect.stringContaining('access denied') });
    expect(requestCounts(b)).toMatchObject({ token: 0, upstream: 0 });
  });
});

describe('upstream response errors', () => {
  it('an unparseable order date is UPSTREAM_INVALID_RESPONSE naming the status and the correlation id', async () => {
    const b = await open({ sampleData: { customerLookup: { '+15551234567': [{ id: 'c-9', orders: [{ date: 'last tuesday-ish' }] }] } } });

    const result = invoke(b.coldContainer(), FOUND);

    await expect(result).rejects.toMatchObject({ code: 'UPSTREAM_INVALID_RESPONSE', status: 200, upstreamCorrelationId: 'req-1' });
    await expect(result).rejects.toMatchObject({ message: expect.stringMatching(/HTTP 200.*req-1/) });
  });

  it('a first match without an id is UPSTREAM_INVALID_RESPONSE', async () => {
    const b = await open({ sampleData: { customerLookup: { '+15551234567': [{ firstName: 'Ada' }, { id: 'c-2' }] } } });

    await expect(invoke(b.coldContainer(), FOUND)).rejects.toMatchObject({ code: 'UPSTREAM_INVALID_RESPONSE' });
  });
});

describe('deadline and limits', () => {
  it('answers TIMEOUT naming the step before the deadline when the upstream hangs, and keeps serving', async () => {
    const b = await open();
    const hanging = await startFaultyServer();
    hanging.script(hang);
    hanging.otherwise(jsonReply(200, { data: [] }));
    try {
      const handler = b.coldContainer({ UPSTREAM_BASE_URL: hanging.url, ACTION_TIMEOUT_MS: '500', DEADLINE_MARGIN_MS: '200' });
      const startedAt = performance.now();

      await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/^TIMEOUT: upstream request timed out/) });
      const elapsedMs = performance.now() - startedAt;

      expect(elapsedMs).toBeLessThan(500);
      await expect(invoke(handler, FOUND)).resolves.toStrictEqual({ found: false });
      expect(hanging.requests).toBe(2);
    } finally {
      await hanging.close();
    }
  });

  it('an output larger than MAX_OUTPUT_BYTES is OUTPUT_TOO_LARGE, never truncated', async () => {
    const b = await open();

    await expect(invoke(b.coldContainer({ MAX_OUTPUT_BYTES: '100' }), FOUND)).rejects.toMatchObject({
      code: 'OUTPUT_TOO_LARGE',
      message: expect.stringContaining('MAX_OUTPUT_BYTES'),
    });
  });

  it('an output of exactly MAX_OUTPUT_BYTES is returned', async () => {
    const b = await open();
    const bytes = Buffer.byteLength(JSON.stringify(ADA));

    await expect(invoke(b.coldContainer({ MAX_OUTPUT_BYTES: String(bytes) }), FOUND)).resolves.toStrictEqual(ADA);
  });

  it('an upstream body larger than MAX_UPSTREAM_BYTES is UPSTREAM_INVALID_RESPONSE', async () => {
    const b = await open();

    await expect(invoke(b.coldContainer({ MAX_UPSTREAM_BYTES: '64' }), FOUND)).rejects.toMatchObject({
      code: 'UPSTREAM_INVALID_RESPONSE',
      message: expect.stringContaining('MAX_UPSTREAM_BYTES'),
    });
  });
});

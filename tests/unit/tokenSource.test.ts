import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { formUrlEncode } from '../../lib/auth/formEncoding';
import type { TokenLease } from '../../lib/auth/tokenLease';
import { TokenSource, type TokenSourceSettings } from '../../lib/auth/tokenSource';
import { CXONE_DEFAULT_ISSUER, SECRET_STALE_SECONDS, SECRET_TTL_SECONDS } from '../../lib/base/constants';
import { createSecretsManagerClient } from '../../lib/runtime/container';
import { Deadline } from '../../lib/http/deadline';
import { logger } from '../../lib/base/logger';
import { createHttpAgent, type HttpAgent } from '../../lib/http/httpClient';
import { SANDBOX_CLIENT, SANDBOX_GENESYS_CLIENT } from '../../tools/sandbox/sandbox';
import { startTokenEndpointStandIn, type StandInClient, type StandInFlavour, type TokenEndpointStandIn } from '../../tools/standIns/tokenEndpointStandIn';
import type { SecretsManagerStandIn } from '../../tools/standIns/secretsManagerStandIn';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { controlClock, type Clock } from '../support/bridge';
import { Servers, startTestSecrets, TEST_SECRET_ID } from '../support/standIns';

/**
 * The token source on its own (lib/auth/tokenSource.ts), not through whole invocations: a
 * TokenSource built as a container builds it, against the loopback Secrets Manager and
 * token endpoint stand-ins (real AWS SDK, real undici, real sockets). Caching is proven by
 * counting the requests each stand-in answered. Only Date.now is moved (controlClock):
 * timers and sockets stay real.
 */

/** Secrets this file introduces; the suite-wide scan (tests/setup/canaries.ts) knows only the sandbox's. */
const ROTATED_SECRET = 'rotated-canary-secret-0f3a9c71';
const ELSEWHERE_SECRET = 'registered-elsewhere-canary-5d2e88b4';
const LOCAL_CANARIES = [ROTATED_SECRET, ELSEWHERE_SECRET].flatMap((secret) => [
  secret,
  formUrlEncode(secret),
  Buffer.from(`${formUrlEncode(SANDBOX_CLIENT.clientId)}:${formUrlEncode(secret)}`).toString('base64'),
]);

const ROTATED: StandInClient = { clientId: SANDBOX_CLIENT.clientId, clientSecret: ROTATED_SECRET };
const budget = () => Deadline.after(6_000, logger);

interface Bench {
  source: TokenSource;
  secretsManager: SecretsManagerStandIn;
  tokenEndpoint: TokenEndpointStandIn;
  /** Requests each stand-in answered so far. */
  counts(): { secret: number; token: number };
}

interface BenchOptions {
  client?: StandInClient;
  flavour?: StandInFlavour;
  lifetimeSeconds?: number;
  settings?: Partial<TokenSourceSettings>;
}

const servers = new Servers();
let logs: CapturedLogs;
let clock: Clock;
let agent: HttpAgent | undefined;
let secretsClient: SecretsManagerClient | undefined;

beforeEach(() => {
  logs = captureLogs();
  clock = controlClock();
});

afterEach(async () => {
  logs.restore();
  jest.restoreAllMocks();
  secretsClient?.destroy();
  await agent?.close();
  agent = secretsClient = undefined;
  await servers.closeAll();
  const leaked = LOCAL_CANARIES.filter((canary) => logs.lines.some((line) => line.includes(canary)));
  expect(leaked).toStrictEqual([]);
});

async function openBench(options: BenchOptions = {}): Promise<Bench> {
  const client = options.client ?? SANDBOX_CLIENT;
  const secrets = servers.track(await startTestSecrets({ clientId: client.clientId, clientSecret: client.clientSecret }));
  const tokenEndpoint = servers.track(
    await startTokenEndpointStandIn([client], { flavour: options.flavour ?? 'oauth2', lifetimeSeconds: options.lifetimeSeconds ?? 3_600 }),
  );
  const settings: TokenSourceSettings = {
    secretId: TEST_SECRET_ID,
    authPlatform: 'oauth2',
    tokenUrl: tokenEndpoint.tokenUrl,
    cxoneIssuer: CXONE_DEFAULT_ISSUER,
    clientAuthMethod: 'client_secret_basic',
    secretTtlMs: SECRET_TTL_SECONDS * 1_000,
    secretStaleMs: SECRET_STALE_SECONDS * 1_000,
    ...options.settings,
  };
  agent = createHttpAgent();
  secretsClient = createSecretsManagerClient(secrets.env);
  const { secretsManager } = secrets;
  return {
    source: new TokenSource(settings, agent, secretsClient),
    secretsManager,
    tokenEndpoint,
    counts: () => ({ secret: secretsManager.requests, token: tokenEndpoint.requests }),
  };
}

const accessTokenOf = (lease: TokenLease) => lease.authorization().slice('Bearer '.length);

describe('token source: expiry', () => {
  it.each([
    [100, 89, 91],
    [3_600, 3_539, 3_541],
  ])('reuses a %i s token until expires_at − min(60 s, 10 %% of the lifetime): cached at %i s, new at %i s', async (lifetimeSeconds, cachedAtSeconds, renewedAtSeconds) => {
    const { source, tokenEndpoint } = await openBench({ lifetimeSeconds });
    const first = await source.lease(budget());

    clock.advanceTo(cachedAtSeconds * 1_000);
    const cached = await source.lease(budget());
    clock.advanceTo(renewedAtSeconds * 1_000);
    const renewed = await source.lease(budget());

    expect(cached.token).toBe(first.token);
    expect(cached.cacheHit).toBe(true);
    expect(renewed.cacheHit).toBe(false);
    expect(accessTokenOf(renewed)).not.toBe(accessTokenOf(first));
    expect(tokenEndpoint.requests).toBe(2);
  });

  it('reads no secret while the token is valid, even past SECRET_TTL_SECONDS', async () => {
    const { source, counts } = await openBench({ lifetimeSeconds: 3_600 });
    await source.lease(budget());

    clock.advanceTo((SECRET_TTL_SECONDS + 1) * 1_000);
    const warm = await source.lease(budget());

    expect(warm.cacheHit).toBe(true);
    expect(counts()).toStrictEqual({ secret: 1, token: 1 });
  });
});

describe('token source: single flight', () => {
  it('answers 50 concurrent leases with one secret request and one token request', async () => {
    const { source, counts } = await openBench();

    const leases = await Promise.all(Array.from({ length: 50 }, () => source.lease(budget())));

    expect(new Set(leases.map((lease) => lease.token)).size).toBe(1);
    expect(counts()).toStrictEqual({ secret: 1, token: 1 });
  });

  it('does not cache a failed token request: the next lease asks again', async () => {
    const { source, tokenEndpoint, counts } = await openBench();
    tokenEndpoint.setLifetimeSeconds(0);
    await expect(source.lease(budget())).rejects.toMatchObject({ code: 'TOKEN_INVALID_RESPONSE' });

    tokenEndpoint.setLifetimeSeconds(3_600);
    const lease = await source.lease(budget());

    expect(lease.cacheHit).toBe(false);
    expect(tokenEndpoint.isValid(lease.authorization())).toBe(true);
    expect(counts()).toStrictEqual({ secret: 1, token: 2 });
  });
});

describe('token source: invalid_client', () => {
  it('after a rotation, 20 concurrent callers (one renewing its lease after a 401) cause one secret refetch and two token requests, and all get the new token', async () => {
    const { source, secretsManager, tokenEndpoint, counts } = await openBench();
    const before = await source.lease(budget());
    secretsManager.putSecret(TEST_SECRET_ID, JSON.stringify(ROTATED));
    tokenEndpoint.setClients([ROTATED]);

    const [renewed, ...leases] = await Promise.all([before.rejected(budget()).then(() => before), ...Array.from({ length: 19 }, () => source.lease(budget()))]);

    expect(counts()).toStrictEqual({ secret: 2, token: 3 });
    expect(tokenEndpoint.presentedClients.slice(1)).toStrictEqual([SANDBOX_CLIENT, ROTATED]);
    expect(new Set([renewed, ...leases].map((lease) => lease!.token)).size).toBe(1);
    expect(tokenEndpoint.isValid(renewed!.authorization())).toBe(true);
    const after = await source.lease(budget());
    expect(after.cacheHit).toBe(true);
    expect(counts()).toStrictEqual({ secret: 2, token: 3 });
  });

  it('when the fresh secret does not cure it: TOKEN_INVALID_CLIENT, then fails fast for 30 s without requests, then tries again', async () => {
    const { source, tokenEndpoint, counts } = await openBench();
    tokenEndpoint.setClients([{ clientId: SANDBOX_CLIENT.clientId, clientSecret: ELSEWHERE_SECRET }]);

    await expect(source.lease(budget())).rejects.toMatchObject({
      code: 'TOKEN_INVALID_CLIENT',
      message: expect.stringMatching(/^TOKEN_INVALID_CLIENT: .*invalid_client/),
    });
    expect(counts()).toStrictEqual({ secret: 2, token: 1 });

    // REJECTED_CLIENT_BACKOFF_MS: 30 s, written out so that the test states the behaviour.
    clock.advanceTo(29_000);
    await expect(Promise.all(Array.from({ length: 5 }, () => source.lease(budget())))).rejects.toMatchObject({ code: 'TOKEN_INVALID_CLIENT' });
    expect(counts()).toStrictEqual({ secret: 2, token: 1 });

    tokenEndpoint.setClients([SANDBOX_CLIENT]);
    clock.advanceTo(31_000);
    const lease = await source.lease(budget());

    expect(tokenEndpoint.isValid(lease.authorization())).toBe(true);
    expect(counts()).toStrictEqual({ secret: 2, token: 2 });
  });
});

describe('token source: an upstream 401', () => {
  it('lease.rejected drops only its own token: a lease refused later with the same token takes the newer one, which stays cached', async () => {
    const { source, tokenEndpoint } = await openBench();
    const [first, second] = await Promise.all([source.lease(budget()), source.lease(budget())]);
    const old = first.token;

    await expect(first.rejected(budget())).resolves.toBe(true);
    await expect(second.rejected(budget())).resolves.toBe(true);
    const again = await source.lease(budget());

    expect(first.token).not.toBe(old);
    expect(second.token).toBe(first.token);
    expect(again.token).toBe(first.token);
    expect(again.cacheHit).toBe(true);
    expect(tokenEndpoint.requests).toBe(2);
  });
});

describe('token source: what the upstream call is given', () => {
  it('lease.authorization() is "Bearer <the issued token>"', async () => {
    const { source, tokenEndpoint } = await openBench();
    const lease = await source.lease(budget());

    const authorization = lease.authorization();

    expect(authorization).toMatch(/^Bearer sandbox-at-[0-9a-f]{32}$/);
    expect(tokenEndpoint.isValid(authorization)).toBe(true);
  });

  it('apiBaseUrl is UPSTREAM_BASE_URL when set, over the platform API base', async () => {
    const { source } = await openBench({
      client: SANDBOX_GENESYS_CLIENT,
      flavour: 'genesys-cloud',
      settings: { authPlatform: 'genesys-cloud', genesysRegion: 'mypurecloud.ie', upstreamBaseUrl: 'http://127.0.0.1:9/api' },
    });
    const lease = await source.lease(budget());

    await expect(source.apiBaseUrl(lease, budget())).resolves.toBe('http://127.0.0.1:9/api');
  });

  it('apiBaseUrl is https://api.<region> for genesys-cloud', async () => {
    const { source } = await openBench({
      client: SANDBOX_GENESYS_CLIENT,
      flavour: 'genesys-cloud',
      settings: { authPlatform: 'genesys-cloud', genesysRegion: 'mypurecloud.ie' },
    });
    const lease = await source.lease(budget());

    await expect(source.apiBaseUrl(lease, budget())).resolves.toBe('https://api.mypurecloud.ie');
  });

  it('apiBaseUrl is CONFIG_INVALID for oauth2 without UPSTREAM_BASE_URL', async () => {
    const { source } = await openBench();
    const lease = await source.lease(budget());

    await expect(source.apiBaseUrl(lease, budget())).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/^CONFIG_INVALID: UPSTREAM_BASE_URL is required: oauth2 has no API base URL/),
    });
  });
});

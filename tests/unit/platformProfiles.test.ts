import { MockAgent, request } from 'undici';
import type { AnyAction } from '../../lib/runtime/action';
import { agentState } from '../../lib/actions/agentState/action';
import { customerLookup } from '../../lib/actions/customerLookup/action';
import { loadConfig } from '../../lib/runtime/config';
import type { Credentials } from '../../lib/auth/credentials';
import { CredentialRuns } from '../../lib/auth/credentialRuns';
import { Deadline } from '../../lib/http/deadline';
import { logger } from '../../lib/base/logger';
import { createDirectHandler, type DirectHandler } from '../../lib/front/directInvoke';
import type { HttpResponse } from '../../lib/http/http';
import { parseTokenResponse } from '../../lib/auth/tokenResponse';
import { GENESYS_REGION_DOMAINS } from '../../lib/auth/platforms/genesysCloud';
import { createPlatformProfile } from '../../lib/auth/platforms/profile';
import { checkTokenEndpoint } from '../../lib/auth/platforms/tokenEndpointCheck';
import { startCustomerApiStandIn, type CustomerApiStandIn } from '../../lib/actions/customerLookup/standIn';
import { json, startLoopbackServer } from '../../tools/standIns/loopbackServer';
import { startCxoneApiStandIn } from '../../lib/actions/agentState/standIn';
import {
  startTokenEndpointStandIn,
  type StandInClient,
  type TokenEndpointOptions,
  type TokenEndpointStandIn,
} from '../../tools/standIns/tokenEndpointStandIn';
import { SecretText } from '../../lib/base/secretText';
import { basicAuthorization } from '../../lib/auth/formEncoding';
import { CXONE_ISSUERS } from '../../lib/auth/platforms/niceCxone';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { controlClock, invoke, thrownBy } from '../support/bridge';
import { Servers, startRecordingProxy, startTestSecrets, type TestSecrets } from '../support/standIns';
import { ADA } from '../support/fixtures';

/**
 * Platform profiles (docs/design.md §4, §6): where the token comes from and where the API lives on
 * Genesys Cloud, NICE CXone and any OAuth 2.0 server; how each platform's token errors are
 * read. Every endpoint a handler reaches is a loopback stand-in (TOKEN_URL, CXONE_ISSUER,
 * UPSTREAM_BASE_URL); platform hosts appear only in configuration and pure checks.
 */

const FOUND = { phoneNumber: '+15551234567' };

/**
 * A few region hosts as Genesys Cloud's own SDK lists them (MyPureCloud/platform-client-sdk-javascript,
 * PureCloudRegionHosts.js: us_east_1, us_west_2, us_east_2 (FedRAMP), eusc_de_east_1 (EU sovereign)),
 * one of each host shape; with the count, a region dropped from lib is noticed.
 */
const DOCUMENTED_GENESYS_REGIONS = ['mypurecloud.com', 'usw2.pure.cloud', 'use2.us-gov-pure.cloud', 'edee1.eusc-pure.cloud'];

/** A token as the cache holds it; only CXone's tenant claim would matter to the API base. */
const A_TOKEN = { accessToken: new SecretText('at'), refreshAtMs: Number.MAX_SAFE_INTEGER, serial: 1, runs: new CredentialRuns([]) };

/** customerLookup whose upstream base may come from the platform (the deployed one requires UPSTREAM_BASE_URL). */
const platformApiLookup: AnyAction = { ...customerLookup, requiredConfig: [] };

let logs: CapturedLogs;
const servers = new Servers();

beforeEach(() => {
  logs = captureLogs();
});
afterEach(async () => {
  jest.restoreAllMocks();
  await servers.closeAll();
  logs.restore();
});

function credentials(extra: Record<string, unknown> = {}): Credentials {
  return { clientId: new SecretText('profile-client'), clientSecret: new SecretText('profile-secret'), extra, generation: 1 };
}

/** An undici dispatcher that refuses every request: the profile must answer without the network. */
function offlineAgent(): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return agent;
}

function configError(env: Record<string, string>): { code?: unknown; message: string } {
  return thrownBy(() => loadConfig({ SECRET_ID: 'platform/test', ...env })) as { code?: unknown; message: string };
}

interface PlatformBridge {
  secrets: TestSecrets;
  tokenEndpoint: TokenEndpointStandIn;
  customerApi: CustomerApiStandIn;
  /** A new container, as on a cold start. */
  coldContainer(env?: Record<string, string | undefined>, action?: AnyAction): DirectHandler;
}

/**
 * Secrets Manager, a token endpoint of the given flavour and the customer API, all on
 * loopback. `apiEndpoint: true` makes the stand-in's cxone-configuration point at the
 * customer API. The base env points every endpoint at the stand-ins.
 */
async function openPlatformBridge(options: {
  clients: StandInClient[];
  secret: Record<string, unknown>;
  standIn: TokenEndpointOptions;
  env: (parts: { tokenEndpoint: TokenEndpointStandIn; customerApi: CustomerApiStandIn }) => Record<string, string>;
  apiEndpoint?: boolean;
}): Promise<PlatformBridge> {
  const secrets = servers.track(await startTestSecrets(options.secret));
  let isValid: (authorization: string | undefined) => boolean = () => false;
  const customerApi = servers.track(await startCustomerApiStandIn((authorization) => isValid(authorization)));
  const tokenEndpoint = servers.track(
    await startTokenEndpointStandIn(options.clients, { ...options.standIn, ...(options.apiEndpoint && { apiEndpoint: customerApi.url }) }),
  );
  isValid = tokenEndpoint.isValid;
  const base = { ...secrets.env, ...options.env({ tokenEndpoint, customerApi }) };
  return {
    secrets,
    tokenEndpoint,
    customerApi,
    coldContainer: (env = {}, action = customerLookup) => {
      const merged: Record<string, string> = {};
      for (const [name, value] of Object.entries({ ...base, ...env })) if (value !== undefined) merged[name] = value;
      return createDirectHandler(action, merged);
    },
  };
}

function response(status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): HttpResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { status, headers, body: text, bodyBytes: Buffer.byteLength(text) };
}

describe('configuration: genesys-cloud', () => {
  it('requires GENESYS_REGION, listing the valid regions', () => {
    const error = configError({ AUTH_PLATFORM: 'genesys-cloud' });

    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/^CONFIG_INVALID: .*GENESYS_REGION is required/) });
    expect(error.message).toContain('usw2.pure.cloud');
  });

  it('knows the 18 Genesys Cloud regions, among them the documented hosts of each shape', () => {
    expect(new Set(GENESYS_REGION_DOMAINS).size).toBe(18);
    expect(GENESYS_REGION_DOMAINS).toHaveLength(18);
    expect(GENESYS_REGION_DOMAINS).toEqual(expect.arrayContaining(DOCUMENTED_GENESYS_REGIONS));
  });

  it.each(GENESYS_REGION_DOMAINS)('accepts %s: token from https://login.<region>/oauth/token, API at https://api.<region>', async (region) => {
    const config = loadConfig({ SECRET_ID: 'platform/test', AUTH_PLATFORM: 'genesys-cloud', GENESYS_REGION: region });
    const agent = offlineAgent();
    const profile = createPlatformProfile(config, agent);
    const deadline = Deadline.after(1_000, logger);

    const settings = await profile.tokenSettings(credentials(), deadline);
    const apiBaseUrl = await profile.apiBaseUrl(credentials(), A_TOKEN, deadline);

    expect(config.genesysRegion).toBe(region);
    expect(settings).toMatchObject({ tokenUrl: `https://login.${region}/oauth/token`, grant: 'client_credentials', authMethod: 'client_secret_basic' });
    expect(apiBaseUrl).toBe(`https://api.${region}`);
    await agent.close();
  });

  it('an unknown region is CONFIG_INVALID listing every valid region', () => {
    const error = configError({ AUTH_PLATFORM: 'genesys-cloud', GENESYS_REGION: 'mypurecloud.fr' });

    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('GENESYS_REGION is not a Genesys Cloud region') });
    for (const region of GENESYS_REGION_DOMAINS) expect(error.message).toContain(region);
  });

  it('TOKEN_URL on the API host (api.<region>/api/v2/oauth/token) is CONFIG_INVALID suggesting the login host', () => {
    const error = configError({
      AUTH_PLATFORM: 'genesys-cloud',
      GENESYS_REGION: 'mypurecloud.com',
      TOKEN_URL: 'https://api.mypurecloud.com/api/v2/oauth/token',
    });

    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('TOKEN_URL') });
    expect(error.message).toContain('use https://login.mypurecloud.com/oauth/token');
  });

  it('a login host of another region than GENESYS_REGION is CONFIG_INVALID naming both regions', () => {
    const error = configError({
      AUTH_PLATFORM: 'genesys-cloud',
      GENESYS_REGION: 'mypurecloud.com',
      TOKEN_URL: 'https://login.mypurecloud.de/oauth/token',
    });

    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('TOKEN_URL') });
    expect(error.message).toMatch(/mypurecloud\.de.*GENESYS_REGION is mypurecloud\.com/);
    expect(error.message).toContain('use https://login.mypurecloud.com/oauth/token');
  });

  it("the API host of another region suggests only GENESYS_REGION's login host", () => {
    const error = configError({
      AUTH_PLATFORM: 'genesys-cloud',
      GENESYS_REGION: 'mypurecloud.com',
      TOKEN_URL: 'https://api.mypurecloud.de/api/v2/oauth/token',
    });

    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('use https://login.mypurecloud.com/oauth/token') });
    // Following a suggestion must not lead to the next configuration error (the region mismatch).
    expect(error.message).not.toContain('use https://login.mypurecloud.de/oauth/token');
  });

  it('a NICE CXone host is CONFIG_INVALID for genesys-cloud', () => {
    const error = configError({
      AUTH_PLATFORM: 'genesys-cloud',
      GENESYS_REGION: 'usw2.pure.cloud',
      TOKEN_URL: 'https://cxone.niceincontact.com/auth/token',
    });

    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('NICE CXone host, but AUTH_PLATFORM is genesys-cloud') });
    expect(error.message).toContain('use https://login.usw2.pure.cloud/oauth/token');
  });

  it("accepts GENESYS_REGION's own login host and a loopback override", () => {
    const own = loadConfig({ SECRET_ID: 's', AUTH_PLATFORM: 'genesys-cloud', GENESYS_REGION: 'mypurecloud.ie', TOKEN_URL: 'https://login.mypurecloud.ie/oauth/token' });
    const loopback = loadConfig({ SECRET_ID: 's', AUTH_PLATFORM: 'genesys-cloud', GENESYS_REGION: 'mypurecloud.ie', TOKEN_URL: 'http://127.0.0.1:8080/oauth/token' });

    expect(own.tokenUrl).toBe('https://login.mypurecloud.ie/oauth/token');
    expect(loopback.tokenUrl).toBe('http://127.0.0.1:8080/oauth/token');
  });
});

describe('configuration: nice-cxone and oauth2', () => {
  it.each(Object.keys(CXONE_ISSUERS))('accepts the CXone issuer %s, and knows its hosts as CXone hosts', (issuer) => {
    expect(loadConfig({ SECRET_ID: 's', AUTH_PLATFORM: 'nice-cxone', CXONE_ISSUER: issuer }).cxoneIssuer).toBe(issuer);
    expect(checkTokenEndpoint({ platform: 'genesys-cloud', genesysRegion: 'mypurecloud.com', tokenUrl: `${issuer}/auth/token` })).toStrictEqual([
      expect.objectContaining({ mistake: 'CXONE_HOST_FOR_GENESYS' }),
    ]);
  });

  it('a Genesys Cloud host is CONFIG_INVALID for nice-cxone', () => {
    const error = configError({ AUTH_PLATFORM: 'nice-cxone', TOKEN_URL: 'https://login.mypurecloud.com/oauth/token' });

    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('Genesys Cloud host, but AUTH_PLATFORM is nice-cxone') });
  });

  it('CXONE_ISSUER over plain http to a non-loopback host is CONFIG_INVALID', () => {
    const error = configError({ AUTH_PLATFORM: 'nice-cxone', CXONE_ISSUER: 'http://cxone.niceincontact.com' });

    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/CXONE_ISSUER must use https:\/\//) });
  });

  it('CXONE_ISSUER on loopback is accepted', () => {
    expect(loadConfig({ SECRET_ID: 's', AUTH_PLATFORM: 'nice-cxone', CXONE_ISSUER: 'http://127.0.0.1:4000' }).cxoneIssuer).toBe('http://127.0.0.1:4000');
  });

  it('oauth2 requires TOKEN_URL', () => {
    expect(configError({ AUTH_PLATFORM: 'oauth2' })).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('TOKEN_URL is required') });
  });
});

describe('checkTokenEndpoint', () => {
  it.each([
    ['genesys-cloud', 'https://api.mypurecloud.com/api/v2/oauth/token', 'mypurecloud.com', [{ mistake: 'GENESYS_API_HOST', suggestion: 'https://login.mypurecloud.com/oauth/token' }]],
    ['oauth2', 'https://api.euw2.pure.cloud/api/v2/oauth/token', undefined, [{ mistake: 'GENESYS_API_HOST', suggestion: 'https://login.euw2.pure.cloud/oauth/token' }]],
    ['genesys-cloud', 'https://login.mypurecloud.de/oauth/token', 'mypurecloud.com', [{ mistake: 'GENESYS_REGION_MISMATCH', suggestion: 'https://login.mypurecloud.com/oauth/token' }]],
    ['genesys-cloud', 'https://login.mypurecloud.com.au/oauth/token', 'mypurecloud.com', [{ mistake: 'GENESYS_REGION_MISMATCH', suggestion: 'https://login.mypurecloud.com/oauth/token' }]],
    ['genesys-cloud', 'https://na1.nice-incontact.com/authentication/v1/token/access-key', 'mypurecloud.jp', [{ mistake: 'CXONE_HOST_FOR_GENESYS', suggestion: 'https://login.mypurecloud.jp/oauth/token' }]],
    ['nice-cxone', 'https://login.mypurecloud.com/oauth/token', undefined, [{ mistake: 'GENESYS_HOST_FOR_CXONE' }]],
  ] as const)('%s with %s (region %s) finds %j', (platform, tokenUrl, genesysRegion, expected) => {
    const findings = checkTokenEndpoint({ platform, tokenUrl, ...(genesysRegion && { genesysRegion }) });

    expect(findings).toMatchObject(expected);
    expect(findings).toHaveLength(expected.length);
  });

  it.each([
    ['genesys-cloud', 'https://login.use2.us-gov-pure.cloud/oauth/token', 'use2.us-gov-pure.cloud'],
    ['genesys-cloud', 'http://127.0.0.1:4000/oauth/token', 'mypurecloud.com'],
    ['nice-cxone', 'https://cxone.niceincontact.com/auth/token', undefined],
    ['oauth2', 'https://auth.example.com/oauth/token', undefined],
  ] as const)('%s with %s finds nothing', (platform, tokenUrl, genesysRegion) => {
    expect(checkTokenEndpoint({ platform, tokenUrl, ...(genesysRegion && { genesysRegion }) })).toStrictEqual([]);
  });
});

describe('TOKEN_EXTRA_PARAMS', () => {
  it('parses form-encoded parameters', () => {
    const config = loadConfig({ SECRET_ID: 's', TOKEN_URL: 'https://auth.example.com/token', TOKEN_EXTRA_PARAMS: 'audience=x&resource=https%3A%2F%2Fapi.example.com' });

    expect(config.tokenExtraParams).toStrictEqual({ audience: 'x', resource: 'https://api.example.com' });
  });

  it('sends audience=x in the token form body', async () => {
    const client = { clientId: 'extra-client', clientSecret: 'extra-secret' };
    const bridge = await openPlatformBridge({
      clients: [client],
      secret: client,
      standIn: { lifetimeSeconds: 3600 },
      env: ({ tokenEndpoint, customerApi }) => ({ AUTH_PLATFORM: 'oauth2', TOKEN_URL: tokenEndpoint.tokenUrl, UPSTREAM_BASE_URL: customerApi.url }),
    });

    await expect(invoke(bridge.coldContainer({ TOKEN_EXTRA_PARAMS: 'audience=x' }), FOUND)).resolves.toStrictEqual(ADA);

    const [form] = bridge.tokenEndpoint.forms;
    expect(form?.get('audience')).toBe('x');
    expect(form?.get('grant_type')).toBe('client_credentials');
  });

  it.each(['grant_type', 'client_id', 'client_secret', 'scope', 'username', 'password'])('%s=x is CONFIG_INVALID: the bridge sets it', (name) => {
    const error = configError({ TOKEN_URL: 'https://auth.example.com/token', TOKEN_EXTRA_PARAMS: `${name}=x` });

    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining(`TOKEN_EXTRA_PARAMS must not set ${name}`) });
  });
});

describe('genesys-cloud through the handler', () => {
  const client = { clientId: 'genesys-client', clientSecret: 'genesys+secret/with=special:chars%~' };

  async function openGenesys(registered: StandInClient[] = [client]): Promise<PlatformBridge> {
    return openPlatformBridge({
      clients: registered,
      secret: client,
      standIn: { flavour: 'genesys-cloud', clientAuth: ['basic'] },
      env: ({ tokenEndpoint, customerApi }) => ({
        AUTH_PLATFORM: 'genesys-cloud',
        GENESYS_REGION: 'mypurecloud.de',
        TOKEN_URL: tokenEndpoint.tokenUrl,
        UPSTREAM_BASE_URL: customerApi.url,
      }),
    });
  }

  it('gets a token with client_credentials and the client in the Basic header, and the action answers', async () => {
    const bridge = await openGenesys();
    const proxy = servers.track(await startRecordingProxy(bridge.tokenEndpoint.url));

    await expect(invoke(bridge.coldContainer({ TOKEN_URL: `${proxy.url}/oauth/token` }), FOUND)).resolves.toStrictEqual(ADA);

    const [request] = proxy.requests;
    expect(request?.authorization).toMatch(/^Basic /);
    expect(JSON.parse(request!.responseBody)).toMatchObject({ token_type: 'bearer', expires_in: 86_399 });
    expect(bridge.tokenEndpoint.presentedClients).toStrictEqual([client]);
    const [form] = bridge.tokenEndpoint.forms;
    expect(form?.get('grant_type')).toBe('client_credentials');
    expect(form?.has('client_secret')).toBe(false);
  });

  it('reuses the 86,399 s token (lowercase "bearer") until expiry minus 60 s', async () => {
    const bridge = await openGenesys();
    const clock = controlClock();
    const handler = bridge.coldContainer();
    await invoke(handler, FOUND);

    clock.advanceTo(86_338_000);
    await invoke(handler, FOUND);
    expect(bridge.tokenEndpoint.requests).toBe(1);

    clock.advanceTo(86_340_000);
    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
    expect(bridge.tokenEndpoint.requests).toBe(2);
  });

  it("the login host's bad-credential answer (400 invalid_client with description) is TOKEN_INVALID_CLIENT", async () => {
    const bridge = await openGenesys([{ clientId: client.clientId, clientSecret: 'another-secret' }]);

    const result = invoke(bridge.coldContainer(), FOUND);

    await expect(result).rejects.toMatchObject({ name: 'TokenError', code: 'TOKEN_INVALID_CLIENT', status: 400 });
    await expect(result).rejects.toMatchObject({ message: expect.stringMatching(/^TOKEN_INVALID_CLIENT: invalid_client: .*region/) });
    expect(bridge.tokenEndpoint.requests).toBe(1);
    expect(bridge.secrets.secretsManager.requests).toBe(2);
    expect(bridge.customerApi.requests).toBe(0);
  });

  it('without UPSTREAM_BASE_URL the API base is https://api.<region>, also when TOKEN_URL is overridden', async () => {
    const config = loadConfig({ SECRET_ID: 's', AUTH_PLATFORM: 'genesys-cloud', GENESYS_REGION: 'mypurecloud.de', TOKEN_URL: 'http://127.0.0.1:9/oauth/token' });
    const agent = offlineAgent();
    const profile = createPlatformProfile(config, agent);

    await expect(profile.apiBaseUrl(credentials(), A_TOKEN, Deadline.after(1_000, logger))).resolves.toBe('https://api.mypurecloud.de');
    await expect(profile.tokenSettings(credentials(), Deadline.after(1_000, logger))).resolves.toMatchObject({ tokenUrl: 'http://127.0.0.1:9/oauth/token' });
    expect(config.upstreamBaseUrl).toBeUndefined();
    await agent.close();
  });
});

describe('nice-cxone through the handler', () => {
  const app = { clientId: 'cxone-app', clientSecret: 'cxone+app/secret=' };
  const accessKey = { accessKeyId: 'AKIDCXONE123', accessKeySecret: 'c2Vj+cmV0/K2tleS9zZWNyZXQ==' };

  async function openCxone(options: { secret?: Record<string, unknown>; standIn?: TokenEndpointOptions; apiEndpoint?: boolean } = {}): Promise<PlatformBridge> {
    return openPlatformBridge({
      clients: [app],
      secret: options.secret ?? { ...app, ...accessKey },
      standIn: { flavour: 'nice-cxone', accessKeys: [accessKey], ...options.standIn },
      ...(options.apiEndpoint && { apiEndpoint: true }),
      env: ({ tokenEndpoint, customerApi }) => ({ AUTH_PLATFORM: 'nice-cxone', CXONE_ISSUER: tokenEndpoint.url, UPSTREAM_BASE_URL: customerApi.url }),
    });
  }

  describe('discovery', () => {
    it('finds the token endpoint by OpenID discovery once per container', async () => {
      const bridge = await openCxone();
      const handler = bridge.coldContainer();

      await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
      expect(bridge.tokenEndpoint.discoveryRequests).toBe(1);

      for (let i = 0; i < 20; i++) await invoke(handler, FOUND);
      expect(bridge.tokenEndpoint.discoveryRequests).toBe(1);
      expect(bridge.tokenEndpoint.requests).toBe(1);

      await invoke(bridge.coldContainer(), FOUND);
      expect(bridge.tokenEndpoint.discoveryRequests).toBe(2);
    });

    it('TOKEN_URL skips discovery', async () => {
      const bridge = await openCxone();

      await invoke(bridge.coldContainer({ TOKEN_URL: bridge.tokenEndpoint.tokenUrl }), FOUND);

      expect(bridge.tokenEndpoint.discoveryRequests).toBe(0);
      expect(bridge.tokenEndpoint.requests).toBe(1);
    });

    it('rejects a discovered token_endpoint that is plain http on a non-loopback host, before any token request', async () => {
      const bridge = await openCxone();
      const issuerPaths: string[] = [];
      // The document is only read: the bridge must never send anything to cxone.invalid.
      const issuer = servers.track(
        await startLoopbackServer(({ url }) => {
          issuerPaths.push(url.pathname);
          return json(200, { issuer: 'http://cxone.invalid', token_endpoint: 'http://cxone.invalid/auth/token' });
        }),
      );

      const result = invoke(bridge.coldContainer({ CXONE_ISSUER: issuer.url }), FOUND);

      await expect(result).rejects.toMatchObject({ name: 'TokenError', code: 'TOKEN_INVALID_RESPONSE' });
      await expect(result).rejects.toMatchObject({ message: expect.stringContaining('token_endpoint must be an https:// URL') });
      expect(issuerPaths).toStrictEqual(['/.well-known/openid-configuration']);
      expect(bridge.tokenEndpoint.requests).toBe(0);
      expect(bridge.customerApi.requests).toBe(0);
    });

    it.each([
      ['another issuer', (own: string) => `${own}/other`],
      ['the issuer with a trailing slash', (own: string) => `${own}/`],
      ['no issuer', () => undefined],
    ])('refuses a discovery document naming %s (OpenID Connect Discovery §4.3), before any token request', async (_case, issuerOf) => {
      const bridge = await openCxone();
      const issuer = servers.track(await startLoopbackServer(({ headers }) => json(200, { issuer: issuerOf(`http://${headers.host}`), token_endpoint: bridge.tokenEndpoint.tokenUrl })));

      const result = invoke(bridge.coldContainer({ CXONE_ISSUER: issuer.url }), FOUND);

      await expect(result).rejects.toMatchObject({ name: 'TokenError', code: 'TOKEN_INVALID_RESPONSE', message: expect.stringMatching(/issuer/) });
      expect(bridge.tokenEndpoint.requests).toBe(0);
    });

    it('accepts CXONE_ISSUER with a trailing slash when the document names it without', async () => {
      const bridge = await openCxone();

      await expect(invoke(bridge.coldContainer({ CXONE_ISSUER: `${bridge.tokenEndpoint.url}/` }), FOUND)).resolves.toStrictEqual(ADA);
    });

    it('does not cache a failed discovery: after the issuer answers 500, the next invocation discovers again and succeeds', async () => {
      const bridge = await openCxone();
      let failing = true;
      let discoveries = 0;
      const issuer = servers.track(
        await startLoopbackServer(({ url, headers }) => {
          if (url.pathname !== '/.well-known/openid-configuration') return json(404, { error: 'not_found' });
          discoveries++;
          if (failing) return json(500, { error: 'server_error' });
          return json(200, { issuer: `http://${headers.host}`, token_endpoint: bridge.tokenEndpoint.tokenUrl });
        }),
      );
      const handler = bridge.coldContainer({ CXONE_ISSUER: issuer.url });

      await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'TOKEN_UNAVAILABLE', message: expect.stringContaining('CXONE_ISSUER') });
      expect(bridge.tokenEndpoint.requests).toBe(0);

      failing = false;
      await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
      await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

      expect(discoveries).toBe(2);
      expect(bridge.tokenEndpoint.requests).toBe(1);
    });

    it('a discovery document that is not there (404) is TOKEN_INVALID_RESPONSE naming CXONE_ISSUER', async () => {
      const bridge = await openCxone();
      const issuer = servers.track(await startLoopbackServer(() => json(404, { error: 'not_found' })));

      await expect(invoke(bridge.coldContainer({ CXONE_ISSUER: issuer.url }), FOUND)).rejects.toMatchObject({
        code: 'TOKEN_INVALID_RESPONSE',
        message: expect.stringMatching(/HTTP 404.*CXONE_ISSUER/),
      });
    });
  });

  describe('grants', () => {
    it('access-key flow: password grant with the access key, the application client in the Basic header', async () => {
      const bridge = await openCxone({ secret: { ...app, ...accessKey }, standIn: { clientAuth: ['basic'] } });

      await expect(invoke(bridge.coldContainer(), FOUND)).resolves.toStrictEqual(ADA);

      const [form] = bridge.tokenEndpoint.forms;
      expect(form?.get('grant_type')).toBe('password');
      expect(form?.get('username')).toBe(accessKey.accessKeyId);
      expect(form?.get('password')).toBe(accessKey.accessKeySecret);
      expect(form?.has('client_id')).toBe(false);
      expect(form?.has('client_secret')).toBe(false);
      expect(bridge.tokenEndpoint.presentedClients).toStrictEqual([app]);
    });

    it.each([
      ['no access key', {}, 'accessKeyId and accessKeySecret'],
      ['an access key id without its secret', { accessKeyId: accessKey.accessKeyId }, 'accessKeySecret'],
    ])('a secret with %s is SECRET_INVALID naming the keys to add, before any token request', async (_case, extra, missing) => {
      const bridge = await openCxone({ secret: { ...app, ...extra } });

      const result = invoke(bridge.coldContainer(), FOUND);

      await expect(result).rejects.toMatchObject({ name: 'SecretError', code: 'SECRET_INVALID', message: expect.stringContaining(`has no ${missing}`) });
      await expect(result).rejects.toMatchObject({ message: expect.stringContaining('not offered client_credentials') });
      expect(bridge.tokenEndpoint.requests).toBe(0);
    });

    it('a wrong access key is TOKEN_INVALID_GRANT (CXone error shape), without a secret refetch', async () => {
      const bridge = await openCxone({ secret: { ...app, accessKeyId: accessKey.accessKeyId, accessKeySecret: 'not-the-key==' } });

      const result = invoke(bridge.coldContainer(), FOUND);

      await expect(result).rejects.toMatchObject({ name: 'TokenError', code: 'TOKEN_INVALID_GRANT', status: 400 });
      await expect(result).rejects.toMatchObject({ message: expect.stringMatching(/^TOKEN_INVALID_GRANT: invalid_grant: .*access key/) });
      await expect(result).rejects.not.toMatchObject({ message: expect.stringContaining('not-the-key') });
      expect(bridge.tokenEndpoint.requests).toBe(1);
      expect(bridge.secrets.secretsManager.requests).toBe(1);
    });

    it('a server that offers only client_credentials refuses the access key with TOKEN_UNSUPPORTED_GRANT_TYPE', async () => {
      const bridge = await openCxone({ secret: { ...app, ...accessKey }, standIn: { grants: ['client_credentials'] } });

      await expect(invoke(bridge.coldContainer(), FOUND)).rejects.toMatchObject({ code: 'TOKEN_UNSUPPORTED_GRANT_TYPE' });
    });
  });

  describe('tenant API base (cxone-configuration)', () => {
    it('with CXONE_TENANT_ID and no UPSTREAM_BASE_URL, calls the api_endpoint discovered for the tenant, once per container', async () => {
      const bridge = await openCxone({ apiEndpoint: true });
      const issuer = servers.track(await startRecordingProxy(bridge.tokenEndpoint.url));
      const handler = bridge.coldContainer({ CXONE_ISSUER: issuer.url, CXONE_TENANT_ID: 'tenant-42', UPSTREAM_BASE_URL: undefined }, platformApiLookup);

      for (let i = 0; i < 10; i++) await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

      expect(issuer.requests.map((r) => r.path)).toStrictEqual(['/.well-known/openid-configuration', '/.well-known/cxone-configuration?tenantId=tenant-42']);
      expect(bridge.customerApi.requests).toBe(10);
      expect(bridge.tokenEndpoint.discoveryRequests).toBe(2);
    });

    it("agentState (the CXone action) reaches the tenant's api_endpoint with an access-key token", async () => {
      const secrets = servers.track(await startTestSecrets({ ...app, ...accessKey, tenantId: 'tenant-7' }));
      let isValid: (authorization: string | undefined) => boolean = () => false;
      const cxoneApi = servers.track(await startCxoneApiStandIn((authorization) => isValid(authorization)));
      const tokenEndpoint = servers.track(
        await startTokenEndpointStandIn([app], { flavour: 'nice-cxone', accessKeys: [accessKey], clientAuth: ['basic'], apiEndpoint: cxoneApi.url }),
      );
      isValid = tokenEndpoint.isValid;
      const handler = createDirectHandler(agentState, { ...secrets.env, AUTH_PLATFORM: 'nice-cxone', CXONE_ISSUER: tokenEndpoint.url });

      await expect(invoke(handler, { agentId: '1234567' })).resolves.toStrictEqual({
        found: true,
        agentId: '1234567',
        state: 'Unavailable',
        reason: 'Lunch',
        since: '2026-11-26T12:01:30.000Z',
      });
      await expect(invoke(handler, { agentId: '7654321' })).resolves.toMatchObject({ found: true, state: 'Available' });

      expect(tokenEndpoint.discoveryRequests).toBe(2);
      expect(tokenEndpoint.requests).toBe(1);
      expect(tokenEndpoint.forms[0]?.get('grant_type')).toBe('password');
      expect(cxoneApi.requests).toBe(2);
    });

    it('takes the tenant from a tenantId key in the secret', async () => {
      const bridge = await openCxone({ secret: { ...app, ...accessKey, tenantId: ' tenant-from-secret ' }, apiEndpoint: true });
      const issuer = servers.track(await startRecordingProxy(bridge.tokenEndpoint.url));
      const handler = bridge.coldContainer({ CXONE_ISSUER: issuer.url, UPSTREAM_BASE_URL: undefined }, platformApiLookup);

      await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);
      await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

      expect(issuer.requests.map((r) => r.path)).toContain('/.well-known/cxone-configuration?tenantId=tenant-from-secret');
      expect(bridge.tokenEndpoint.discoveryRequests).toBe(2);
      expect(bridge.customerApi.requests).toBe(2);
    });

    it('UPSTREAM_BASE_URL wins over the tenant: no cxone-configuration request', async () => {
      const bridge = await openCxone();

      await expect(invoke(bridge.coldContainer({ CXONE_TENANT_ID: 'tenant-42' }, platformApiLookup), FOUND)).resolves.toStrictEqual(ADA);

      expect(bridge.tokenEndpoint.discoveryRequests).toBe(1);
    });

    it('takes the tenant from the id_token claims when neither CXONE_TENANT_ID nor the secret names one', async () => {
      const bridge = await openCxone({ apiEndpoint: true, standIn: { tenantId: 'tenant-from-id-token' } });
      const issuer = servers.track(await startRecordingProxy(bridge.tokenEndpoint.url));

      await expect(invoke(bridge.coldContainer({ CXONE_ISSUER: issuer.url, UPSTREAM_BASE_URL: undefined }, platformApiLookup), FOUND)).resolves.toStrictEqual(ADA);

      expect(issuer.requests.map((r) => r.path)).toContain('/.well-known/cxone-configuration?tenantId=tenant-from-id-token');
    });

    it.each<[string, string | undefined, string]>([
      ['without OAUTH_SCOPE', undefined, 'openid'],
      ['added to OAUTH_SCOPE', 'RealTimeApi AdminApi', 'RealTimeApi AdminApi openid'],
      ['not duplicated when OAUTH_SCOPE has it', 'openid RealTimeApi', 'openid RealTimeApi'],
    ])('with no tenant configured, requests scope openid (%s), so the id_token can name the tenant', async (_case, oauthScope, sent) => {
      const bridge = await openCxone({ apiEndpoint: true, standIn: { tenantId: 'tenant-from-id-token' } });

      await expect(invoke(bridge.coldContainer({ OAUTH_SCOPE: oauthScope, UPSTREAM_BASE_URL: undefined }, platformApiLookup), FOUND)).resolves.toStrictEqual(ADA);

      expect(bridge.tokenEndpoint.forms.map((form) => form.get('scope'))).toStrictEqual([sent]);
    });

    it.each<[string, Record<string, unknown>, Record<string, string | undefined>, string | null]>([
      ['CXONE_TENANT_ID names the tenant', { ...app, ...accessKey }, { CXONE_TENANT_ID: 'tenant-42' }, null],
      ["the secret's tenantId names it", { ...app, ...accessKey, tenantId: 'tenant-7' }, {}, null],
      ["the secret's tenantId names it and OAUTH_SCOPE is set", { ...app, ...accessKey, tenantId: 'tenant-7' }, { OAUTH_SCOPE: 'RealTimeApi' }, 'RealTimeApi'],
    ])('does not request openid when %s: the scope is sent as configured', async (_case, secret, env, sent) => {
      const bridge = await openCxone({ secret, apiEndpoint: true });

      await expect(invoke(bridge.coldContainer({ ...env, UPSTREAM_BASE_URL: undefined }, platformApiLookup), FOUND)).resolves.toStrictEqual(ADA);

      expect(bridge.tokenEndpoint.forms.map((form) => form.get('scope'))).toStrictEqual([sent]);
    });

    it('the stand-in answers as OpenID Connect does: an id_token only when the scope holds openid', async () => {
      const bridge = await openCxone();
      const tokenResponse = async (scope?: string) => {
        const form = new URLSearchParams({ grant_type: 'password', username: accessKey.accessKeyId, password: accessKey.accessKeySecret, ...(scope && { scope }) });
        const response = await request(bridge.tokenEndpoint.tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(app.clientId, app.clientSecret) },
          body: form.toString(),
        });
        return (await response.body.json()) as Record<string, unknown>;
      };

      const [withoutScope, otherScope, withOpenId] = [await tokenResponse(), await tokenResponse('RealTimeApi'), await tokenResponse('RealTimeApi openid')];

      expect([withoutScope, otherScope].map((body) => 'id_token' in body)).toStrictEqual([false, false]);
      expect(withOpenId.id_token).toEqual(expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/));
    });

    it('prefers CXONE_TENANT_ID and the secret over the id_token', async () => {
      const bridge = await openCxone({ apiEndpoint: true, secret: { ...app, ...accessKey, tenantId: 'tenant-from-secret' }, standIn: { tenantId: 'tenant-from-id-token' } });
      const issuer = servers.track(await startRecordingProxy(bridge.tokenEndpoint.url));

      await invoke(bridge.coldContainer({ CXONE_ISSUER: issuer.url, UPSTREAM_BASE_URL: undefined }, platformApiLookup), FOUND);
      await invoke(bridge.coldContainer({ CXONE_ISSUER: issuer.url, UPSTREAM_BASE_URL: undefined, CXONE_TENANT_ID: 'tenant-from-env' }, platformApiLookup), FOUND);

      expect(issuer.requests.map((r) => r.path).filter((path) => path.includes('tenantId'))).toStrictEqual([
        '/.well-known/cxone-configuration?tenantId=tenant-from-secret',
        '/.well-known/cxone-configuration?tenantId=tenant-from-env',
      ]);
    });

    it('without a tenant anywhere (nor UPSTREAM_BASE_URL) there is no API base: CONFIG_INVALID saying how to set one', async () => {
      const bridge = await openCxone({ standIn: { tenantId: '' } });

      await expect(invoke(bridge.coldContainer({ UPSTREAM_BASE_URL: undefined }, platformApiLookup), FOUND)).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('CXONE_TENANT_ID'),
      });
      expect(bridge.customerApi.requests).toBe(0);
    });

    it('an api_endpoint over plain http to a non-loopback host is refused without calling it', async () => {
      const bridge = await openCxone();
      const issuer = servers.track(
        await startLoopbackServer(({ url, headers }) =>
          url.pathname === '/.well-known/openid-configuration'
            ? json(200, { issuer: `http://${headers.host}`, token_endpoint: bridge.tokenEndpoint.tokenUrl })
            : json(200, { api_endpoint: 'http://api-na1.cxone.invalid' }),
        ),
      );

      const result = invoke(bridge.coldContainer({ CXONE_ISSUER: issuer.url, CXONE_TENANT_ID: 't', UPSTREAM_BASE_URL: undefined }, platformApiLookup), FOUND);

      await expect(result).rejects.toMatchObject({ code: 'UPSTREAM_INVALID_RESPONSE', message: expect.stringContaining('api_endpoint must be an https:// URL') });
    });
  });
});

describe('OAuth errors (parseTokenResponse, RFC 6749 §5.2)', () => {
  const KNOWN = [
    ['invalid_client', 'TOKEN_INVALID_CLIENT', /whitespace/],
    ['invalid_grant', 'TOKEN_INVALID_GRANT', /access key/],
    ['unauthorized_client', 'TOKEN_UNAUTHORIZED_CLIENT', /grant/],
    ['invalid_scope', 'TOKEN_INVALID_SCOPE', /OAUTH_SCOPE/],
    ['unsupported_grant_type', 'TOKEN_UNSUPPORTED_GRANT_TYPE', /AUTH_PLATFORM/],
  ] as const;

  it.each(KNOWN)('%s maps to %s with its own advice', (error, code, advice) => {
    const thrown = thrownBy(() => parseTokenResponse(response(400, { error, error_description: 'details' })));

    expect(thrown).toMatchObject({ name: 'TokenError', code, status: 400, message: expect.stringMatching(new RegExp(`^${code}: ${error}: `)) });
    expect((thrown as Error).message).toMatch(advice);
  });

  it('gives each of them different advice', () => {
    const advice = KNOWN.map(([error]) => {
      const { message } = thrownBy(() => parseTokenResponse(response(400, { error }))) as Error;
      return message.slice(message.indexOf(`${error}: `) + error.length + 2);
    });

    expect(new Set(advice).size).toBe(KNOWN.length);
  });

  it.each(['access_denied', 'invalid_request', 'server_said_no'])('an unknown or other error %s is TOKEN_REJECTED naming it', (error) => {
    expect(thrownBy(() => parseTokenResponse(response(400, { error })))).toMatchObject({
      code: 'TOKEN_REJECTED',
      message: expect.stringContaining(error),
    });
  });

  it("Genesys Cloud's 400 invalid_request 'rate limit exceeded' is TOKEN_UNAVAILABLE", () => {
    const thrown = thrownBy(() => parseTokenResponse(response(400, { error: 'invalid_request', description: 'rate limit exceeded' })));

    expect(thrown).toMatchObject({ code: 'TOKEN_UNAVAILABLE', status: 400, message: expect.stringContaining('rate limit') });
  });

  it('a 429 is TOKEN_UNAVAILABLE', () => {
    expect(thrownBy(() => parseTokenResponse(response(429, { message: 'slow down' }, { 'content-type': 'application/json', 'retry-after': '3' })))).toMatchObject({
      code: 'TOKEN_UNAVAILABLE',
      status: 429,
    });
  });

  it("CXone's { error, errorDescription } shape is read", () => {
    expect(thrownBy(() => parseTokenResponse(response(401, { error: 'invalid_client', errorDescription: 'Invalid client' })))).toMatchObject({
      code: 'TOKEN_INVALID_CLIENT',
      status: 401,
    });
    expect(thrownBy(() => parseTokenResponse(response(400, { error: 'invalid_grant', errorDescription: 'Invalid access key' })))).toMatchObject({
      code: 'TOKEN_INVALID_GRANT',
    });
  });

  it('a 200 with an error field is rejected, not taken as a token', () => {
    expect(thrownBy(() => parseTokenResponse(response(200, { error: 'access_denied' })))).toMatchObject({
      code: 'TOKEN_REJECTED',
      message: expect.stringContaining('access_denied'),
    });
    expect(thrownBy(() => parseTokenResponse(response(200, { error: 'invalid_client', access_token: 'x' })))).toMatchObject({
      code: 'TOKEN_INVALID_CLIENT',
    });
  });

  it('an HTML page with 200 is TOKEN_INVALID_RESPONSE, without quoting it', () => {
    const page = '<!DOCTYPE html><html><body>Sign in to continue SECRET-PAGE-TEXT</body></html>';

    const thrown = thrownBy(() => parseTokenResponse(response(200, page, { 'content-type': 'text/html' })));

    expect(thrown).toMatchObject({ code: 'TOKEN_INVALID_RESPONSE', message: expect.stringContaining('HTML') });
    expect((thrown as Error).message).not.toContain('SECRET-PAGE-TEXT');
  });

  it('a 401 without a body is invalid_client (RFC 6749 §5.2)', () => {
    expect(thrownBy(() => parseTokenResponse(response(401, '', {})))).toMatchObject({ code: 'TOKEN_INVALID_CLIENT', status: 401 });
  });

  it('a non-OAuth JSON error body is TOKEN_REJECTED naming the status, and is not called malformed', () => {
    const thrown = thrownBy(() => parseTokenResponse(response(404, { message: 'no such route' })));

    expect(thrown).toMatchObject({ code: 'TOKEN_REJECTED', status: 404, message: expect.stringContaining('HTTP 404') });
    expect((thrown as Error).message).not.toContain('malformed');
  });

  it('accepts the Genesys Cloud success shape: lowercase bearer, 86,399 s', () => {
    const issued = parseTokenResponse(response(200, { access_token: 'genesys-token', token_type: 'bearer', expires_in: 86_399 }));

    expect(issued).toMatchObject({ expiresInSeconds: 86_399, lifetimeAssumed: false });
    expect(issued.accessToken.reveal()).toBe('genesys-token');
  });
});

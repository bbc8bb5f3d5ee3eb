import { request } from 'undici';
import { customerLookup } from '../../lib/actions/customerLookup/action';
import { createDirectHandler, type DirectHandler } from '../../lib/front/directInvoke';
import { basicAuthorization } from '../../lib/auth/formEncoding';
import { startCustomerApiStandIn, type CustomerApiStandIn } from '../../lib/actions/customerLookup/standIn';
import { startTokenEndpointStandIn, type StandInClient } from '../../tools/standIns/tokenEndpointStandIn';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { invoke } from '../support/bridge';
import { startOidcServer, type OidcClientMetadata, type OidcServer } from '../support/oidc';
import { Servers, startRecordingProxy, startTestSecrets, type RecordingProxy, type TestSecrets } from '../support/standIns';
import { ADA } from '../support/fixtures';

/**
 * The real token cache, request builder and response parser against oidc-provider, a
 * certified OAuth 2.0 / OpenID server, on loopback (STYLE §8: what crosses a process
 * boundary is proven once against a real OAuth server). Between the bridge and the server
 * sits a recording proxy: it counts token requests and keeps the tokens the server issued,
 * which are the only ones the upstream stand-in accepts.
 */

const FOUND = { phoneNumber: '+15551234567' };

// Secrets with every character RFC 6749 Appendix B makes a form decoder read differently.
const BASIC_CLIENT = { client_id: 'bridge-basic', client_secret: 'a+b/c=d:e%f~g', token_endpoint_auth_method: 'client_secret_basic', scope: 'customers:read customers:write' } as const;
const POST_CLIENT = { client_id: 'bridge-post', client_secret: 'h+i/j=k:l%m~n', token_endpoint_auth_method: 'client_secret_post', scope: 'customers:read' } as const;
const NARROW_CLIENT = { client_id: 'bridge-narrow', client_secret: 'o+p/q=r:s%t~u', token_endpoint_auth_method: 'client_secret_basic', scope: 'customers:read' } as const;
/** Decodes as a valid form value even when sent raw: '+' then reads as a space. */
const PLUS_CLIENT = { client_id: 'bridge-plus', client_secret: 'plus+slash/equals=', token_endpoint_auth_method: 'client_secret_basic', scope: 'customers:read' } as const;
const CLIENTS: OidcClientMetadata[] = [BASIC_CLIENT, POST_CLIENT, NARROW_CLIENT, PLUS_CLIENT];

let oidc: OidcServer;
let logs: CapturedLogs;
const servers = new Servers();

beforeAll(async () => {
  oidc = await startOidcServer(CLIENTS);
});
afterAll(async () => {
  await oidc?.stop();
});
beforeEach(() => {
  logs = captureLogs();
});
afterEach(async () => {
  await servers.closeAll();
  logs.restore();
});

interface OidcBridge {
  handler: DirectHandler;
  secrets: TestSecrets;
  proxy: RecordingProxy;
  customerApi: CustomerApiStandIn;
  /** Token requests that reached oidc-provider. */
  tokenRequests(): number;
}

async function openOidcBridge(client: OidcClientMetadata, env: Record<string, string>, secret?: Record<string, string>): Promise<OidcBridge> {
  const secrets = servers.track(await startTestSecrets(secret ?? { clientId: client.client_id, clientSecret: client.client_secret }));
  const proxy = servers.track(await startRecordingProxy(new URL(oidc.tokenUrl).origin));
  const customerApi = servers.track(await startCustomerApiStandIn(proxy.isIssued));
  const handler = createDirectHandler(customerLookup, {
    ...secrets.env,
    AUTH_PLATFORM: 'oauth2',
    TOKEN_URL: `${proxy.url}${new URL(oidc.tokenUrl).pathname}`,
    CLIENT_AUTH_METHOD: client.token_endpoint_auth_method,
    UPSTREAM_BASE_URL: customerApi.url,
    ...env,
  });
  return { handler, secrets, proxy, customerApi, tokenRequests: () => proxy.requests.filter((r) => r.method === 'POST').length };
}

function rawBasic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`, 'utf8').toString('base64')}`;
}

async function postToken(headers: Record<string, string>, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await request(oidc.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body,
  });
  return { status: response.statusCode, json: (await response.body.json()) as Record<string, unknown> };
}

describe('oidc-provider: client authentication', () => {
  it('client_secret_basic with a secret holding + / = : % ~ gets a token and the action answers with it', async () => {
    const bridge = await openOidcBridge(BASIC_CLIENT, { OAUTH_SCOPE: 'customers:read' });

    await expect(invoke(bridge.handler, FOUND)).resolves.toStrictEqual(ADA);

    const [tokenRequest] = bridge.proxy.requests;
    expect(tokenRequest).toMatchObject({ method: 'POST', status: 200, authorization: expect.stringMatching(/^Basic /) });
    const form = new URLSearchParams(tokenRequest!.body);
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('scope')).toBe('customers:read');
    expect(form.has('client_secret')).toBe(false);
    expect(bridge.proxy.issuedTokens).toHaveLength(1);
  });

  it('client_secret_post with a secret holding + / = : % ~ gets a token and the action answers with it', async () => {
    const bridge = await openOidcBridge(POST_CLIENT, { OAUTH_SCOPE: 'customers:read' });

    await expect(invoke(bridge.handler, FOUND)).resolves.toStrictEqual(ADA);

    const [tokenRequest] = bridge.proxy.requests;
    expect(tokenRequest).toMatchObject({ method: 'POST', status: 200 });
    expect(tokenRequest!.authorization).toBeUndefined();
    const form = new URLSearchParams(tokenRequest!.body);
    expect(form.get('client_id')).toBe(POST_CLIENT.client_id);
    expect(form.get('client_secret')).toBe(POST_CLIENT.client_secret);
  });

  it("a secret whose '+' a raw Basic header would turn into a space works through the bridge", async () => {
    const bridge = await openOidcBridge(PLUS_CLIENT, {});

    await expect(invoke(bridge.handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(bridge.tokenRequests()).toBe(1);
  });

  it('works without OAUTH_SCOPE (no scope parameter sent)', async () => {
    const bridge = await openOidcBridge(BASIC_CLIENT, {});

    await expect(invoke(bridge.handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(new URLSearchParams(bridge.proxy.requests[0]!.body).has('scope')).toBe(false);
  });
});

describe('oidc-provider: token cache', () => {
  it('makes exactly one token request for a cold start and 30 warm invocations, all using the one issued token', async () => {
    const bridge = await openOidcBridge(BASIC_CLIENT, { OAUTH_SCOPE: 'customers:read' });
    await invoke(bridge.handler, FOUND);

    for (let i = 0; i < 30; i++) await expect(invoke(bridge.handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(bridge.tokenRequests()).toBe(1);
    expect(bridge.secrets.secretsManager.requests).toBe(1);
    const [issued] = bridge.proxy.issuedTokens;
    expect(bridge.customerApi.authorizations).toHaveLength(31);
    expect(new Set(bridge.customerApi.authorizations)).toStrictEqual(new Set([`Bearer ${issued}`]));
  });

  it('25 concurrent invocations on a cold container share one secret read and one token request, and all use its token', async () => {
    const bridge = await openOidcBridge(POST_CLIENT, {});

    const outputs = await Promise.all(Array.from({ length: 25 }, () => invoke(bridge.handler, FOUND)));

    expect(outputs).toStrictEqual(Array.from({ length: 25 }, () => ADA));
    expect(bridge.secrets.secretsManager.requests).toBe(1);
    expect(bridge.tokenRequests()).toBe(1);
    expect(bridge.proxy.issuedTokens).toHaveLength(1);
    const [issued] = bridge.proxy.issuedTokens;
    expect(bridge.customerApi.authorizations).toStrictEqual(Array.from({ length: 25 }, () => `Bearer ${issued}`));
  });
});

describe('oidc-provider: token errors', () => {
  it('a scope the client may not request is TOKEN_INVALID_SCOPE, and the message points at OAUTH_SCOPE', async () => {
    const bridge = await openOidcBridge(NARROW_CLIENT, { OAUTH_SCOPE: 'customers:read customers:write' });

    const result = invoke(bridge.handler, FOUND);

    await expect(result).rejects.toMatchObject({ name: 'TokenError', code: 'TOKEN_INVALID_SCOPE', status: 400 });
    await expect(result).rejects.toMatchObject({ message: expect.stringMatching(/^TOKEN_INVALID_SCOPE: invalid_scope: .*OAUTH_SCOPE/) });
    expect(bridge.tokenRequests()).toBe(1);
  });

  it('the same scope is granted to a client that may request it', async () => {
    const bridge = await openOidcBridge(BASIC_CLIENT, { OAUTH_SCOPE: 'customers:read customers:write' });

    await expect(invoke(bridge.handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(JSON.parse(bridge.proxy.requests[0]!.responseBody)).toMatchObject({ scope: 'customers:read customers:write' });
  });

  it.each([
    ['client_secret_basic', BASIC_CLIENT],
    ['client_secret_post', POST_CLIENT],
  ] as const)('a wrong secret (%s) is TOKEN_INVALID_CLIENT containing invalid_client, after one secret refetch', async (_method, client) => {
    const bridge = await openOidcBridge(client, {}, { clientId: client.client_id, clientSecret: `${client.client_secret}-wrong` });

    const result = invoke(bridge.handler, FOUND);

    await expect(result).rejects.toMatchObject({ name: 'TokenError', code: 'TOKEN_INVALID_CLIENT', status: 401 });
    await expect(result).rejects.toMatchObject({ message: expect.stringMatching(/^TOKEN_INVALID_CLIENT: invalid_client: /) });
    await expect(result).rejects.not.toMatchObject({ message: expect.stringContaining(client.client_secret) });
    expect(bridge.tokenRequests()).toBe(1);
    expect(bridge.secrets.secretsManager.requests).toBe(2);
    expect(logs.lines.join('\n')).not.toContain(client.client_secret);
  });
});

describe('RFC 6749 §2.3.1: why the Basic header is form-encoded', () => {
  it('oidc-provider accepts the form-encoded header the bridge builds', async () => {
    const { status, json } = await postToken(
      { authorization: basicAuthorization(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret) },
      'grant_type=client_credentials',
    );

    expect(status).toBe(200);
    expect(json).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer' });
  });

  it("oidc-provider rejects a raw header whose '%' is not a valid escape", async () => {
    const { status, json } = await postToken({ authorization: rawBasic(BASIC_CLIENT.client_id, BASIC_CLIENT.client_secret) }, 'grant_type=client_credentials');

    expect(status).toBe(400);
    expect(json).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('not properly encoded') });
  });

  it("oidc-provider reads '+' in a raw header as a space, so the right secret is invalid_client", async () => {
    const { status, json } = await postToken({ authorization: rawBasic(PLUS_CLIENT.client_id, PLUS_CLIENT.client_secret) }, 'grant_type=client_credentials');

    expect(status).toBe(401);
    expect(json).toMatchObject({ error: 'invalid_client' });
  });

  it('for the same plus-client, the form-encoded header is accepted', async () => {
    const { status } = await postToken({ authorization: basicAuthorization(PLUS_CLIENT.client_id, PLUS_CLIENT.client_secret) }, 'grant_type=client_credentials');

    expect(status).toBe(200);
  });
});

/**
 * RFC 6749 Appendix A limits client_id and client_secret to VSCHAR (%x20-7E, printable
 * ASCII), and oidc-provider enforces it: a Basic header whose decoded secret holds 'ü' is
 * invalid_request "not properly encoded", however correctly it is encoded. So non-ASCII
 * secrets (which some servers do issue or accept) cannot be proven against it. The loopback
 * stand-in form-urldecodes Basic credentials as §2.3.1 says and compares them byte for byte,
 * so it shows that non-ASCII letters reach the server intact with either method.
 */
describe('non-ASCII secrets (loopback stand-in: oidc-provider accepts only VSCHAR credentials)', () => {
  const client: StandInClient = { clientId: 'bridge-ünï', clientSecret: 'sëcrét-ünï+/=:%~€' };

  it.each([
    ['client_secret_basic', 'basic'],
    ['client_secret_post', 'post'],
  ] as const)('%s: the server decodes exactly the stored id and secret', async (method, accepted) => {
    const secrets = servers.track(await startTestSecrets({ clientId: client.clientId, clientSecret: client.clientSecret }));
    const tokenEndpoint = servers.track(await startTokenEndpointStandIn([client], { clientAuth: [accepted], lifetimeSeconds: 3600 }));
    const customerApi = servers.track(await startCustomerApiStandIn(tokenEndpoint.isValid));
    const handler = createDirectHandler(customerLookup, {
      ...secrets.env,
      AUTH_PLATFORM: 'oauth2',
      TOKEN_URL: tokenEndpoint.tokenUrl,
      CLIENT_AUTH_METHOD: method,
      UPSTREAM_BASE_URL: customerApi.url,
    });

    await expect(invoke(handler, FOUND)).resolves.toStrictEqual(ADA);

    expect(tokenEndpoint.presentedClients).toStrictEqual([client]);
  });

  it('a server that does not form-decode Basic credentials rejects them: the failure §2.3.1 prevents', async () => {
    const secrets = servers.track(await startTestSecrets({ clientId: client.clientId, clientSecret: client.clientSecret }));
    const tokenEndpoint = servers.track(await startTokenEndpointStandIn([client], { clientAuth: ['basic'], basicDecoding: 'raw' }));
    const handler = createDirectHandler(customerLookup, {
      ...secrets.env,
      AUTH_PLATFORM: 'oauth2',
      TOKEN_URL: tokenEndpoint.tokenUrl,
      UPSTREAM_BASE_URL: 'http://127.0.0.1:9',
    });

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({ code: 'TOKEN_INVALID_CLIENT' });

    expect(tokenEndpoint.presentedClients[0]?.clientSecret).not.toBe(client.clientSecret);
  });
});

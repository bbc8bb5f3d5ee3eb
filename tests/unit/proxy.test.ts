import fc from 'fast-check';
import { request as httpsRequest } from 'node:https';
import { agentState } from '../../lib/actions/agentState/action';
import { customerLookup } from '../../lib/actions/customerLookup/action';
import type { AnyAction } from '../../lib/runtime/action';
import { Deadline } from '../../lib/http/deadline';
import { createDirectHandler } from '../../lib/front/directInvoke';
import { createHttpAgent, sendHttpRequest } from '../../lib/http/httpClient';
import { logger } from '../../lib/base/logger';
import { proxyFor, readProxySettings } from '../../lib/http/proxy/proxySettings';
import { HttpsTunnelAgent } from '../../lib/http/proxy/tunnelAgent';
import type { Sandbox } from '../../tools/sandbox/sandbox';
import type { CapturedLogs } from '../setup/logs';
import { invoke, thrownBy } from '../support/bridge';
import { PROXY_PASSWORD, PROXY_USER, startForwardProxy, type ForwardProxy } from '../support/forwardProxy';
import { useSandbox } from '../support/sandboxProcess';
import { Servers } from '../support/standIns';
import { createSelfSignedCertificate, startHttpsStandIn, type SelfSignedCertificate } from '../support/tls';

/**
 * Egress proxies (docs/operations.md, "Egress proxies"): the real handler, undici and the real AWS SDK
 * against the loopback stand-ins, with a forward proxy between them (tests/support/
 * forwardProxy.ts) that records which requests passed through it. The stand-ins are plain
 * http, so undici sends them in absolute form and the SDK's agent through a CONNECT tunnel;
 * the https stand-in of tests/support/tls.ts covers CONNECT + TLS for both clients.
 */

const FOUND = { phoneNumber: '+15551234567' };
const AGENT = { agentId: '1234567' };

const servers = new Servers();
const hooks = useSandbox(servers);
let logs: CapturedLogs;
let sandbox: Sandbox;
beforeEach(() => {
  ({ sandbox, logs } = hooks.current());
});

const hostOf = (url: string) => new URL(url).host;

/** Debug logging, so that the canary scan (tests/setup/canaries.ts, which knows the proxy's password) reads every line. */
function coldContainer(action: AnyAction, overrides: Record<string, string>) {
  return createDirectHandler(action, { ...sandbox.env, LOG_LEVEL: 'debug', ...overrides });
}

async function proxy(options: Parameters<typeof startForwardProxy>[0] = {}): Promise<ForwardProxy> {
  return servers.track(await startForwardProxy(options));
}

describe('the proxy variables (lib/http/proxy/proxySettings.ts)', () => {
  const URL_A = 'http://proxy-a.example:3128';
  const URL_B = 'http://proxy-b.example:3128';
  const labelFor = (env: Record<string, string>, url: string) => proxyFor(readProxySettings(env), new URL(url))?.label;

  it('reads either case, the lower-case one winning when both are set (as curl and undici do)', () => {
    expect(labelFor({ HTTPS_PROXY: URL_A }, 'https://api.example.com')).toBe(URL_A);
    expect(labelFor({ https_proxy: URL_A }, 'https://api.example.com')).toBe(URL_A);
    expect(labelFor({ https_proxy: URL_A, HTTPS_PROXY: URL_B }, 'https://api.example.com')).toBe(URL_A);
    expect(labelFor({ no_proxy: 'api.example.com', NO_PROXY: '', HTTPS_PROXY: URL_A }, 'https://api.example.com')).toBeUndefined();
    // An empty lower-case value is set: it switches the proxy off even with the upper-case one set (undici's `??`).
    expect(readProxySettings({ http_proxy: '', HTTP_PROXY: URL_A })).toBeUndefined();
  });

  it('sends https through http_proxy when https_proxy is unset (undici), and http direct when only https_proxy is set', () => {
    expect(labelFor({ HTTP_PROXY: URL_A }, 'https://api.example.com')).toBe(URL_A);
    expect(labelFor({ HTTPS_PROXY: URL_A }, 'http://api.example.com')).toBeUndefined();
    expect(labelFor({ HTTP_PROXY: URL_A, HTTPS_PROXY: URL_B }, 'http://api.example.com')).toBe(URL_A);
  });

  it('is no proxy at all when no variable is set: the container keeps its plain agent', () => {
    expect(readProxySettings({ NO_PROXY: 'example.com' })).toBeUndefined();
    expect(createHttpAgent({}, readProxySettings({})).proxyFor).toBeUndefined();
  });

  it('refuses a malformed or non-http proxy URL with CONFIG_INVALID naming the variable, never the value', () => {
    for (const value of [`socks5://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:1080`, `http//${PROXY_USER}:${PROXY_PASSWORD}@proxy`, `http://${PROXY_USER}:${PROXY_PASSWORD}@proxy:3128/path`]) {
      const error = thrownBy(() => readProxySettings({ HTTPS_PROXY: value })) as Error;
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('HTTPS_PROXY') });
      expect(error.message).not.toContain(PROXY_PASSWORD);
    }
  });

  it('prints a proxy with credentials as http://***@host:port, in strings, JSON and util.inspect', () => {
    const proxyUrl = readProxySettings({ HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@proxy.example:3128` })!.https!;

    expect([proxyUrl.label, `${proxyUrl}`, JSON.stringify({ proxyUrl })]).toStrictEqual(['http://***@proxy.example:3128', 'http://***@proxy.example:3128', '{"proxyUrl":"http://***@proxy.example:3128"}']);
    expect(require('node:util').inspect({ proxyUrl }, { depth: 5 })).not.toContain(PROXY_PASSWORD);
  });

  it('routes every host and port as undici\'s EnvHttpProxyAgent routes it (one set of NO_PROXY rules for undici and the AWS SDK)', () => {
    // undici's private routing, observed through the agents it dispatches to (the symbols are internals pinned with undici).
    const { kDispatch, kNoProxyAgent, kHttpProxyAgent, kHttpsProxyAgent } = require('undici/lib/core/symbols.js');
    const label = fc.constantFrom('example', 'com', 'api', 'login', 'internal', 'corp');
    const host = fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.'));
    const port = fc.constantFrom(undefined, 443, 80, 8443);
    const entry = fc.tuple(fc.constantFrom('', '.', '*.'), host, port).map(([prefix, name, p]) => `${prefix}${name}${p ? `:${p}` : ''}`);
    const noProxy = fc.oneof(fc.constant('*'), fc.array(entry, { maxLength: 3 }).map((entries) => entries.join(',')));
    fc.assert(
      fc.property(noProxy, fc.constantFrom('http:', 'https:'), host, port, (no, protocol, target, targetPort) => {
        const settings = readProxySettings({ HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:10', NO_PROXY: no })!;
        const undiciAgent = createHttpAgent({}, settings) as unknown as Record<symbol, unknown> & { close(): Promise<void> };
        undiciAgent[kNoProxyAgent] = { dispatch: () => 'direct' };
        undiciAgent[kHttpProxyAgent] = { dispatch: () => 'http:' };
        undiciAgent[kHttpsProxyAgent] = { dispatch: () => 'https:' };
        const origin = `${protocol}//${target}${targetPort ? `:${targetPort}` : ''}`;
        const undiciRoute = (undiciAgent[kDispatch] as (opts: unknown, handler: unknown) => string).call(undiciAgent, { origin }, {});
        const ours = proxyFor(settings, new URL(origin)) ? protocol : 'direct';
        expect(ours).toBe(undiciRoute);
      }),
      { numRuns: 300 },
    );
  });
});

describe('every request of an invocation goes through HTTP_PROXY', () => {
  it('the secret fetch (real AWS SDK, CONNECT), the token request and the upstream call (undici, absolute form): customerLookup', async () => {
    const forward = await proxy();

    await expect(invoke(coldContainer(customerLookup, { HTTP_PROXY: forward.url }), FOUND)).resolves.toMatchObject({ found: true });

    expect(forward.exchanges.map((e) => [e.kind, e.kind === 'connect' ? e.target : hostOf(e.target)])).toStrictEqual([
      ['connect', hostOf(sandbox.secretsManager.url)],
      ['absolute', hostOf(sandbox.tokenEndpoint.tokenUrl)],
      ['absolute', hostOf(sandbox.customerApi.url)],
    ]);
    expect(sandbox.counts()).toStrictEqual({ secret: 1, discovery: 0, token: 1, upstream: 1 });
  });

  it('the OIDC discovery too: agentState on CXone', async () => {
    const forward = await proxy();

    await expect(invoke(coldContainer(agentState, { http_proxy: forward.url }), AGENT)).resolves.toMatchObject({ found: true });

    const counts = sandbox.counts();
    expect(forward.exchanges.filter((e) => e.kind === 'absolute').map((e) => new URL(e.target).pathname)).toContain('/.well-known/openid-configuration');
    expect(forward.forwardedHosts()).toHaveLength(counts.secret + counts.discovery + counts.token + counts.upstream);
  });

  it('NO_PROXY keeps the hosts it names direct, by host:port, for both clients', async () => {
    const forward = await proxy();
    const direct = [hostOf(sandbox.secretsManager.url), hostOf(sandbox.tokenEndpoint.tokenUrl)].join(', ');

    await expect(invoke(coldContainer(customerLookup, { HTTP_PROXY: forward.url, NO_PROXY: direct }), FOUND)).resolves.toMatchObject({ found: true });

    expect(forward.forwardedHosts()).toStrictEqual([hostOf(sandbox.customerApi.url)]);
    expect(sandbox.counts()).toStrictEqual({ secret: 1, discovery: 0, token: 1, upstream: 1 });
  });

  it('with the proxy\'s credentials from the URL (Proxy-Authorization on every request), none of which reaches a log line', async () => {
    const forward = await proxy({ requireAuth: true });

    await expect(invoke(coldContainer(customerLookup, { HTTP_PROXY: forward.urlWithCredentials }), FOUND)).resolves.toMatchObject({ found: true });

    expect(forward.exchanges.map((e) => [e.proxyAuthorized, e.outcome])).toStrictEqual(Array(3).fill([true, 'forwarded']));
    expect(logs.lines.length).toBeGreaterThan(0);
    expect(logs.lines.join('\n')).not.toContain(PROXY_PASSWORD);
  });
});

describe('CONNECT for https (tests/support/tls.ts)', () => {
  let certificate: SelfSignedCertificate;
  beforeAll(async () => {
    certificate = await createSelfSignedCertificate();
  });
  afterAll(async () => {
    await certificate.remove();
  });

  it('undici tunnels to an https token endpoint and speaks TLS with it end to end', async () => {
    const forward = await proxy({ requireAuth: true });
    const https = servers.track(await startHttpsStandIn(certificate));
    const agent = createHttpAgent({ ca: certificate.cert }, readProxySettings({ HTTPS_PROXY: forward.urlWithCredentials }));

    const response = await sendHttpRequest(agent, { method: 'POST', url: new URL(`${https.url}/oauth/token`), headers: { authorization: 'Basic dGVzdDp0ZXN0' }, step: 'test', maxBodyBytes: 4_096 }, Deadline.after(5_000, logger));
    await agent.close();

    expect(response.status).toBe(200);
    expect(forward.exchanges).toStrictEqual([expect.objectContaining({ kind: 'connect', target: hostOf(https.url), proxyAuthorized: true, outcome: 'forwarded' })]);
    // The proxy saw a tunnel, not the request: the Authorization header reached the server inside TLS.
    expect([https.secureConnections, https.requests]).toStrictEqual([1, [{ method: 'POST', path: '/oauth/token', authorization: 'Basic dGVzdDp0ZXN0' }]]);
  });

  it('the AWS SDK\'s agent tunnels to an https host, and NO_PROXY sends it direct', async () => {
    const forward = await proxy();
    const https = servers.track(await startHttpsStandIn(certificate));
    const get = async (env: Record<string, string>) => {
      const agent = new HttpsTunnelAgent(readProxySettings(env)!, { ca: certificate.cert });
      try {
        return await new Promise<number | undefined>((resolve, reject) => {
          httpsRequest(`${https.url}/secret`, { agent }, (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode));
          }).on('error', reject).end();
        });
      } finally {
        agent.destroy();
      }
    };

    await expect(get({ HTTPS_PROXY: forward.url })).resolves.toBe(200);
    await expect(get({ HTTPS_PROXY: forward.url, NO_PROXY: '127.0.0.1' })).resolves.toBe(200);

    expect(forward.forwardedHosts()).toStrictEqual([hostOf(https.url)]);
    expect(https.secureConnections).toBe(2);
  });
});

describe('a proxy that refuses, resets or strips Authorization: named at run time', () => {
  const WRONG_PASSWORD_URL = (forward: ForwardProxy) => forward.urlWithCredentials.replace(PROXY_PASSWORD, `${PROXY_PASSWORD}-old`);

  it('407 to the token request: TOKEN_UNAVAILABLE naming the proxy (credentials as ***) and what to fix, not retried', async () => {
    const forward = await proxy({ requireAuth: true });
    const handler = coldContainer(customerLookup, { HTTP_PROXY: WRONG_PASSWORD_URL(forward), NO_PROXY: hostOf(sandbox.secretsManager.url) });

    const error = (await invoke(handler, FOUND).catch((caught: unknown) => caught)) as Error;

    expect(error).toMatchObject({ code: 'TOKEN_UNAVAILABLE', message: expect.stringContaining(`the egress proxy http://***@${hostOf(forward.url)} (HTTP_PROXY) requires authentication (HTTP 407): check the user and password in HTTP_PROXY`) });
    expect(error.message).not.toContain(PROXY_PASSWORD);
    expect(forward.exchanges.map((e) => e.outcome)).toStrictEqual([407]);
    expect(sandbox.counts().token).toBe(0);
  });

  it('407 to the secret fetch\'s CONNECT: SECRET_UNAVAILABLE naming the proxy, not retried', async () => {
    const forward = await proxy({ requireAuth: true });

    const error = (await invoke(coldContainer(customerLookup, { HTTPS_PROXY: forward.url, HTTP_PROXY: forward.url }), FOUND).catch((caught: unknown) => caught)) as Error;

    expect(error).toMatchObject({ code: 'SECRET_UNAVAILABLE', message: expect.stringContaining(`the egress proxy ${forward.url} (HTTP_PROXY) requires authentication (HTTP 407): put a user and password in HTTP_PROXY`) });
    expect(forward.exchanges.map((e) => [e.kind, e.outcome])).toStrictEqual([['connect', 407]]);
    expect(sandbox.counts().secret).toBe(0);
  });

  it('a reset: TOKEN_UNAVAILABLE saying the proxy reset the connection to the token endpoint', async () => {
    const forward = await proxy({ mode: 'reset' });
    const handler = coldContainer(customerLookup, { HTTP_PROXY: forward.url, NO_PROXY: hostOf(sandbox.secretsManager.url) });

    await expect(invoke(handler, FOUND)).rejects.toMatchObject({
      code: 'TOKEN_UNAVAILABLE',
      message: expect.stringContaining(`the egress proxy ${forward.url} (HTTP_PROXY) reset the connection to ${hostOf(sandbox.tokenEndpoint.tokenUrl)}`),
    });
  });

  it('Authorization stripped: TOKEN_INVALID_CLIENT saying a proxy is in the path; the same settings work with the hosts in NO_PROXY', async () => {
    const forward = await proxy({ mode: 'strip-authorization' });
    const through = coldContainer(customerLookup, { HTTP_PROXY: forward.url });

    await expect(invoke(through, FOUND)).rejects.toMatchObject({
      code: 'TOKEN_INVALID_CLIENT',
      message: expect.stringContaining(`the request went through the egress proxy ${forward.url} (HTTP_PROXY), which may remove the Authorization header`),
    });

    // The proxy strips the upstream call's bearer token too.
    const bypassing = coldContainer(customerLookup, { HTTP_PROXY: forward.url, NO_PROXY: `${hostOf(sandbox.tokenEndpoint.tokenUrl)},${hostOf(sandbox.customerApi.url)}` });
    await expect(invoke(bypassing, FOUND)).resolves.toMatchObject({ found: true });
  });

  it('an invalid_client without a proxy says nothing about one', async () => {
    const handler = coldContainer(customerLookup, { TOKEN_URL: `${sandbox.genesys.tokenEndpoint.tokenUrl}` });

    const error = (await invoke(handler, FOUND).catch((caught: unknown) => caught)) as Error;

    expect(error).toMatchObject({ code: 'TOKEN_INVALID_CLIENT' });
    expect(error.message).not.toContain('proxy');
  });
});

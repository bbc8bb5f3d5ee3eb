import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doctorFromArgs, renderReport } from '../../tools/doctor/cli';
import { runDoctor, type DoctorOptions, type DoctorReport } from '../../lib/doctor/doctor';
import { Cause } from '../../lib/doctor/findings';
import { startCustomerApiStandIn } from '../../lib/actions/customerLookup/standIn';
import type { LoopbackServer } from '../../tools/standIns/loopbackServer';
import { startSecretsManagerStandIn, type SecretsManagerStandIn } from '../../tools/standIns/secretsManagerStandIn';
import { SANDBOX_ID_TOKEN_TENANT, startTokenEndpointStandIn, type TokenEndpointOptions, type TokenEndpointStandIn } from '../../tools/standIns/tokenEndpointStandIn';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { runScript } from '../support/runScript';
import {
  STEP,
  canariesOf,
  causesOf,
  diagnose,
  expectNoCanary,
  offlineAgent,
  sha256Fingerprint,
  statuses,
  stepNamed,
  type OfflineAgent,
} from '../support/doctor';
import { closedPort, hang, jsonReply, reply, startFaultyServer, type Fault, type FaultyServer } from '../support/faultyServer';

/**
 * `doctor` (docs/design.md §11, issue "doctor"): each failure cause is set up on loopback and
 * recognised by name. Every run goes through `diagnose`, which also checks that nothing
 * secret (secret values, Basic credentials, issued tokens) is printed, and through an agent
 * whose DNS is answered in-process, so no request ever leaves 127.0.0.1.
 */

const CLIENT_ID = 'doctor-client-1';
const CLIENT_SECRET = 'Doctor-Secret-7f3a9c';
const CLIENT = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET };
const WRONG = { clientId: CLIENT_ID, clientSecret: 'Wrong-Secret-00aa11' };
const ACCESS_KEY = { accessKeyId: 'AK-doctor-0001', accessKeySecret: 'Access-Key-Secret-c0ffee' };

const secretOf = (fields: unknown, source = 'test secret') => ({ source, secretString: typeof fields === 'string' ? fields : JSON.stringify(fields) });

let logs: CapturedLogs;
let offline: OfflineAgent;
let servers: LoopbackServer[] = [];

beforeEach(() => {
  logs = captureLogs();
  offline = offlineAgent();
});

afterEach(async () => {
  logs.restore();
  expectNoCanary(logs.lines.join('\n'), [CLIENT_SECRET, ACCESS_KEY.accessKeySecret, 'sandbox-at-']);
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
  await offline.agent.destroy();
});

async function serve<T extends LoopbackServer>(started: Promise<T>): Promise<T> {
  const server = await started;
  servers.push(server);
  return server;
}

/** A loopback server answering every request with `fault` (a fixed reply, or hanging), closed after the test. */
async function serveFault(fault: Fault): Promise<FaultyServer> {
  const server = await serve(startFaultyServer());
  server.otherwise(fault);
  return server;
}

const tokenEndpoint = (clients = [CLIENT], options: TokenEndpointOptions = {}): Promise<TokenEndpointStandIn> =>
  serve(startTokenEndpointStandIn(clients, options));

function options(overrides: Partial<DoctorOptions> = {}): DoctorOptions {
  return {
    platform: 'oauth2',
    cxoneIssuer: 'https://cxone.niceincontact.com',
    authMethod: 'client_secret_basic',
    secret: secretOf(CLIENT),
    timeoutMs: 3_000,
    agent: offline.agent,
    ...overrides,
  };
}

function findingMessages(report: DoctorReport, name: string): string[] {
  return stepNamed(report, name)?.findings.map((finding) => finding.message) ?? [];
}

describe('doctor › the secret', () => {
  it('shows a fingerprint per key, raises no hygiene warning for a clean secret, and obtains a token as configured', async () => {
    const server = await tokenEndpoint();

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl }));

    expect(statuses(report)).toStrictEqual({
      [STEP.secret]: 'ok',
      [STEP.endpoint]: 'ok',
      [STEP.token]: 'ok',
      [STEP.clock]: 'ok',
      [STEP.upstream]: 'skipped',
    });
    expect(causesOf(report)).toStrictEqual([]);
    expect(report.tokenObtained).toBe(true);
    expect(stepNamed(report, STEP.secret)?.details).toEqual(
      expect.arrayContaining([`clientId: ${sha256Fingerprint(CLIENT_ID)}`, `clientSecret: ${sha256Fingerprint(CLIENT_SECRET)}`]),
    );
    expect(server.requests).toBe(1);
  });

  it.each([
    ['a trailing newline', `${CLIENT_SECRET}\n`, 'trailing U+000A LINE FEED'],
    ['a leading byte-order mark', `\uFEFF${CLIENT_SECRET}`, 'leading U+FEFF BYTE ORDER MARK'],
    ['a trailing zero-width space', `${CLIENT_SECRET}\u200B`, 'trailing U+200B ZERO WIDTH SPACE'],
    ['wrapping quotes and a trailing CR LF', `"${CLIENT_SECRET}"\r\n`, 'wrapping quotes'],
  ])('names the key and what was removed for %s (SECRET_WHITESPACE), and RAW_SECRET_REJECTED when the server takes only the cleaned value', async (_, stored, removed) => {
    const server = await tokenEndpoint();

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, secret: secretOf({ clientId: CLIENT_ID, clientSecret: stored }) }));

    expect(causesOf(report, STEP.secret)).toStrictEqual([Cause.SECRET_WHITESPACE]);
    expect(stepNamed(report, STEP.secret)?.status).toBe('warn');
    expect(findingMessages(report, STEP.secret)[0]).toContain('clientSecret');
    expect(findingMessages(report, STEP.secret)[0]).toContain(removed);
    expect(stepNamed(report, STEP.secret)?.details).toContain(
      `clientSecret: stored ${sha256Fingerprint(stored)}, cleaned ${sha256Fingerprint(CLIENT_SECRET)}`,
    );
    expect(report.tokenObtained).toBe(true);
    expect(causesOf(report, STEP.raw)).toStrictEqual([Cause.RAW_SECRET_REJECTED]);
    expect(stepNamed(report, STEP.raw)?.status).toBe('warn');
    expect(findingMessages(report, STEP.raw)[0]).toContain('clientSecret');
    // The second request really carried the stored value, byte for byte.
    expect(server.presentedClients.map((client) => client?.clientSecret === stored)).toStrictEqual([false, true]);
  });

  it('raises SECRET_WHITESPACE but no RAW_SECRET_REJECTED when the server accepts the stored value too', async () => {
    const stored = `${CLIENT_SECRET}\n`;
    const server = await tokenEndpoint([CLIENT, { clientId: CLIENT_ID, clientSecret: stored }]);

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, secret: secretOf({ clientId: CLIENT_ID, clientSecret: stored }) }));

    expect(causesOf(report)).toStrictEqual([Cause.SECRET_WHITESPACE]);
    expect(stepNamed(report, STEP.raw)).toMatchObject({ status: 'ok', details: ['raw values: also accepted'] });
    expect(report.tokenObtained).toBe(true);
  });

  it('names the key cleaned in the client id too, under its alias', async () => {
    const server = await tokenEndpoint();

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, secret: secretOf({ client_id: ` ${CLIENT_ID}`, client_secret: CLIENT_SECRET }) }));

    expect(causesOf(report, STEP.secret)).toStrictEqual([Cause.SECRET_WHITESPACE]);
    expect(findingMessages(report, STEP.secret)[0]).toMatch(/^client_id had leading U\+0020 SPACE/);
    expect(causesOf(report, STEP.raw)).toStrictEqual([Cause.RAW_SECRET_REJECTED]);
  });

  it.each([
    ['an inner space in clientSecret', { clientId: CLIENT_ID, clientSecret: 'Doctor Secret-7f3a9c' }, /key clientSecret contains U\+0020 SPACE inside the value/],
    ['an inner zero-width joiner', { clientId: CLIENT_ID, clientSecret: 'Doctor-Secret\u200D-7f3a9c' }, /key clientSecret contains U\+200D/],
    ['text that is not JSON', 'Doctor-Secret-7f3a9c-not-json', /must hold a JSON object/],
    ['a JSON array', `["${CLIENT_SECRET}"]`, /must hold a JSON object/],
    ['no clientSecret', { clientId: CLIENT_ID }, /missing the key clientSecret \(or client_secret\)/],
    ['a clientSecret that is not a string', { clientId: CLIENT_ID, clientSecret: 12345678 }, /key clientSecret must be a string/],
  ])('is SECRET_INVALID for %s, without quoting the value and without any request', async (_, fields, message) => {
    const server = await tokenEndpoint();

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, secret: secretOf(fields) }));

    expect(causesOf(report)).toStrictEqual([Cause.SECRET_INVALID]);
    expect(stepNamed(report, STEP.secret)?.status).toBe('fail');
    expect(findingMessages(report, STEP.secret)[0]).toMatch(message);
    expect(stepNamed(report, STEP.token)).toBeUndefined();
    expect(report.tokenObtained).toBe(false);
    expect(server.requests).toBe(0);
  });

  it('does not show a step that never ran as passed when the secret is unusable', async () => {
    const { report, text } = await diagnose(options({ tokenUrl: 'https://login.example.com/oauth/token', secret: secretOf({ clientId: CLIENT_ID }) }));

    const endpointStep = stepNamed(report, STEP.endpoint);
    // The endpoint was never checked: the report must not print "✔ token endpoint".
    expect(endpointStep?.status ?? 'skipped').not.toBe('ok');
    expect(text).not.toContain('✔ token endpoint');
  });
});

describe('doctor › the token endpoint, recognised before any request', () => {
  it.each<[string, Partial<DoctorOptions>, Cause, string | undefined]>([
    [
      'the Genesys API host instead of the login host',
      { platform: 'genesys-cloud', genesysRegion: 'mypurecloud.com', tokenUrl: 'https://api.mypurecloud.com/api/v2/oauth/token' },
      Cause.GENESYS_API_HOST,
      'https://login.mypurecloud.com/oauth/token',
    ],
    [
      "another region's login host",
      { platform: 'genesys-cloud', genesysRegion: 'mypurecloud.com', tokenUrl: 'https://login.mypurecloud.de/oauth/token' },
      Cause.GENESYS_REGION_MISMATCH,
      'https://login.mypurecloud.com/oauth/token',
    ],
    [
      'a CXone token URL with platform genesys-cloud',
      { platform: 'genesys-cloud', genesysRegion: 'usw2.pure.cloud', tokenUrl: 'https://cxone.niceincontact.com/auth/token' },
      Cause.CXONE_HOST_FOR_GENESYS,
      'https://login.usw2.pure.cloud/oauth/token',
    ],
    [
      'a Genesys login URL with platform nice-cxone',
      { platform: 'nice-cxone', tokenUrl: 'https://login.mypurecloud.com/oauth/token', secret: secretOf({ ...CLIENT, ...ACCESS_KEY }) },
      Cause.GENESYS_HOST_FOR_CXONE,
      undefined,
    ],
    ['an unknown Genesys region', { platform: 'genesys-cloud', genesysRegion: 'mypurecloud.example' }, Cause.GENESYS_UNKNOWN_REGION, undefined],
    ['no Genesys region at all', { platform: 'genesys-cloud' }, Cause.GENESYS_UNKNOWN_REGION, undefined],
    ['plain http:// to a host that is not loopback', { tokenUrl: 'http://login.example.com/oauth/token' }, Cause.NOT_A_TOKEN_ENDPOINT, undefined],
    ['no token URL for oauth2', {}, Cause.NOT_A_TOKEN_ENDPOINT, undefined],
  ])('%s', async (_, settings, cause, suggestion) => {
    const { report } = await diagnose(options(settings));

    expect(causesOf(report, STEP.endpoint)).toContain(cause);
    expect(stepNamed(report, STEP.endpoint)?.status).toBe('fail');
    if (suggestion) expect(findingMessages(report, STEP.endpoint).join('\n')).toContain(`use ${suggestion}`);
    expect(report.steps.map((s) => s.name)).toStrictEqual([STEP.secret, STEP.endpoint]);
    expect(report.tokenObtained).toBe(false);
    if (settings.tokenUrl) expect(report.curl).toContain(settings.tokenUrl);
    // Nothing was resolved, so nothing was sent anywhere.
    expect(offline.lookups).toStrictEqual([]);
  });

  it('lists the known regions when the region is unknown', async () => {
    const { report } = await diagnose(options({ platform: 'genesys-cloud', genesysRegion: 'mypurecloud.example' }));

    expect(findingMessages(report, STEP.endpoint)[0]).toMatch(/mypurecloud\.example is not a Genesys Cloud region; use one of .*mypurecloud\.de/);
  });

  it('reports a token URL without a scheme as NOT_A_TOKEN_ENDPOINT instead of failing', async () => {
    const run = diagnose(options({ tokenUrl: 'login.mypurecloud.com/oauth/token' }));

    await expect(run).resolves.toBeDefined();
    const { report } = await run;
    expect(causesOf(report, STEP.endpoint)).toContain(Cause.NOT_A_TOKEN_ENDPOINT);
    expect(report.tokenObtained).toBe(false);
    expect(offline.lookups).toStrictEqual([]);
  });

  it('takes TOKEN_URL over the region default for genesys-cloud, on the Genesys-flavoured stand-in', async () => {
    const server = await tokenEndpoint([CLIENT], { flavour: 'genesys-cloud' });

    const { report } = await diagnose(options({ platform: 'genesys-cloud', genesysRegion: 'mypurecloud.de', tokenUrl: server.tokenUrl }));

    expect(stepNamed(report, STEP.endpoint)?.details).toContain(`token URL: ${server.tokenUrl}`);
    expect(stepNamed(report, STEP.token)?.details).toContain('token obtained, lifetime 86399 s');
    expect(report.tokenObtained).toBe(true);
  });
});

describe('doctor › the token request and the alternatives that differ in one thing', () => {
  it.each([
    ['client_secret_basic', 'client_secret_post', ['post'] as const],
    ['client_secret_post', 'client_secret_basic', ['basic'] as const],
  ] as const)('configured %s, server takes only %s: AUTH_METHOD names the one that worked', async (configured, other, clientAuth) => {
    const server = await tokenEndpoint([CLIENT], { clientAuth });

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, authMethod: configured }));

    expect(causesOf(report, STEP.token)).toStrictEqual([Cause.TOKEN_REJECTED]);
    expect(findingMessages(report, STEP.token)[0]).toContain('invalid_client');
    expect(causesOf(report, STEP.alternatives)).toStrictEqual([Cause.AUTH_METHOD]);
    expect(findingMessages(report, STEP.alternatives)[0]).toContain(`set CLIENT_AUTH_METHOD=${other}`);
    expect(stepNamed(report, STEP.alternatives)?.details).toContain(`${other} instead of ${configured}: token obtained`);
    // Only an alternative worked: no token as configured, so the exit code is not 0.
    expect(report.tokenObtained).toBe(false);
    expect(statuses(report)).toMatchObject({ [STEP.token]: 'fail', [STEP.alternatives]: 'fail', [STEP.clock]: 'ok', [STEP.upstream]: 'skipped' });
  });

  it('recognises a server that does not form-decode Basic credentials (ENCODING) for a secret with + / = : %', async () => {
    const special = { clientId: CLIENT_ID, clientSecret: 'Doc+tor/Sec=ret:7f%3a' };
    const server = await tokenEndpoint([special], { clientAuth: ['basic'], basicDecoding: 'raw' });

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, secret: secretOf(special) }));

    expect(causesOf(report, STEP.token)).toStrictEqual([Cause.TOKEN_REJECTED]);
    expect(causesOf(report, STEP.alternatives)).toStrictEqual([Cause.ENCODING]);
    expect(findingMessages(report, STEP.alternatives)[0]).toContain('raw id and secret');
    expect(report.tokenObtained).toBe(false);
    // As configured the secret went out form-encoded (RFC 6749 §2.3.1); the raw one is what this server wants.
    expect(server.presentedClients.map((client) => client?.clientSecret)).toStrictEqual([
      'Doc%2Btor%2FSec%3Dret%3A7f%253a',
      undefined,
      special.clientSecret,
    ]);
  });

  it("recognises ENCODING for a secret whose special characters are ! * ' ( ), which form-encoding encodes too", async () => {
    const special = { clientId: CLIENT_ID, clientSecret: "Doctor!Secret*(7f3a)'" };
    const server = await tokenEndpoint([special], { clientAuth: ['basic'], basicDecoding: 'raw' });

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, secret: secretOf(special) }));

    expect(server.presentedClients[0]?.clientSecret).toBe('Doctor%21Secret%2A%287f3a%29%27');
    expect(causesOf(report, STEP.alternatives)).toStrictEqual([Cause.ENCODING]);
  });

  it('tries no ENCODING alternative for a secret without special characters', async () => {
    const server = await tokenEndpoint([CLIENT], { basicDecoding: 'raw' });

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, secret: secretOf(WRONG) }));

    expect(stepNamed(report, STEP.alternatives)?.details.join('\n')).not.toContain('raw id and secret');
    expect(server.requests).toBe(2);
  });

  it('recognises a rejected scope (SCOPE_REJECTED): the request without scope works', async () => {
    const server = await tokenEndpoint([CLIENT], { allowedScopes: ['customers:read'] });

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, scope: 'admin' }));

    expect(causesOf(report, STEP.token)).toStrictEqual([Cause.TOKEN_REJECTED]);
    expect(findingMessages(report, STEP.token)[0]).toContain('invalid_scope');
    expect(causesOf(report, STEP.alternatives)).toStrictEqual([Cause.SCOPE_REJECTED]);
    expect(findingMessages(report, STEP.alternatives)[0]).toContain('"admin"');
    expect(server.forms.map((form) => form.get('scope'))).toStrictEqual(['admin', 'admin', null]);
    expect(report.curl).toContain(`--data-urlencode 'scope=admin'`);
    expect(report.tokenObtained).toBe(false);
  });

  it('says none worked when the id/secret pair itself is rejected (TOKEN_REJECTED)', async () => {
    const server = await tokenEndpoint();

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, secret: secretOf(WRONG), scope: 'customers:read' }));

    expect(causesOf(report)).toStrictEqual([Cause.TOKEN_REJECTED]);
    const alternativesStep = stepNamed(report, STEP.alternatives);
    expect(alternativesStep?.status).toBe('fail');
    expect(alternativesStep?.findings).toStrictEqual([]);
    expect(alternativesStep?.details.join('\n')).toMatch(/^none worked/m);
    expect(alternativesStep?.details).toHaveLength(3);
    expect(report.tokenObtained).toBe(false);
  });

  it('recognises a URL that answers 200 with an HTML page (NOT_A_TOKEN_ENDPOINT), without alternatives', async () => {
    const page = await serveFault(reply(200, '<!doctype html><title>Sign in</title>', { 'content-type': 'text/html; charset=utf-8' }));

    const { report } = await diagnose(options({ tokenUrl: `${page.url}/oauth/token` }));

    expect(causesOf(report)).toStrictEqual([Cause.NOT_A_TOKEN_ENDPOINT]);
    expect(findingMessages(report, STEP.token)[0]).toContain('an HTML or XML page');
    expect(stepNamed(report, STEP.alternatives)).toBeUndefined();
    expect(report.tokenObtained).toBe(false);
  });

  it('does not blame the id/secret pair when the token URL answers 404 (a wrong path is NOT_A_TOKEN_ENDPOINT)', async () => {
    const server = await tokenEndpoint();

    const { report } = await diagnose(options({ tokenUrl: `${server.url}/oauth/tokens` }));

    expect(causesOf(report, STEP.token)).toStrictEqual([Cause.NOT_A_TOKEN_ENDPOINT]);
    expect(JSON.stringify(report)).not.toContain('id/secret pair itself is not accepted');
  });
});

describe('doctor › network failures, told apart from HTTP errors', () => {
  function expectNetworkFailure(report: DoctorReport, cause: Cause): void {
    expect(causesOf(report)).toStrictEqual([cause]);
    expect(statuses(report)).toStrictEqual({
      [STEP.secret]: 'ok',
      [STEP.endpoint]: 'ok',
      [STEP.token]: 'fail',
      [STEP.clock]: 'skipped',
      [STEP.upstream]: 'skipped',
    });
    expect(report.tokenObtained).toBe(false);
  }

  it('CONNECT_FAILURE: nothing listens on the port', async () => {
    const port = await closedPort();

    const { report } = await diagnose(options({ tokenUrl: `http://127.0.0.1:${port}/oauth/token` }));

    expectNetworkFailure(report, Cause.CONNECT_FAILURE);
    expect(findingMessages(report, STEP.token)[0]).toContain(`could not connect to 127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('TLS_FAILURE: https:// to a port that speaks plain HTTP', async () => {
    const plain = await tokenEndpoint();
    const port = new URL(plain.url).port;

    const { report } = await diagnose(options({ tokenUrl: `https://127.0.0.1:${port}/oauth/token` }));

    expectNetworkFailure(report, Cause.TLS_FAILURE);
    expect(plain.requests).toBe(0);
  });

  it('DNS_FAILURE: a host name that does not resolve', async () => {
    const { report } = await diagnose(options({ tokenUrl: 'https://token.example.invalid/oauth/token' }));

    expectNetworkFailure(report, Cause.DNS_FAILURE);
    expect(findingMessages(report, STEP.token)[0]).toContain('token.example.invalid does not resolve (ENOTFOUND)');
    expect(offline.lookups).toContain('token.example.invalid');
  });

  it('TIMEOUT: a server that never answers', async () => {
    const silent = await serveFault(hang);
    const started = Date.now();

    const { report } = await diagnose(options({ tokenUrl: `${silent.url}/oauth/token`, timeoutMs: 300 }));

    expectNetworkFailure(report, Cause.TIMEOUT);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('doctor › clock skew from the Date header', () => {
  it.each([
    [120_000, /clock is 1(19|20) s behind the server's/],
    [-120_000, /clock is 1(19|20|21) s ahead of the server's/],
  ])('warns with CLOCK_SKEW when the server clock is off by %d ms', async (clockOffsetMs, message) => {
    const server = await tokenEndpoint([CLIENT], { clockOffsetMs });

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl }));

    expect(causesOf(report)).toStrictEqual([Cause.CLOCK_SKEW]);
    expect(stepNamed(report, STEP.clock)?.status).toBe('warn');
    expect(findingMessages(report, STEP.clock)[0]).toMatch(message);
    expect(report.tokenObtained).toBe(true);
  });

  it('raises nothing when the clocks agree', async () => {
    const server = await tokenEndpoint([CLIENT], { clockOffsetMs: 0 });

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl }));

    expect(stepNamed(report, STEP.clock)).toMatchObject({ status: 'ok', findings: [] });
    expect(stepNamed(report, STEP.clock)?.details[0]).toMatch(/^server clock minus local clock: -?[01] s$/);
  });

  it('also reads the Date header of a rejection', async () => {
    const server = await tokenEndpoint([CLIENT], { clockOffsetMs: 300_000 });

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, secret: secretOf(WRONG) }));

    expect(causesOf(report, STEP.clock)).toStrictEqual([Cause.CLOCK_SKEW]);
  });
});

describe('doctor › the upstream API with the token', () => {
  it('calls the upstream with the token and reports HTTP 200 as ok', async () => {
    const server = await tokenEndpoint();
    const api = await serve(startCustomerApiStandIn((authorization) => server.isValid(authorization)));
    const upstreamUrl = `${api.url}/customers?phone=%2B15551234567`;

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, upstreamUrl }));

    expect(stepNamed(report, STEP.upstream)).toMatchObject({ status: 'ok', findings: [], details: [`GET ${upstreamUrl} → HTTP 200`] });
    expect(api.authorizations).toHaveLength(1);
    expect(server.isValid(api.authorizations[0])).toBe(true);
    expect(report.tokenObtained).toBe(true);
  });

  it('UPSTREAM_REJECTED_TOKEN when the API answers 401; the token was still obtained as configured', async () => {
    const server = await tokenEndpoint();
    const api = await serve(startCustomerApiStandIn(() => false));

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, upstreamUrl: `${api.url}/customers?phone=%2B15551234567` }));

    expect(causesOf(report)).toStrictEqual([Cause.UPSTREAM_REJECTED_TOKEN]);
    expect(stepNamed(report, STEP.upstream)?.status).toBe('fail');
    expect(report.tokenObtained).toBe(true);
  });

  it('UPSTREAM_FORBIDDEN when the API answers 403', async () => {
    const server = await tokenEndpoint();
    const api = await serveFault(jsonReply(403, { message: 'missing permission' }));

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, upstreamUrl: `${api.url}/api/v2/tokens/me` }));

    expect(causesOf(report)).toStrictEqual([Cause.UPSTREAM_FORBIDDEN]);
    expect(stepNamed(report, STEP.upstream)?.status).toBe('warn');
  });

  it('UPSTREAM_UNREACHABLE when nothing listens at the API', async () => {
    const server = await tokenEndpoint();
    const port = await closedPort();

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, upstreamUrl: `http://127.0.0.1:${port}/customers` }));

    expect(causesOf(report)).toStrictEqual([Cause.UPSTREAM_UNREACHABLE]);
    expect(findingMessages(report, STEP.upstream)[0]).toContain('ECONNREFUSED');
  });

  it('skips the upstream step when no upstream URL is given', async () => {
    const server = await tokenEndpoint();

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl }));

    expect(stepNamed(report, STEP.upstream)).toMatchObject({ status: 'skipped', details: ['no upstream URL given (--upstream-url)'] });
  });

  it('never sends the token over plain http:// to a host that is not loopback', async () => {
    const server = await tokenEndpoint();

    const { report } = await diagnose(options({ tokenUrl: server.tokenUrl, upstreamUrl: 'http://api.example.com/api/v2/tokens/me' }));

    expect(offline.lookups).toStrictEqual([]);
    expect(stepNamed(report, STEP.upstream)?.status).toBe('fail');
  });
});

describe('doctor › NICE CXone', () => {
  const cxoneSecret = { ...CLIENT, ...ACCESS_KEY };

  it('discovers the token endpoint from the issuer and uses the password grant when the secret holds an access key', async () => {
    const issuer = await tokenEndpoint([CLIENT], { flavour: 'nice-cxone', accessKeys: [ACCESS_KEY] });

    const { report } = await diagnose(options({ platform: 'nice-cxone', cxoneIssuer: issuer.url, secret: secretOf(cxoneSecret) }));

    expect(report.tokenObtained).toBe(true);
    expect(causesOf(report)).toStrictEqual([]);
    expect(stepNamed(report, STEP.endpoint)?.details).toEqual(
      expect.arrayContaining([
        `discovered from ${issuer.url}/.well-known/openid-configuration`,
        'grant: password (access key in the secret)',
        `token URL: ${issuer.url}/auth/token`,
      ]),
    );
    expect(issuer.discoveryRequests).toBe(1);
    expect(issuer.forms[0]?.get('grant_type')).toBe('password');
    expect(issuer.forms[0]?.get('username')).toBe(ACCESS_KEY.accessKeyId);
    expect(report.curl).toContain(`'grant_type=password'`);
    expect(report.curl).toContain('"password=$ACCESS_KEY_SECRET"');
    expect(stepNamed(report, STEP.secret)?.details).toEqual(
      expect.arrayContaining([`accessKeyId: ${sha256Fingerprint(ACCESS_KEY.accessKeyId)}`, `accessKeySecret: ${sha256Fingerprint(ACCESS_KEY.accessKeySecret)}`]),
    );
  });

  it('CXONE_ACCESS_KEY_MISSING when the secret has only the application client: CXone back-end apps need an access key', async () => {
    const issuer = await tokenEndpoint([CLIENT], { flavour: 'nice-cxone' });

    const { report } = await diagnose(options({ platform: 'nice-cxone', cxoneIssuer: issuer.url }));

    expect(causesOf(report)).toStrictEqual([Cause.CXONE_ACCESS_KEY_MISSING]);
    expect(findingMessages(report, STEP.endpoint)[0]).toMatch(/has no accessKeyId and accessKeySecret: .*not offered client_credentials/);
    expect(issuer.requests).toBe(0);
    expect(report.tokenObtained).toBe(false);
  });

  it('with no tenant configured, asks for openid and names the tenant the id_token carries', async () => {
    const issuer = await tokenEndpoint([CLIENT], { flavour: 'nice-cxone', accessKeys: [ACCESS_KEY] });

    const { report } = await diagnose(options({ platform: 'nice-cxone', cxoneIssuer: issuer.url, secret: secretOf(cxoneSecret), scope: 'RealTimeApi' }));

    expect(causesOf(report)).toStrictEqual([]);
    expect(issuer.forms[0]?.get('scope')).toBe('RealTimeApi openid');
    expect(stepNamed(report, STEP.tenant)).toMatchObject({ status: 'ok', details: [`tenant ${SANDBOX_ID_TOKEN_TENANT}, from the id_token`] });
  });

  it.each([
    ['--tenant-id (CXONE_TENANT_ID)', { cxoneTenantId: 'tenant-from-env' }, cxoneSecret, 'tenant tenant-from-env, from CXONE_TENANT_ID'],
    ["the secret's tenantId", {}, { ...cxoneSecret, tenantId: 'tenant-in-secret' }, "tenant tenant-in-secret, from the secret's tenantId"],
  ])('with a tenant from %s, sends the scope as configured', async (_from, overrides, secretFields, detail) => {
    const issuer = await tokenEndpoint([CLIENT], { flavour: 'nice-cxone', accessKeys: [ACCESS_KEY] });

    const { report } = await diagnose(options({ platform: 'nice-cxone', cxoneIssuer: issuer.url, secret: secretOf(secretFields), ...overrides }));

    expect(causesOf(report)).toStrictEqual([]);
    expect(issuer.forms[0]?.has('scope')).toBe(false);
    expect(stepNamed(report, STEP.tenant)?.details).toStrictEqual([detail]);
  });

  it('CXONE_TENANT_UNKNOWN when the token works but nothing names a tenant', async () => {
    const noIdToken = await serveFault(jsonReply(200, { access_token: 'doctor-token-without-id', token_type: 'Bearer', expires_in: 3600 }));

    const { report } = await diagnose(options({ platform: 'nice-cxone', tokenUrl: `${noIdToken.url}/auth/token`, secret: secretOf(cxoneSecret) }));

    expect(report.tokenObtained).toBe(true);
    expect(causesOf(report)).toStrictEqual([Cause.CXONE_TENANT_UNKNOWN]);
    expect(findingMessages(report, STEP.tenant)[0]).toMatch(/no tenant id was found: .*set CXONE_TENANT_ID \(--tenant-id\) or add tenantId to the secret/);
  });

  it('SCOPE_REJECTED names the openid the bridge adds when the token endpoint refuses it', async () => {
    const issuer = await tokenEndpoint([CLIENT], { flavour: 'nice-cxone', accessKeys: [ACCESS_KEY], allowedScopes: ['RealTimeApi'] });

    const { report } = await diagnose(options({ platform: 'nice-cxone', cxoneIssuer: issuer.url, secret: secretOf(cxoneSecret), scope: 'RealTimeApi' }));

    expect(causesOf(report)).toContain(Cause.SCOPE_REJECTED);
    expect(findingMessages(report, STEP.alternatives).join('\n')).toMatch(/without the openid scope the bridge adds.*set CXONE_TENANT_ID/s);
    expect(issuer.forms.map((form) => form.get('scope'))).toContain('RealTimeApi');
  });

  it('DISCOVERY_FAILED when the issuer answers 404', async () => {
    const notAnIssuer = await serveFault(jsonReply(404, { error: 'not_found' }));

    const { report } = await diagnose(options({ platform: 'nice-cxone', cxoneIssuer: notAnIssuer.url, secret: secretOf(cxoneSecret) }));

    expect(causesOf(report)).toStrictEqual([Cause.DISCOVERY_FAILED]);
    expect(findingMessages(report, STEP.endpoint)[0]).toContain('HTTP 404');
    expect(report.steps.map((s) => s.name)).toStrictEqual([STEP.secret, STEP.endpoint]);
    expect(report.tokenObtained).toBe(false);
  });

  it('CONNECT_FAILURE names CXone discovery when the issuer cannot be reached', async () => {
    const port = await closedPort();

    const { report } = await diagnose(options({ platform: 'nice-cxone', cxoneIssuer: `http://127.0.0.1:${port}`, secret: secretOf(cxoneSecret) }));

    expect(causesOf(report)).toStrictEqual([Cause.CONNECT_FAILURE]);
    expect(findingMessages(report, STEP.endpoint)[0]).toMatch(/^CXone discovery: could not connect/);
  });

  it('reports an access key without its secret as SECRET_INVALID instead of failing', async () => {
    const server = await tokenEndpoint([CLIENT], { flavour: 'nice-cxone', accessKeys: [ACCESS_KEY] });
    const secret = secretOf({ ...CLIENT, accessKeyId: ACCESS_KEY.accessKeyId });

    const run = runDoctor(options({ platform: 'nice-cxone', tokenUrl: server.tokenUrl, secret }));

    await expect(run).resolves.toBeDefined();
    const report = await run;
    expect(causesOf(report)).toContain(Cause.SECRET_INVALID);
    expect(report.tokenObtained).toBe(false);
  });
});

describe('doctor › nothing secret is printed', () => {
  it('the canary itself catches a leak', () => {
    const canaries = canariesOf(JSON.stringify(CLIENT));

    expect(() => expectNoCanary(`clientSecret is ${CLIENT_SECRET}`, canaries)).toThrow();
    expect(() => expectNoCanary(`Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`, canaries)).toThrow();
    expect(() => expectNoCanary('Bearer sandbox-at-0123', canaries)).toThrow();
  });

  it.each(['client_secret_basic', 'client_secret_post'] as const)('the %s curl names the URL and grant and leaves the secret to $CLIENT_SECRET', async (authMethod) => {
    const server = await tokenEndpoint();

    const { report, text } = await diagnose(options({ tokenUrl: server.tokenUrl, authMethod }));

    expect(report.curl).toContain(`curl -sS -X POST '${server.tokenUrl}'`);
    expect(report.curl).toContain(`--data-urlencode 'grant_type=client_credentials'`);
    expect(report.curl).toContain('$CLIENT_SECRET');
    expect(report.curl).toContain('$CLIENT_ID');
    expect(text).toContain(report.curl);
    expect(text).not.toContain(CLIENT_ID);
  });
});

describe('doctorFromArgs', () => {
  let dir: string;
  let secretFile: string;
  let wrongSecretFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'doctor-test-'));
    secretFile = join(dir, 'secret.json');
    wrongSecretFile = join(dir, 'wrong.json');
    await writeFile(secretFile, JSON.stringify({ ...CLIENT, clientSecret: `${CLIENT_SECRET}\n` }));
    await writeFile(wrongSecretFile, JSON.stringify(WRONG));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the secret from --secret-file and runs against --token-url', async () => {
    const server = await tokenEndpoint();

    const report = await doctorFromArgs(['--secret-file', secretFile, '--token-url', server.tokenUrl], {});

    expect(report.tokenObtained).toBe(true);
    expect(stepNamed(report, STEP.secret)?.details).toContain(`source: file ${secretFile}`);
    expect(causesOf(report)).toStrictEqual([Cause.SECRET_WHITESPACE, Cause.RAW_SECRET_REJECTED]);
    expectNoCanary(renderReport(report), canariesOf(JSON.stringify({ ...CLIENT, clientSecret: `${CLIENT_SECRET}\n` })));
  });

  it("takes the function's own variables as defaults", async () => {
    const server = await tokenEndpoint([CLIENT], { clientAuth: ['post'], allowedScopes: ['customers:read'] });

    const report = await doctorFromArgs(['--secret-file', secretFile], {
      TOKEN_URL: server.tokenUrl,
      CLIENT_AUTH_METHOD: 'client_secret_post',
      OAUTH_SCOPE: ' customers:read ',
    });

    expect(report.tokenObtained).toBe(true);
    expect(server.forms[0]?.get('scope')).toBe('customers:read');
    expect(server.forms[0]?.get('client_id')).toBe(CLIENT_ID);
  });

  it('takes the CXone tenant from CXONE_TENANT_ID or --tenant-id, the flag first', async () => {
    const issuer = await tokenEndpoint([CLIENT], { flavour: 'nice-cxone', accessKeys: [ACCESS_KEY] });
    const cxoneFile = join(dir, 'cxone.json');
    await writeFile(cxoneFile, JSON.stringify({ ...CLIENT, ...ACCESS_KEY }));
    const args = ['--secret-file', cxoneFile, '--platform', 'nice-cxone', '--token-url', issuer.tokenUrl];

    const fromEnv = await doctorFromArgs(args, { CXONE_TENANT_ID: 'tenant-env' });
    const fromFlag = await doctorFromArgs([...args, '--tenant-id', 'tenant-flag'], { CXONE_TENANT_ID: 'tenant-env' });

    expect(stepNamed(fromEnv, STEP.tenant)?.details).toStrictEqual(['tenant tenant-env, from CXONE_TENANT_ID']);
    expect(stepNamed(fromFlag, STEP.tenant)?.details).toStrictEqual(['tenant tenant-flag, from CXONE_TENANT_ID']);
    expect(issuer.forms.map((form) => form.has('scope'))).toStrictEqual([false, false]);
  });

  it('sends TOKEN_EXTRA_PARAMS (or --extra-params) with the token request and prints them in the curl', async () => {
    const server = await tokenEndpoint();

    const fromEnv = await doctorFromArgs(['--secret-file', secretFile, '--token-url', server.tokenUrl], { TOKEN_EXTRA_PARAMS: 'audience=https://api.example.com' });
    const fromFlag = await doctorFromArgs(['--secret-file', secretFile, '--token-url', server.tokenUrl, '--extra-params', 'resource=urn:x'], {});

    expect(server.forms[0]?.get('audience')).toBe('https://api.example.com');
    expect(fromEnv.curl).toContain("--data-urlencode 'audience=https://api.example.com'");
    expect(fromFlag.curl).toContain("--data-urlencode 'resource=urn:x'");
    expect(server.forms.some((form) => form.get('resource') === 'urn:x')).toBe(true);
  });

  it('SECRET_NOT_LOADED for a missing file, naming it, with no request', async () => {
    const server = await tokenEndpoint();
    const missing = join(dir, 'missing.json');

    const report = await doctorFromArgs(['--secret-file', missing, '--token-url', server.tokenUrl], {});

    expect(causesOf(report)).toStrictEqual([Cause.SECRET_NOT_LOADED]);
    expect(stepNamed(report, STEP.secret)?.findings[0]?.message).toContain(`cannot read ${missing}: ENOENT`);
    expect(report.tokenObtained).toBe(false);
    expect(server.requests).toBe(0);
  });

  it('SECRET_NOT_LOADED when no secret is given at all', async () => {
    const report = await doctorFromArgs(['--token-url', 'http://127.0.0.1:9/oauth/token'], {});

    expect(causesOf(report)).toStrictEqual([Cause.SECRET_NOT_LOADED]);
    expect(stepNamed(report, STEP.secret)?.findings[0]?.message).toContain('give --secret-file or --secret-id');
  });

  it('rejects a platform it does not know', async () => {
    await expect(doctorFromArgs(['--secret-file', secretFile, '--platform', 'okta'], {})).rejects.toThrow(/platform/);
  });

  describe('with --secret-id, from Secrets Manager (the real SDK against the loopback stand-in)', () => {
    const AWS_VARIABLES = ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_SECRETS_MANAGER'] as const;
    let secretsManager: SecretsManagerStandIn;
    let saved: Record<string, string | undefined>;

    beforeAll(async () => {
      secretsManager = await startSecretsManagerStandIn({ 'doctor/credentials': JSON.stringify(CLIENT) });
      saved = Object.fromEntries(AWS_VARIABLES.map((name) => [name, process.env[name]]));
      Object.assign(process.env, {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIADOCTORTEST',
        AWS_SECRET_ACCESS_KEY: 'doctor-test-aws-secret',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
      });
    });

    afterAll(async () => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await secretsManager.close();
    });

    it('reads the secret by id, once, and obtains a token', async () => {
      const server = await tokenEndpoint();
      // The stand-in is shared by this describe's tests, whatever their order: count this test's requests only.
      const requestsBefore = secretsManager.requests;

      const report = await doctorFromArgs(['--secret-id', 'doctor/credentials', '--token-url', server.tokenUrl], {});

      expect(report.tokenObtained).toBe(true);
      expect(stepNamed(report, STEP.secret)?.details[0]).toMatch(/^source: Secrets Manager doctor\/credentials \(version [0-9a-f-]{36}\)$/);
      expect(secretsManager.requests - requestsBefore).toBe(1);
    });

    it('takes SECRET_ID from the environment', async () => {
      const server = await tokenEndpoint();

      const report = await doctorFromArgs([], { SECRET_ID: 'doctor/credentials', TOKEN_URL: server.tokenUrl });

      expect(report.tokenObtained).toBe(true);
    });

    it('SECRET_NOT_LOADED for an unknown id, saying not found', async () => {
      const server = await tokenEndpoint();

      const report = await doctorFromArgs(['--secret-id', 'doctor/nope', '--token-url', server.tokenUrl], {});

      expect(causesOf(report)).toStrictEqual([Cause.SECRET_NOT_LOADED]);
      expect(stepNamed(report, STEP.secret)?.findings[0]?.message).toMatch(/secret doctor\/nope was not found/);
      expect(server.requests).toBe(0);
    });
  });
});

describe('renderReport', () => {
  const report: DoctorReport = {
    steps: [
      { name: 'secret', status: 'warn', details: ['source: file s.json'], findings: [{ cause: Cause.SECRET_WHITESPACE, message: 'clientSecret had trailing U+000A LINE FEED' }] },
      { name: 'token request as configured', status: 'fail', details: [], findings: [{ cause: Cause.TOKEN_REJECTED, message: 'invalid_client' }] },
      { name: 'clock', status: 'ok', details: ['server clock minus local clock: 0 s'], findings: [] },
      { name: 'upstream API with the token', status: 'skipped', details: ['no token as configured'], findings: [] },
    ],
    tokenObtained: false,
    curl: "curl -sS -X POST 'https://login.example.com/oauth/token'",
  };

  it('prints each step with its mark, details, findings by cause, the result and the curl', () => {
    expect(renderReport(report).split('\n')).toStrictEqual([
      '⚠ secret',
      '    source: file s.json',
      '    → [SECRET_WHITESPACE] clientSecret had trailing U+000A LINE FEED',
      '✖ token request as configured',
      '    → [TOKEN_REJECTED] invalid_client',
      '✔ clock',
      '    server clock minus local clock: 0 s',
      '· upstream API with the token',
      '    no token as configured',
      '',
      'Result: no token as configured (see → lines above).',
      '',
      'Equivalent request, to run yourself:',
      "curl -sS -X POST 'https://login.example.com/oauth/token'",
    ]);
  });

  it('says a token was obtained, and prints no curl section when there is none', () => {
    const text = renderReport({ steps: [], tokenObtained: true });

    expect(text).toContain('Result: a token was obtained as configured.');
    expect(text).not.toContain('Equivalent request');
  });
});

describe('npm run doctor (the script, as a child process)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'doctor-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** scripts/doctor.ts as the user runs it, without the bridge's variables of this shell. */
  function doctorScript(args: string[]) {
    const env = { ...process.env };
    for (const name of ['SECRET_ID', 'AUTH_PLATFORM', 'TOKEN_URL', 'GENESYS_REGION', 'CXONE_ISSUER', 'CLIENT_AUTH_METHOD', 'OAUTH_SCOPE']) delete env[name];
    return runScript('doctor.ts', args, env, 10_000);
  }

  it('exits 0 when a token is obtained as configured, and 1 when it is not', async () => {
    const server = await tokenEndpoint();
    const good = join(dir, 'good.json');
    const wrong = join(dir, 'wrong.json');
    await writeFile(good, JSON.stringify(CLIENT));
    await writeFile(wrong, JSON.stringify(WRONG));

    const [ok, failing] = await Promise.all([
      doctorScript(['--secret-file', good, '--token-url', server.tokenUrl]),
      doctorScript(['--secret-file', wrong, '--token-url', server.tokenUrl]),
    ]);

    expect({ code: ok.code, stderr: ok.stderr }).toStrictEqual({ code: 0, stderr: '' });
    expect(ok.stdout).toContain('Result: a token was obtained as configured.');
    expect(ok.stdout).toContain(`curl -sS -X POST '${server.tokenUrl}'`);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('→ [TOKEN_REJECTED]');
    expect(failing.stdout).toContain('none worked');
    expectNoCanary(ok.stdout + failing.stdout, [...canariesOf(JSON.stringify(CLIENT)), ...canariesOf(JSON.stringify(WRONG))]);
  });
});

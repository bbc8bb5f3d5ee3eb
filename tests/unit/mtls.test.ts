import { X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { renderReport } from '../../tools/doctor/cli';
import { runDoctor } from '../../lib/doctor/doctor';
import { causesOf, offlineAgent, STEP, stepNamed, statuses } from '../support/doctor';
import { parseCredentials } from '../../lib/auth/credentials';
import { SANDBOX_CLIENT } from '../../tools/sandbox/sandbox';
import { captureEmfWrites } from '../../tools/sandbox/metricsSummary';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { invoke, openBridge, type Bridge } from '../support/bridge';
import { startForwardProxy } from '../support/forwardProxy';
import { createTestPki, MTLS_ACCESS_TOKEN, MTLS_CLIENT_ID, startMutualTlsStandIn, type MutualTlsStandIn, type PemPair, type TestPki } from '../support/tls';

/**
 * Client certificates (issue 18, mutual TLS): the real handler, the real AWS SDK against the
 * Secrets Manager stand-in, real undici against an HTTPS server on loopback that requires a
 * client certificate from the test CA (tests/support/tls.ts makes the PKI with openssl).
 */

const FOUND = { phoneNumber: '+15551234567' };
const MTLS_SECRET_ID = 'data-action-bridge/mtls';

let pki: TestPki;
let bridge: Bridge;
let server: MutualTlsStandIn;
let logs: CapturedLogs;

beforeAll(async () => {
  pki = await createTestPki();
}, 30_000);

beforeEach(async () => {
  logs = captureLogs();
  bridge = await openBridge();
  server = await startMutualTlsStandIn(pki);
});

afterEach(async () => {
  // Canary: no line of the test holds a line of a private key's base64 (the key material itself).
  const keyLines = [pki.client.key, pki.expiredClient.key, pki.otherCaClient.key, pki.strayKey].flatMap((key) => key.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----')));
  const leaked = logs.lines.filter((line) => keyLines.some((keyLine) => line.includes(keyLine)));
  logs.restore();
  await Promise.all([server.close(), bridge.close()]);
  expect(leaked).toStrictEqual([]);
});

/** The client credentials of the sandbox's token endpoint, with client TLS material. */
function putSecret(tls: { pair?: PemPair; key?: string; ca?: string }, credentials: Record<string, string> = { ...SANDBOX_CLIENT }): void {
  bridge.sandbox.secretsManager.putSecret(
    MTLS_SECRET_ID,
    JSON.stringify({
      ...credentials,
      ...(tls.pair && { clientCertificate: tls.pair.cert, clientKey: tls.key ?? tls.pair.key }),
      ...(tls.ca && { caBundle: tls.ca }),
    }),
  );
}

function handler(overrides: Record<string, string> = {}) {
  return bridge.coldContainer({ SECRET_ID: MTLS_SECRET_ID, UPSTREAM_BASE_URL: server.url, ...overrides });
}

/** Every way an error can be printed, for the key-material canary. */
function printed(error: unknown): string {
  return [String(error), (error as Error).stack, JSON.stringify(error), inspect(error, { depth: 6 })].join('\n');
}

describe('client certificate towards the upstream', () => {
  it('presents the certificate and trusts the bundle: the upstream answers through the bridge', async () => {
    putSecret({ pair: pki.client, ca: pki.ca });

    const output = await invoke(handler(), FOUND);

    expect(output).toMatchObject({ found: true, customerId: 'c-mtls', fullName: 'Mutual Tls' });
    expect(server.requests).toMatchObject([{ method: 'GET', path: '/customers?phone=%2B15551234567', clientCommonName: MTLS_CLIENT_ID, authorization: expect.stringMatching(/^Bearer /) }]);
  });

  it("through the container's egress proxy: the certificate is presented inside the CONNECT tunnel", async () => {
    putSecret({ pair: pki.client, ca: pki.ca });
    const proxy = await startForwardProxy();
    try {
      const upstreamHost = new URL(server.url).host;

      const output = await invoke(handler({ HTTPS_PROXY: proxy.url }), FOUND);

      expect(output).toMatchObject({ found: true, customerId: 'c-mtls' });
      expect(server.requests).toMatchObject([{ clientCommonName: MTLS_CLIENT_ID }]);
      expect(proxy.exchanges).toContainEqual(expect.objectContaining({ kind: 'connect', target: upstreamHost, outcome: 'forwarded' }));
    } finally {
      await proxy.close();
    }
  });

  it('without a client certificate the server refuses: CLIENT_CERT_REFUSED naming the missing certificate', async () => {
    putSecret({ ca: pki.ca });

    const failure = invoke(handler(), FOUND);

    await expect(failure).rejects.toMatchObject({ code: 'CLIENT_CERT_REFUSED', message: expect.stringContaining('requires a client certificate and none was presented') });
    expect(server.requests).toStrictEqual([]);
    expect(server.refusedHandshakes).toBeGreaterThan(0);
  });

  it('a client certificate from another CA is refused by the server: CLIENT_CERT_REFUSED', async () => {
    putSecret({ pair: pki.otherCaClient, ca: pki.ca });

    const failure = invoke(handler(), FOUND);

    await expect(failure).rejects.toMatchObject({ code: 'CLIENT_CERT_REFUSED', message: expect.stringMatching(/refuse.* the client certificate .*issuer CN=Bridge test other-ca|does not trust the issuer/) });
    expect(server.requests).toStrictEqual([]);
  });

  it('a CA bundle that did not issue the server certificate: the bridge refuses the server, the token never sent', async () => {
    putSecret({ pair: pki.client, ca: pki.otherCa });

    await expect(invoke(handler(), FOUND)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringMatching(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY/) });
    expect(server.requests).toStrictEqual([]);
  });

  it('an expired certificate: CLIENT_CERT_INVALID saying when it expired, before any connection to the upstream', async () => {
    putSecret({ pair: pki.expiredClient, ca: pki.ca });

    const failure = invoke(handler(), FOUND);

    await expect(failure).rejects.toMatchObject({ code: 'CLIENT_CERT_INVALID', message: expect.stringMatching(/client certificate in secret data-action-bridge\/mtls .*expired on /) });
    expect(server.requests).toStrictEqual([]);
    expect(server.refusedHandshakes).toBe(0);
  });

  it('a key that does not match the certificate: CLIENT_CERT_INVALID naming both keys, before any request (not even the token)', async () => {
    putSecret({ pair: pki.client, key: pki.strayKey, ca: pki.ca });

    const failure = invoke(handler(), FOUND);

    await expect(failure).rejects.toMatchObject({ code: 'CLIENT_CERT_INVALID', message: expect.stringMatching(/clientKey is not the private key of clientCertificate \(subject CN=mtls-client/) });
    const error = await failure.catch((caught: unknown) => caught);
    expect(printed(error)).not.toContain(pki.strayKey.split('\n')[1]);
    expect(bridge.sandbox.tokenEndpoint.requests).toBe(0);
    expect(server.requests).toStrictEqual([]);
  });

  it('a rotated certificate is used at the next secret read while the token stays cached (a new agent for the new material)', async () => {
    putSecret({ pair: pki.otherCaClient, ca: pki.ca });
    const warm = handler({ SECRET_TTL_SECONDS: '0' });
    await expect(invoke(warm, FOUND)).rejects.toMatchObject({ code: 'CLIENT_CERT_REFUSED' });

    putSecret({ pair: pki.client, ca: pki.ca });
    const output = await invoke(warm, FOUND);

    expect(output).toMatchObject({ found: true, customerId: 'c-mtls' });
    expect(bridge.sandbox.tokenEndpoint.requests).toBe(1);
  });
});

describe('ClientCertDaysLeft', () => {
  it('each invocation that presents a certificate writes its whole days left into its EMF line', async () => {
    putSecret({ pair: pki.client, ca: pki.ca });
    const saved = process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    const emf: string[] = [];
    const restoreStdout = captureEmfWrites((text) => emf.push(text));
    try {
      await invoke(handler(), FOUND);
    } finally {
      restoreStdout();
      process.env.POWERTOOLS_METRICS_DISABLED = saved;
    }

    const [line] = emf.map((text) => JSON.parse(text) as Record<string, unknown>);
    // Issued for 30 days a moment ago: 29 whole days and some hours left.
    expect(line).toMatchObject({ ClientCertDaysLeft: 29 });
  });
});

describe('tls_client_auth at the token endpoint (RFC 8705 §2)', () => {
  it('authenticates with the certificate: client_id in the body, no secret anywhere, then calls the upstream', async () => {
    putSecret({ pair: pki.client, ca: pki.ca }, { clientId: MTLS_CLIENT_ID });

    const output = await invoke(handler({ TOKEN_URL: `${server.url}/token`, CLIENT_AUTH_METHOD: 'tls_client_auth' }), FOUND);

    expect(output).toMatchObject({ found: true, customerId: 'c-mtls' });
    const [tokenRequest, apiRequest] = server.requests;
    expect(tokenRequest).toMatchObject({ method: 'POST', path: '/token', clientCommonName: MTLS_CLIENT_ID });
    expect(Object.fromEntries(new URLSearchParams(tokenRequest!.body))).toStrictEqual({ grant_type: 'client_credentials', client_id: MTLS_CLIENT_ID });
    expect(tokenRequest!.authorization).toBeUndefined();
    expect(apiRequest).toMatchObject({ path: '/customers?phone=%2B15551234567', authorization: `Bearer ${MTLS_ACCESS_TOKEN}` });
  });

  it('needs a client certificate in the secret: SECRET_INVALID before any request', async () => {
    putSecret({}, { clientId: MTLS_CLIENT_ID });

    await expect(invoke(handler({ TOKEN_URL: `${server.url}/token`, CLIENT_AUTH_METHOD: 'tls_client_auth' }), FOUND)).rejects.toMatchObject({
      code: 'SECRET_INVALID',
      message: expect.stringContaining('needs clientCertificate and clientKey for CLIENT_AUTH_METHOD=tls_client_auth'),
    });
    expect(server.requests).toStrictEqual([]);
  });
});

describe('PEM hygiene: the line structure is kept, paste damage repaired or named by key', () => {
  const parse = (values: Record<string, string>) =>
    parseCredentials({ secretString: JSON.stringify({ ...SANDBOX_CLIENT, ...values }), versionId: 'v1', fetchedAtMs: Date.now(), generation: 1 }, MTLS_SECRET_ID);

  it('trims around a PEM and turns CRLF into LF, silently (RFC 7468 §2 allows both)', () => {
    const crlf = (pem: string) => `\r\n  ${pem.replace(/\n/g, '\r\n')}\n\n`;

    const { credentials, changes } = parse({ clientCertificate: crlf(pki.client.cert), clientKey: crlf(pki.client.key), caBundle: crlf(pki.ca) });

    expect(changes).toStrictEqual([]);
    expect(credentials.tls!.connectOptions()).toStrictEqual({ cert: pki.client.cert, key: pki.client.key, ca: pki.ca });
  });

  it('repairs "\\n" typed as two characters, and reports it by key without the value', () => {
    const escaped = (pem: string) => pem.trimEnd().replace(/\n/g, '\\n');

    const { credentials, changes } = parse({ clientCertificate: escaped(pki.client.cert), clientKey: escaped(pki.client.key) });

    expect(credentials.tls!.certificate!.subject).toBe(`CN=${MTLS_CLIENT_ID}`);
    const repaired = ['"\\n" typed as two characters (backslash, n) instead of line breaks, replaced with line breaks'];
    expect(changes).toStrictEqual([
      { key: 'clientCertificate', removed: repaired },
      { key: 'clientKey', removed: repaired },
    ]);
  });

  it('the repair is reported once per secret version in the hygiene warning, and the invocation works', async () => {
    putSecret({ pair: { cert: pki.client.cert.replace(/\n/g, '\\n'), key: pki.client.key }, ca: pki.ca });

    await expect(invoke(handler(), FOUND)).resolves.toMatchObject({ found: true });

    const warnings = logs.records().filter((record) => record.event === 'secret_hygiene');
    expect(warnings).toMatchObject([{ changes: [{ key: 'clientCertificate' }] }]);
  });

  it.each([
    ['a missing END line', 'clientCertificate', (pem: string) => pem.trimEnd().split('\n').slice(0, -1).join('\n'), 'has no "-----END CERTIFICATE-----" line after its BEGIN line'],
    ['no BEGIN line (base64 alone)', 'clientKey', (pem: string) => pem.split('\n').slice(1, -2).join('\n'), 'is not PEM: it has no "-----BEGIN …-----" line'],
  ])('%s: SECRET_INVALID naming the key, before any request', async (_case, key, damage, problem) => {
    const pair = { ...pki.client, [key === 'clientCertificate' ? 'cert' : 'key']: damage(key === 'clientCertificate' ? pki.client.cert : pki.client.key) };
    putSecret({ pair, ca: pki.ca });

    const failure = invoke(handler(), FOUND);

    await expect(failure).rejects.toMatchObject({ code: 'SECRET_INVALID', message: `SECRET_INVALID: secret ${MTLS_SECRET_ID}: key ${key} ${problem}${problem.startsWith('has') ? ': paste the whole file, its last line included' : ' (paste the file as text, line breaks included)'}` });
    expect(bridge.sandbox.tokenEndpoint.requests).toBe(0);
  });

  it('a certificate without its key: SECRET_INVALID naming both keys', () => {
    expect(() => parse({ clientCertificate: pki.client.cert })).toThrow(`secret ${MTLS_SECRET_ID}: it has clientCertificate without clientKey: a client certificate needs both`);
  });
});

describe('doctor', () => {
  const doctor = (secret: Record<string, string>) =>
    runDoctor({
      platform: 'oauth2',
      authMethod: 'tls_client_auth',
      tokenUrl: `${server.url}/token`,
      cxoneIssuer: 'https://cxone.niceincontact.com',
      timeoutMs: 5_000,
      upstreamUrl: `${server.url}/customers?phone=%2B15551234567`,
      secret: { source: 'test secret', secretString: JSON.stringify(secret) },
      agent: offline.agent,
    });
  let offline: ReturnType<typeof offlineAgent>;
  beforeEach(() => {
    offline = offlineAgent();
  });
  afterEach(() => offline.agent.close());

  it("prints the client certificate's subject, issuer, SHA-256 fingerprint and days left, and uses it (tls_client_auth, upstream)", async () => {
    const report = await doctor({ clientId: MTLS_CLIENT_ID, clientCertificate: pki.client.cert, clientKey: pki.client.key, caBundle: pki.ca });

    const { fingerprint256 } = new X509Certificate(pki.client.cert);
    expect(stepNamed(report, STEP.secret)!.findings).toStrictEqual([]);
    expect(stepNamed(report, STEP.secret)!.details).toContain(
      `client certificate: subject CN=${MTLS_CLIENT_ID}; issuer CN=Bridge test ca; SHA-256 ${fingerprint256}; expires ${new X509Certificate(pki.client.cert).validTo} (29 days left)`,
    );
    expect(report.tokenObtained).toBe(true);
    expect(statuses(report)).toMatchObject({ [STEP.secret]: 'ok', [STEP.token]: 'ok', [STEP.upstream]: 'ok' });
    expect(renderReport(report)).not.toContain(pki.client.key.split('\n')[1]);
  });

  it('names an expired certificate (CLIENT_CERT_INVALID) and a refused one (CLIENT_CERT_REFUSED)', async () => {
    const expired = await doctor({ clientId: MTLS_CLIENT_ID, clientCertificate: pki.expiredClient.cert, clientKey: pki.expiredClient.key, caBundle: pki.ca });
    const refused = await doctor({ clientId: MTLS_CLIENT_ID, clientCertificate: pki.otherCaClient.cert, clientKey: pki.otherCaClient.key, caBundle: pki.ca });

    expect(causesOf(expired)).toStrictEqual(['CLIENT_CERT_INVALID']);
    expect(causesOf(refused, STEP.token)).toStrictEqual(['CLIENT_CERT_REFUSED']);
  });
});

describe('parsed client TLS material', () => {
  it('prints only the certificate fingerprint, never the key', () => {
    const secretString = JSON.stringify({ ...SANDBOX_CLIENT, clientCertificate: pki.client.cert, clientKey: pki.client.key, caBundle: pki.ca });
    const { credentials } = parseCredentials({ secretString, versionId: 'v1', fetchedAtMs: Date.now(), generation: 1 }, MTLS_SECRET_ID);

    const shown = [inspect(credentials, { depth: 8 }), JSON.stringify(credentials)].join('\n');

    expect(shown).toContain(credentials.tls!.certificate!.fingerprint256);
    expect(shown).not.toContain(pki.client.key.split('\n')[1]);
    expect(Object.keys(credentials.extra)).toStrictEqual([]);
  });
});

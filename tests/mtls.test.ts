import { inspect } from 'node:util';
import { parseCredentials } from '../lib/auth/credentials';
import { SANDBOX_CLIENT } from '../lib/sandbox/sandbox';
import { captureLogs, type CapturedLogs } from './setup/logs';
import { invoke, openBridge, type Bridge } from './support/bridge';
import { createTestPki, MTLS_ACCESS_TOKEN, MTLS_CLIENT_ID, startMutualTlsStandIn, type MutualTlsStandIn, type PemPair, type TestPki } from './support/tls';

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

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * A self-signed certificate for 127.0.0.1 (made with openssl in a temporary directory) and
 * an HTTPS server on loopback that presents it, counting handshakes and requests: a client
 * that verifies certificates completes neither.
 */

const OPENSSL = '/usr/bin/openssl';

export interface SelfSignedCertificate {
  key: Buffer;
  cert: Buffer;
  remove(): Promise<void>;
}

export async function createSelfSignedCertificate(): Promise<SelfSignedCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'bridge-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  await promisify(execFile)(
    OPENSSL,
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', keyFile, '-out', certFile],
    { timeout: 20_000 },
  );
  const [key, cert] = await Promise.all([readFile(keyFile), readFile(certFile)]);
  return { key, cert, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A certificate for 127.0.0.1 issued by a CA made here, as a TLS-inspecting proxy re-signs a
 * connection with the organisation's own CA: `cert` is the leaf followed by the CA, the chain
 * such a proxy presents. Neither chains to a root Node bundles.
 */
export async function createCaIssuedCertificate(caName = 'Example Corp Inspection CA'): Promise<SelfSignedCertificate & { caCert: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'bridge-ca-'));
  const file = (name: string) => join(dir, name);
  const run = (args: string[]) => promisify(execFile)(OPENSSL, args, { timeout: 20_000 });
  await run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${caName}/O=Example Corp`, '-days', '2', '-keyout', file('ca.key'), '-out', file('ca.pem')]);
  await run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('key.pem'), '-out', file('leaf.csr')]);
  await writeFile(file('leaf.ext'), 'subjectAltName=IP:127.0.0.1\n');
  await run(['x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('leaf.ext'), '-out', file('leaf.pem')]);
  const [key, leaf, caCert] = await Promise.all([readFile(file('key.pem')), readFile(file('leaf.pem')), readFile(file('ca.pem'))]);
  return { key, cert: Buffer.concat([leaf, caCert]), caCert, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface HttpsStandIn {
  url: string;
  /** Handshakes the server completed. */
  readonly secureConnections: number;
  /** Handshakes the client broke off (e.g. it did not trust the certificate). */
  readonly tlsClientErrors: number;
  /** HTTP requests received, with their Authorization header. */
  readonly requests: ReadonlyArray<{ method: string; path: string; authorization?: string }>;
  close(): Promise<void>;
}

/** Answers POST …/token with a token and anything else with `{"data": []}`, both as JSON. */
export async function startHttpsStandIn(certificate: SelfSignedCertificate): Promise<HttpsStandIn> {
  let secureConnections = 0;
  let tlsClientErrors = 0;
  const requests: Array<{ method: string; path: string; authorization?: string }> = [];
  const server: Server = createServer({ key: certificate.key, cert: certificate.cert }, (request, response) => {
    requests.push({ method: request.method ?? '', path: request.url ?? '', ...(request.headers.authorization && { authorization: request.headers.authorization }) });
    request.resume();
    request.on('end', () => {
      const body = request.url?.endsWith('/token') ? { access_token: 'tls-at-0000', token_type: 'Bearer', expires_in: 3600 } : { data: [] };
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    });
  });
  server.on('secureConnection', () => secureConnections++);
  server.on('tlsClientError', () => tlsClientErrors++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    get secureConnections() {
      return secureConnections;
    },
    get tlsClientErrors() {
      return tlsClientErrors;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Mutual TLS: a test PKI and a server that requires a client certificate

export interface PemPair {
  cert: string;
  key: string;
}

/**
 * Made with openssl in a temporary directory (EC P-256 keys: fast to make): two CAs, the
 * server's certificate for 127.0.0.1 from the first, and client certificates — valid,
 * expired (`-days -1`: notAfter a day before notBefore), and from the other CA — plus a key
 * that belongs to none of them. Client certificates carry CN=<client id>.
 */
export interface TestPki {
  ca: string;
  otherCa: string;
  server: PemPair;
  client: PemPair;
  expiredClient: PemPair;
  otherCaClient: PemPair;
  strayKey: string;
}

export const MTLS_CLIENT_ID = 'mtls-client';

export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'bridge-pki-'));
  const run = (args: string[]) => promisify(execFile)(OPENSSL, args, { timeout: 20_000, cwd: dir });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    const makeCa = (name: string) => run(['req', '-x509', ...newKey, '-subj', `/CN=Bridge test ${name}`, '-days', '2', '-keyout', `${name}.key`, '-out', `${name}.pem`]);
    await Promise.all([makeCa('ca'), makeCa('other-ca')]);
    const issue = async (name: string, subject: string, ca: string, days: string, extension?: string) => {
      await run(['req', '-new', ...newKey, '-subj', subject, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
      const extfile = extension ? ['-extfile', `${name}.ext`] : [];
      if (extension) await writeFile(join(dir, `${name}.ext`), `${extension}\n`);
      await run(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', days, ...extfile, '-out', `${name}.pem`]);
    };
    await Promise.all([
      issue('server', '/CN=127.0.0.1', 'ca', '2', 'subjectAltName=IP:127.0.0.1'),
      issue('client', `/CN=${MTLS_CLIENT_ID}`, 'ca', '30', 'extendedKeyUsage=clientAuth'),
      issue('expired', `/CN=${MTLS_CLIENT_ID}`, 'ca', '-1', 'extendedKeyUsage=clientAuth'),
      issue('other', `/CN=${MTLS_CLIENT_ID}`, 'other-ca', '30', 'extendedKeyUsage=clientAuth'),
      run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'stray.key']),
    ]);
    const text = (file: string) => readFile(join(dir, file), 'utf8');
    const pair = async (name: string) => ({ cert: await text(`${name}.pem`), key: await text(`${name}.key`) });
    return {
      ca: await text('ca.pem'),
      otherCa: await text('other-ca.pem'),
      server: await pair('server'),
      client: await pair('client'),
      expiredClient: await pair('expired'),
      otherCaClient: await pair('other'),
      strayKey: await text('stray.key'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface MutualTlsRequest {
  method: string;
  path: string;
  body: string;
  authorization?: string;
  /** The CN of the client certificate the request came with. */
  clientCommonName?: string;
}

export interface MutualTlsStandIn {
  url: string;
  /** Handshakes the server refused (no client certificate, or one its CA did not issue). */
  readonly refusedHandshakes: number;
  readonly requests: ReadonlyArray<MutualTlsRequest>;
  close(): Promise<void>;
}

export const MTLS_ACCESS_TOKEN = 'mtls-at-5f4e3d2c1b';

/**
 * An HTTPS server on loopback that requires a client certificate issued by `pki.ca`
 * (requestCert, rejectUnauthorized: Node's tls.createServer). It is both a token endpoint
 * that authenticates the client by its certificate (RFC 8705 §2.1 tls_client_auth: POST
 * /token with client_id matching the certificate's CN, and no client secret anywhere) and an
 * upstream customer API (GET /customers with the token it issued).
 */
export async function startMutualTlsStandIn(pki: TestPki): Promise<MutualTlsStandIn> {
  let refusedHandshakes = 0;
  const requests: MutualTlsRequest[] = [];
  const server: Server = createServer({ key: pki.server.key, cert: pki.server.cert, ca: pki.ca, requestCert: true, rejectUnauthorized: true }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const commonName: unknown = (request.socket as TLSSocket).getPeerCertificate().subject?.CN;
      const clientCommonName = typeof commonName === 'string' ? commonName : undefined;
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method ?? '', path: request.url ?? '', body, clientCommonName, ...(request.headers.authorization && { authorization: request.headers.authorization }) });
      const answer = (status: number, json: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(json));
      };
      if (request.url === '/token') {
        const form = new URLSearchParams(body);
        const certificateAuth = form.get('client_id') === clientCommonName && !form.has('client_secret') && !request.headers.authorization;
        if (form.get('grant_type') !== 'client_credentials' || !certificateAuth) return answer(401, { error: 'invalid_client' });
        return answer(200, { access_token: MTLS_ACCESS_TOKEN, token_type: 'Bearer', expires_in: 3600 });
      }
      if (request.url?.startsWith('/customers')) return answer(200, { data: [{ id: 'c-mtls', firstName: 'Mutual', lastName: 'Tls', tier: 'gold' }] });
      return answer(404, { message: 'no such route' });
    });
  });
  server.on('tlsClientError', () => refusedHandshakes++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    get refusedHandshakes() {
      return refusedHandshakes;
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
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

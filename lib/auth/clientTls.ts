import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { DAY_MS } from '../base/constants';
import { ErrorCode, SecretError } from '../base/errors';
import { createHttpAgent, proxySettingsOf, type ConnectOptions, type HttpAgent } from '../http/httpClient';
import type { HygieneChange } from './credentials';
import { cleanPem } from './pemHygiene';

/**
 * Mutual TLS from the secret: a PEM client certificate (`clientCertificate`), its private key
 * (`clientKey`) and a CA bundle (`caBundle`) that the servers' certificates are checked
 * against instead of Node's public roots (Node's tls.createSecureContext `ca`: "Optionally
 * override the trusted CA certificates"). Checked when the secret is parsed, before any
 * request: the key must be the certificate's (X509Certificate.checkPrivateKey). Only the
 * certificate's public facts are ever shown (subject, issuer, SHA-256 fingerprint, expiry).
 */

export const CLIENT_TLS_KEYS = ['clientCertificate', 'clientKey', 'caBundle'] as const;
type ClientTlsKey = (typeof CLIENT_TLS_KEYS)[number];

export interface ClientCertificateFacts {
  subject: string;
  issuer: string;
  /** SHA-256 of the certificate's DER, as openssl x509 -fingerprint -sha256 prints it. */
  fingerprint256: string;
  validTo: string;
  daysLeft: number;
}

/** "CN=a\nO=b" (Node's multi-line form) as "CN=a, O=b". */
const oneLine = (name: string) => name.split('\n').join(', ');

export class ClientTls {
  readonly #connect: ConnectOptions;

  constructor(
    /** SHA-256 over the three values: the same material gets the same agent (ClientTlsAgents). */
    readonly id: string,
    private readonly secretId: string,
    connect: ConnectOptions,
    /** Undefined when the secret holds only a CA bundle. */
    readonly certificate?: X509Certificate,
  ) {
    this.#connect = connect;
  }

  /** Options for undici's connector: the only place the key leaves this object. */
  connectOptions(): ConnectOptions {
    return this.#connect;
  }

  daysLeft(nowMs: number): number | undefined {
    return this.certificate && Math.floor((Date.parse(this.certificate.validTo) - nowMs) / DAY_MS);
  }

  facts(nowMs: number): ClientCertificateFacts | undefined {
    const certificate = this.certificate;
    if (!certificate) return undefined;
    const { subject, issuer, fingerprint256, validTo } = certificate;
    return { subject: oneLine(subject), issuer: oneLine(issuer), fingerprint256, validTo, daysLeft: this.daysLeft(nowMs)! };
  }

  /** A certificate the server would refuse for its dates fails here, before any connection, with what to do. */
  assertCurrent(nowMs: number): void {
    const certificate = this.certificate;
    if (!certificate) return;
    const problem = nowMs > Date.parse(certificate.validTo) ? `expired on ${certificate.validTo}` : nowMs < Date.parse(certificate.validFrom) ? `is not valid before ${certificate.validFrom}` : undefined;
    if (problem) {
      throw new SecretError(
        ErrorCode.CLIENT_CERT_INVALID,
        `the client certificate in secret ${this.secretId} (subject ${oneLine(certificate.subject)}, SHA-256 ${certificate.fingerprint256}) ${problem}: store a current clientCertificate and its clientKey`,
      );
    }
  }

  toJSON(): object {
    return { clientCertificate: this.certificate?.fingerprint256 };
  }

  [inspect.custom](): string {
    return `ClientTls(${this.certificate?.fingerprint256 ?? 'CA bundle only'})`;
  }
}

function invalid(secretId: string, detail: string): SecretError {
  return new SecretError(ErrorCode.SECRET_INVALID, `secret ${secretId}: ${detail}`);
}

function readCertificates(pem: string, key: ClientTlsKey, secretId: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  try {
    if (blocks.length === 0) throw new Error('no certificate');
    return blocks.map((block) => new X509Certificate(block));
  } catch {
    throw invalid(secretId, `key ${key} does not hold a PEM certificate Node can read ("-----BEGIN CERTIFICATE-----" … "-----END CERTIFICATE-----")`);
  }
}

function readPrivateKey(pem: string, secretId: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch {
    // The reason is not passed on: parser messages may quote the input.
    throw invalid(secretId, 'key clientKey does not hold an unencrypted PEM private key (remove a passphrase with: openssl pkey -in key.pem -out key-plain.pem)');
  }
}

/**
 * The client TLS material of the secret, cleaned (lib/auth/pemHygiene.ts) and checked, or
 * undefined when the secret has none of its keys. Repairs go to `changes`, by key.
 */
export function parseClientTls(object: Record<string, unknown>, secretId: string, changes: HygieneChange[]): ClientTls | undefined {
  const pem = (key: ClientTlsKey): string | undefined => {
    const raw = object[key];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string') throw invalid(secretId, `key ${key} must be a string (the PEM text)`);
    const cleaned = cleanPem(raw);
    if (cleaned.removed.length > 0) changes.push({ key, removed: cleaned.removed });
    if (cleaned.problem) throw invalid(secretId, `key ${key} ${cleaned.problem}`);
    return cleaned.value;
  };
  const [cert, key, ca] = CLIENT_TLS_KEYS.map(pem);
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw invalid(secretId, `it has ${cert ? 'clientCertificate without clientKey' : 'clientKey without clientCertificate'}: a client certificate needs both`);
  }
  if (ca !== undefined) readCertificates(ca, 'caBundle', secretId);
  let certificate: X509Certificate | undefined;
  if (cert !== undefined && key !== undefined) {
    certificate = readCertificates(cert, 'clientCertificate', secretId)[0]!;
    if (!certificate.checkPrivateKey(readPrivateKey(key, secretId))) {
      throw new SecretError(
        ErrorCode.CLIENT_CERT_INVALID,
        `secret ${secretId}: clientKey is not the private key of clientCertificate (subject ${oneLine(certificate.subject)}, SHA-256 ${certificate.fingerprint256}): store the key the certificate was issued for`,
      );
    }
  }
  const id = createHash('sha256').update(JSON.stringify([cert, key, ca])).digest('hex');
  return new ClientTls(id, secretId, { ...(cert !== undefined && { cert, key }), ...(ca !== undefined && { ca }) }, certificate);
}

/**
 * One undici agent per client TLS material (a secret's certificate, key and bundle), made
 * when first needed and replaced when the secret's material changes. The agent it replaced
 * is closed at the next change, not at once: an invocation may still be retrying on it, and
 * undici's close() refuses new requests (its idle sockets end at the keep-alive timeout).
 * Each takes the egress proxy of the container's agent (lib/http/proxy/), as its other requests do.
 */
export class ClientTlsAgents {
  constructor(private readonly base: HttpAgent) {}

  #current?: { id: string; agent: HttpAgent };
  #retired?: HttpAgent;

  agentFor(tls: ClientTls, nowMs = Date.now()): HttpAgent {
    tls.assertCurrent(nowMs);
    if (this.#current?.id === tls.id) return this.#current.agent;
    void this.#retired?.close().catch(() => undefined);
    this.#retired = this.#current?.agent;
    this.#current = { id: tls.id, agent: createHttpAgent(tls.connectOptions(), proxySettingsOf(this.base)) };
    return this.#current.agent;
  }
}

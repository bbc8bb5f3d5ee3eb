import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { TLS_REFUSAL_PROBE_MS } from '../base/constants';
import type { Deadline } from './deadline';
import { connectOptionsOf, type HttpAgent } from './httpClient';
import { networkCodeOf } from './networkErrors';

/**
 * Names a server's refusal of the client certificate. A server that verifies client
 * certificates ends the handshake with a TLS alert (RFC 8446 §6.2: certificate_required when
 * none was sent, bad_certificate, unknown_ca, certificate_expired, …), which Node reports as
 * an OpenSSL code. Under TLS 1.3 the client's side of the handshake is complete before the
 * server checks its certificate (RFC 8446 §4.4.2), so undici has sent its request by then
 * and reports only the closed socket ("other side closed"). For that case one more
 * connection is opened with the agent's own TLS options, on the failure path only, sending
 * an empty line (RFC 9112 §2.2: a server ignores a CRLF before a request line) so the server
 * reads, and the alert it answers with is read: no request reaches the server. A server that
 * instead closes that connection at once, without an alert and without an answer (Node's own
 * https servers do so for a certificate they do not trust), is named as refusing too: an
 * HTTPS server that accepted the handshake waits for the request line instead.
 */

const ALERTS: Record<string, string> = {
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: 'requires a client certificate and none was presented: add clientCertificate and clientKey to the secret',
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: 'does not trust the issuer of the client certificate (TLS alert unknown_ca)',
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: 'refused the client certificate (TLS alert bad_certificate)',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED: 'refused the client certificate as expired (TLS alert certificate_expired)',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED: 'refused the client certificate as revoked (TLS alert certificate_revoked)',
  ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE: 'refused the client certificate (TLS alert unsupported_certificate)',
  ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN: 'refused the client certificate (TLS alert certificate_unknown)',
  ERR_SSL_TLSV1_ALERT_ACCESS_DENIED: 'refused the client certificate (TLS alert access_denied)',
};
/** After a completed TLS 1.3 handshake, a handshake_failure can only be about the client's certificate (Node's servers send it for one they do not trust). */
const AFTER_HANDSHAKE: Record<string, string> = {
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE: 'refused the client certificate after the handshake (TLS alert handshake_failure): it does not trust the certificate or its issuer',
};
const CLOSED_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET']);

function closedAtOnce(cert: ConnectionOptions['cert']): string {
  if (cert === undefined) return 'closed the connection right after the TLS handshake, without an answer, as servers that require a client certificate do: add clientCertificate and clientKey to the secret';
  let issuer = '';
  try {
    issuer = ` (issuer ${new X509Certificate(cert as string).issuer.split('\n').join(', ')})`;
  } catch {
    // Only the wording loses the issuer.
  }
  return `closed the connection right after the TLS handshake, without an answer, as servers do that refuse the client certificate presented${issuer}: check that the server trusts its issuer`;
}

function probe(url: URL, agent: HttpAgent, timeoutMs: number): Promise<string | undefined> {
  const { cert, key, ca, lookup } = connectOptionsOf(agent) as ConnectionOptions;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    let completed = false;
    let answered = false;
    const socket = tlsConnect({ host, port: Number(url.port || 443), ...(isIP(host) === 0 && { servername: host }), cert, key, ca, lookup }, () => {
      completed = true;
      socket.write('\r\n');
    });
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on('error', (error) => {
      const code = networkCodeOf(error);
      resolve(ALERTS[code] ?? (completed ? AFTER_HANDSHAKE[code] : undefined));
      socket.destroy();
    });
    socket.on('data', () => {
      answered = true;
      socket.destroy();
    });
    socket.on('end', () => resolve(completed && !answered ? closedAtOnce(cert) : undefined));
    socket.on('close', () => resolve(undefined));
  });
}

/** What the server's refusal of the client certificate was, when `error` was one; undefined otherwise. */
export async function clientCertRefusal(error: unknown, url: URL, agent: HttpAgent, deadline: Deadline): Promise<string | undefined> {
  const code = networkCodeOf(error);
  if (ALERTS[code]) return ALERTS[code];
  const timeoutMs = Math.min(TLS_REFUSAL_PROBE_MS, deadline.remainingMs());
  // Through an egress proxy, a direct probe would not take the request's path.
  if (!CLOSED_CODES.has(code) || url.protocol !== 'https:' || timeoutMs <= 0 || agent.proxyFor?.(url)) return undefined;
  return probe(url, agent, timeoutMs);
}

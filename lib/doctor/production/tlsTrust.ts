import { X509Certificate } from 'node:crypto';
import { rootCertificates, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';

/**
 * Whether a presented chain ends at one of the root CAs bundled with Node (`tls.rootCertificates`,
 * Mozilla's CA store as Node ships it: Node docs, "tls.rootCertificates"). A public token
 * endpoint's does. One that does not, seen from inside a VPC, is most often a TLS-inspecting
 * proxy or firewall re-signing traffic with the organisation's own CA (the certificate it was
 * made to trust with NODE_EXTRA_CA_CERTS, if any); a server with a private CA looks the same,
 * which the finding says.
 */

let bundled: X509Certificate[] | undefined;

/** Parsed once, and only by the production doctor (about 150 certificates). */
function bundledRoots(): X509Certificate[] {
  bundled ??= rootCertificates.map((pem) => new X509Certificate(pem));
  return bundled;
}

/** The last certificate of the chain the peer sent (its issuerCertificate links end on themselves at a root). */
function chainTop(peer: DetailedPeerCertificate): PeerCertificate {
  let top = peer;
  const seen = new Set<string>();
  while (top.issuerCertificate && top.issuerCertificate !== top && !seen.has(top.fingerprint256)) {
    seen.add(top.fingerprint256);
    top = top.issuerCertificate;
  }
  return top;
}

export function endsAtBundledRoot(peer: DetailedPeerCertificate): boolean {
  const top = new X509Certificate(chainTop(peer).raw);
  return bundledRoots().some((root) => root.fingerprint256 === top.fingerprint256 || (top.checkIssued(root) && top.verify(root.publicKey)));
}

/** "CN=login.example.com, O=Example": the names a person recognises, in the order certificates list them. */
export function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '(none)';
  return ['CN', 'O', 'OU', 'C']
    .flatMap((key) => {
      const value = (name as unknown as Record<string, string | string[] | undefined>)[key];
      return value === undefined ? [] : [`${key}=${Array.isArray(value) ? value.join('+') : value}`];
    })
    .join(', ') || '(none)';
}

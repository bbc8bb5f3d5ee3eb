import { lookup } from 'node:dns/promises';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { Cause, report, step, type Step } from '../findings';
import { classifyNetworkError } from '../networkFailure';
import { proxyFor, type ProxySettings } from '../../http/proxy/proxySettings';
import { distinguishedName, endsAtBundledRoot } from './tlsTrust';

/**
 * The network path from the function to a host, step by step, as the function's own network
 * sees it (its VPC, NAT, proxy): whether a proxy applies, the DNS answer (node:dns lookup, as
 * undici resolves), the TCP connect time, and for https the TLS handshake: protocol, the
 * presented certificate's subject, issuer and expiry, and whether its chain ends at one of
 * Node's bundled roots. Nothing is sent over the connection, so no request is spent.
 */

export interface PathProbe {
  step: Step;
  /** False when the path is broken (no DNS answer, no route, refused, a handshake that hangs): the request would only fail the same way, or wait as long. */
  ok: boolean;
}

const MS_PER_DAY = 86_400_000;

/** Settles with the promise or rejects with `timeout` after `ms`; the timer is cleared either way. */
async function within<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve('timeout');
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function resolveHost(host: string, budgetMs: number, target: Step): Promise<string | undefined> {
  if (isIP(host)) {
    target.details.push(`DNS: ${host} is an address, nothing to resolve`);
    return host;
  }
  const started = performance.now();
  try {
    const answer = await within(lookup(host, { all: true }), budgetMs, () => undefined);
    if (answer === 'timeout') {
      report(target, 'fail', Cause.DNS_FAILURE, `no DNS answer for ${host} in ${budgetMs} ms: the VPC's resolver is not reachable or does not answer`);
      return undefined;
    }
    target.details.push(`DNS: ${host} → ${answer.map((entry) => entry.address).join(', ')} (${Math.round(performance.now() - started)} ms)`);
    return answer[0]!.address;
  } catch (error) {
    report(target, 'fail', Cause.DNS_FAILURE, classifyNetworkError(error, host)?.message ?? `${host} does not resolve`);
    return undefined;
  }
}

/**
 * A connect that neither completes nor is refused before the budget is a SYN nobody answers:
 * what a missing route looks like from inside a VPC (private subnet without a NAT gateway or
 * an interface endpoint, a security group or network ACL without the egress rule). A refusal
 * (RST) would come back at once.
 */
async function connectTo(address: string, port: number, label: string, budgetMs: number, target: Step): Promise<Socket | undefined> {
  const started = performance.now();
  const socket = connectTcp({ host: address, port });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  try {
    const outcome = await within(connected, budgetMs, () => socket.destroy());
    if (outcome === 'timeout') {
      report(
        target,
        'fail',
        Cause.NETWORK_NO_ROUTE,
        `the TCP connect to ${label} (${address}:${port}) hung for ${budgetMs} ms with no answer: no route from the function to it. In a VPC: a private subnet needs a NAT gateway (or an interface endpoint) on its route table, and the security group and network ACL must allow the egress`,
      );
      return undefined;
    }
  } catch (error) {
    socket.destroy();
    report(target, 'fail', Cause.CONNECT_FAILURE, classifyNetworkError(error, `${address}:${port}`)?.message ?? `could not connect to ${address}:${port}`);
    return undefined;
  }
  target.details.push(`TCP connect to ${address}:${port}: ${Math.round(performance.now() - started)} ms`);
  return socket;
}

function reportCertificate(host: string, tls: TLSSocket, target: Step): void {
  const peer = tls.getPeerCertificate(true) as DetailedPeerCertificate;
  const expires = new Date(peer.valid_to);
  const daysLeft = Math.floor((expires.getTime() - Date.now()) / MS_PER_DAY);
  target.details.push(
    `TLS: ${tls.getProtocol() ?? 'unknown protocol'}, certificate subject ${distinguishedName(peer.subject)}, issuer ${distinguishedName(peer.issuer)}, expires ${expires.toISOString()} (${daysLeft} days), sha256 ${peer.fingerprint256}`,
  );
  const trusted = tls.authorized;
  if (!endsAtBundledRoot(peer)) {
    report(
      target,
      trusted ? 'warn' : 'fail',
      Cause.TLS_INSPECTED,
      `the certificate ${host} presented was issued by ${distinguishedName(peer.issuer)}, which does not chain to any of Node's bundled root CAs: most likely a TLS-inspecting proxy or firewall on the function's path re-signing the connection (or a server with a private CA). ${trusted ? 'It is trusted here (NODE_EXTRA_CA_CERTS), so requests work, but the inspecting device sees the credentials' : `It is not trusted (${String(tls.authorizationError)}), so every request fails: exempt ${host} from inspection, or trust the inspecting CA with NODE_EXTRA_CA_CERTS`}`,
    );
  } else if (!trusted) {
    report(target, 'fail', Cause.TLS_FAILURE, `the certificate ${host} presented is not accepted (${String(tls.authorizationError)}): wrong host name, expired, or an incomplete chain`);
  }
}

async function handshake(socket: Socket, host: string, budgetMs: number, target: Step): Promise<boolean> {
  // Verification is done by hand below so that an untrusted certificate can still be described.
  const tls = connectTls({ socket, ...(!isIP(host) && { servername: host }), rejectUnauthorized: false });
  const secured = new Promise<void>((resolve, reject) => {
    tls.once('secureConnect', resolve);
    tls.once('error', reject);
  });
  try {
    const outcome = await within(secured, budgetMs, () => tls.destroy());
    if (outcome === 'timeout') {
      report(target, 'fail', Cause.TIMEOUT, `the TLS handshake with ${host} did not complete in ${budgetMs} ms: something on the path accepts the connection and never answers (a proxy or firewall expecting another protocol)`);
      return false;
    }
    reportCertificate(host, tls, target);
    // An untrusted certificate fails the request before anything is sent: it is still sent, so its finding is the local doctor's.
    return true;
  } catch (error) {
    report(target, 'fail', Cause.TLS_FAILURE, classifyNetworkError(error, host)?.message ?? `TLS with ${host} failed`);
    return false;
  } finally {
    tls.destroy();
  }
}

/** `role`: what the host is to the action ("token endpoint", "upstream API"), for the step's name. */
export async function probeNetworkPath(url: URL, role: string, budgetMs: number, proxySettings: ProxySettings | undefined): Promise<PathProbe> {
  const target = step(`network path to the ${role}`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  // The function's own proxy settings (lib/http/proxy/proxySettings.ts), so the path shown is the one its requests take.
  const proxy = proxyFor(proxySettings, url);
  if (proxy) {
    target.details.push(`proxy: ${proxy.label} (from ${proxy.variable}); the connection below is to the proxy, which opens the tunnel to ${host}:${port}`);
  } else {
    target.details.push(proxySettings ? `proxy: none for ${host} (NO_PROXY names it)` : 'proxy: none (no HTTPS_PROXY / HTTP_PROXY variable)');
  }
  const [peerHost, peerPort, peerLabel] = proxy ? [proxy.hostname, proxy.port, `the proxy ${proxy.label}`] : [host, port, `${role} ${host}`];
  const address = await resolveHost(peerHost, budgetMs, target);
  if (!address) return { step: target, ok: false };
  const socket = await connectTo(address, peerPort, peerLabel, budgetMs, target);
  if (!socket) return { step: target, ok: false };
  if (url.protocol !== 'https:' || proxy) {
    socket.destroy();
    if (proxy && url.protocol === 'https:') target.details.push('TLS: inside the proxy tunnel; the token request below shows whether it is accepted');
    return { step: target, ok: true };
  }
  return { step: target, ok: await handshake(socket, host, budgetMs, target) };
}

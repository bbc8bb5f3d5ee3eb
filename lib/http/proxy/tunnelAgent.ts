import { Agent as NodeHttpAgent, type ClientRequestArgs } from 'node:http';
import { Agent as NodeHttpsAgent } from 'node:https';
import { connect, isIPv6, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { PROXY_CONNECT_TIMEOUT_MS, PROXY_RESPONSE_HEAD_MAX_BYTES } from '../../base/constants';
import { ProxyTunnelError } from './proxyFailure';
import { proxyForHost, type EgressProxy, type ProxySettings } from './proxySettings';

/**
 * Node agents for the AWS SDK's request handler that reach a host through the egress proxy
 * with an HTTP CONNECT tunnel (RFC 9110 §9.3.6), then speak TLS (https) or plain HTTP
 * through it; hosts that NO_PROXY names are connected direct. The AWS SDK for JavaScript v3
 * does not read the proxy variables itself and takes such an agent ("Configure proxies for
 * Node.js", AWS SDK for JavaScript v3 Developer Guide).
 *
 * Hand-written rather than `https-proxy-agent`: its current major is ESM only (the tests'
 * CommonJS runtime cannot load it), it brings `debug` and a Kerberos negotiator into the
 * bundle, and it hands a refused CONNECT's answer to the HTTP client as if the origin had
 * sent it (Secrets Manager "answering" 407), where this agent fails with a ProxyTunnelError
 * (./proxyFailure.ts) that names the proxy (its label: never its credentials).
 */

type Callback = (error: Error | null, socket?: Duplex) => void;
/** Node's type for createConnection's callback; Node calls it with an error alone too (lib/_http_agent.js oncreate). */
type NodeCallback = (error: Error | null, stream: Duplex) => void;

/** Opens a tunnel to host:port through `proxy`: calls back with the proxy's socket once it answered 200, or with a ProxyTunnelError. */
function openTunnel(proxy: EgressProxy, host: string, port: number, callback: Callback): void {
  const socket: Socket = connect({ host: proxy.hostname, port: proxy.port });
  const target = `${isIPv6(host) ? `[${host}]` : host}:${port}`;
  let head = Buffer.alloc(0);
  let settled = false;
  const settle = (error: ProxyTunnelError | null) => {
    if (settled) return;
    settled = true;
    socket.off('data', onData).off('error', onError).off('end', onEnd).setTimeout(0);
    if (error) {
      socket.destroy();
      callback(error);
    } else callback(null, socket);
  };
  const onError = (error: NodeJS.ErrnoException) => {
    const code = error.code ?? 'error';
    settle(new ProxyTunnelError({ reason: socket.bytesWritten > 0 && code !== 'ECONNREFUSED' ? 'reset' : 'unreachable', code }, proxy, target, error));
  };
  const onEnd = () => settle(new ProxyTunnelError({ reason: 'reset', code: 'closed without answering CONNECT' }, proxy, target));
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > PROXY_RESPONSE_HEAD_MAX_BYTES) settle(new ProxyTunnelError({ reason: 'refused' }, proxy, target));
      return;
    }
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString('latin1'))?.[1] ?? 0);
    if (status === 407) settle(new ProxyTunnelError({ reason: 'auth-required', status }, proxy, target));
    else if (status !== 200) settle(new ProxyTunnelError({ reason: 'refused', ...(status && { status }) }, proxy, target));
    else {
      // Bytes after the answer already belong to the tunnel.
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      settle(null);
    }
  };
  socket.on('data', onData).on('error', onError).on('end', onEnd);
  socket.setTimeout(PROXY_CONNECT_TIMEOUT_MS, () => settle(new ProxyTunnelError({ reason: 'timeout' }, proxy, target)));
  const authorization = proxy.authorization();
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${authorization ? `Proxy-Authorization: ${authorization}\r\n` : ''}\r\n`);
}

/**
 * The connection for one request: direct when NO_PROXY says so, else through a tunnel,
 * wrapped in TLS by `secure` (the https agent's own createConnection, which keeps its TLS
 * session cache and takes the tunnel as its socket).
 */
function tunnelledConnection(settings: ProxySettings, protocol: 'http:' | 'https:', direct: (options: ClientRequestArgs) => Duplex | null | undefined, options: ClientRequestArgs, callback: Callback): Duplex | null | undefined {
  const host = options.host ?? 'localhost';
  const port = Number(options.port) || (protocol === 'https:' ? 443 : 80);
  const proxy = proxyForHost(settings, protocol, isIPv6(host) ? `[${host}]` : host, port);
  if (!proxy) return direct(options);
  openTunnel(proxy, host, port, (error, socket) => {
    if (error || !socket) callback(error);
    else if (protocol === 'http:') callback(null, socket);
    else callback(null, direct({ ...options, socket } as ClientRequestArgs) ?? undefined);
  });
  return undefined;
}

export class HttpTunnelAgent extends NodeHttpAgent {
  readonly #settings: ProxySettings;

  constructor(settings: ProxySettings) {
    super({ keepAlive: true });
    this.#settings = settings;
  }

  override createConnection(options: ClientRequestArgs, callback?: NodeCallback): Duplex | null | undefined {
    return tunnelledConnection(this.#settings, 'http:', (direct) => super.createConnection(direct, callback), options, (callback ?? (() => undefined)) as Callback);
  }
}

export class HttpsTunnelAgent extends NodeHttpsAgent {
  readonly #settings: ProxySettings;

  /** `tls`: extra TLS options (a CA bundle in tests). */
  constructor(settings: ProxySettings, tls: NodeHttpsAgent['options'] = {}) {
    super({ keepAlive: true, ...tls });
    this.#settings = settings;
  }

  override createConnection(options: ClientRequestArgs, callback?: NodeCallback): Duplex | null | undefined {
    return tunnelledConnection(this.#settings, 'https:', (direct) => super.createConnection(direct, callback), options, (callback ?? (() => undefined)) as Callback);
  }
}

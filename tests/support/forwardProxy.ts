import { createServer, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/**
 * A forward proxy on 127.0.0.1, as a corporate egress proxy: CONNECT tunnels (RFC 9110
 * §9.3.6) for https and anything the client tunnels, absolute-form requests (RFC 9112
 * §3.2.2) for plain http. It records every exchange, so a test proves which requests went
 * through it and which went direct. Optional Basic proxy authentication answers 407; mode
 * `reset` drops every connection that asks it for something; mode `strip-authorization`
 * forwards absolute-form requests without their Authorization header (what a proxy
 * "sanitising" headers does to a client_secret_basic token request). It forwards to loopback
 * targets only and answers 403 for any other.
 */

export const PROXY_USER = 'egress-user';
/** In the canary list (tests/setup/canaries.ts): it must never reach a log line. */
export const PROXY_PASSWORD = 'pr0xy-Canary-5ecret';
/** As the credentials appear on the wire (Proxy-Authorization: Basic …): a canary too. */
export const PROXY_BASIC = Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64');

export type ForwardProxyMode = 'forward' | 'reset' | 'strip-authorization';

export interface ProxiedExchange {
  kind: 'connect' | 'absolute';
  /** `host:port` of a tunnel, or the absolute URL of a request. */
  target: string;
  method: string;
  /** Whether the request reached the proxy with an Authorization header (absolute form only: a tunnel is opaque). */
  authorization: boolean;
  /** Whether it carried the proxy's credentials. */
  proxyAuthorized: boolean;
  /** What the proxy did: forwarded, refused with 407 or 403, or reset. */
  outcome: 'forwarded' | 407 | 403 | 'reset';
}

export interface ForwardProxy {
  /** http://127.0.0.1:port, without credentials. */
  url: string;
  /** http://user:password@127.0.0.1:port. */
  urlWithCredentials: string;
  readonly exchanges: ReadonlyArray<ProxiedExchange>;
  /** The targets of forwarded exchanges, as `host:port` (absolute-form URLs reduced to theirs). */
  forwardedHosts(): string[];
  setMode(mode: ForwardProxyMode): void;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', '::1', 'localhost']);
const HOP_BY_HOP = ['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive'];

export async function startForwardProxy(options: { requireAuth?: boolean; mode?: ForwardProxyMode } = {}): Promise<ForwardProxy> {
  let mode = options.mode ?? 'forward';
  const exchanges: ProxiedExchange[] = [];
  const sockets = new Set<Socket>();
  const authorized = (request: IncomingMessage) => request.headers['proxy-authorization'] === `Basic ${PROXY_BASIC}`;
  /** What to do before forwarding: refuse (407, 403), reset, or go on. */
  const admit = (request: IncomingMessage, kind: ProxiedExchange['kind'], target: string, hostname: string): ProxiedExchange => {
    const exchange: ProxiedExchange = {
      kind,
      target,
      method: request.method ?? '',
      authorization: kind === 'absolute' && request.headers.authorization !== undefined,
      proxyAuthorized: authorized(request),
      outcome: 'forwarded',
    };
    if (options.requireAuth && !exchange.proxyAuthorized) exchange.outcome = 407;
    else if (!LOOPBACK.has(hostname)) exchange.outcome = 403;
    else if (mode === 'reset') exchange.outcome = 'reset';
    exchanges.push(exchange);
    return exchange;
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://not-absolute.invalid');
    const exchange = admit(request, 'absolute', url.href, url.hostname);
    if (exchange.outcome === 'reset') return void request.socket.destroy();
    if (exchange.outcome !== 'forwarded') {
      response.writeHead(exchange.outcome, exchange.outcome === 407 ? { 'proxy-authenticate': 'Basic realm="egress"' } : {});
      return void response.end();
    }
    const headers: OutgoingHttpHeaders = { ...request.headers };
    for (const name of HOP_BY_HOP) delete headers[name];
    if (mode === 'strip-authorization') delete headers.authorization;
    const upstream = httpRequest({ host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || 80, method: request.method, path: url.pathname + url.search, headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });

  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    const target = request.url ?? '';
    const separator = target.lastIndexOf(':');
    const hostname = target.slice(0, separator);
    const exchange = admit(request, 'connect', target, hostname);
    if (exchange.outcome === 'reset') return void client.destroy();
    if (exchange.outcome !== 'forwarded') {
      const reason = exchange.outcome === 407 ? 'Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="egress"' : 'Forbidden';
      return void client.end(`HTTP/1.1 ${exchange.outcome} ${reason}\r\nContent-Length: 0\r\n\r\n`);
    }
    const upstream = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(target.slice(separator + 1)) }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    urlWithCredentials: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${port}`,
    exchanges,
    forwardedHosts: () => exchanges.filter((e) => e.outcome === 'forwarded').map((e) => (e.kind === 'connect' ? e.target : new URL(e.target).host)),
    setMode: (next) => {
      mode = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

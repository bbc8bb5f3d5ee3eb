import type { Dispatcher } from 'undici';
// The agent and request API alone, not undici's index (fetch, WebSocket, caches…): the index
// adds ~240 KB to the minified handler bundle and slows its cold module load. These paths are
// not undici's public API, so undici is pinned to an exact version in package.json and
// tests/unit/undiciPin.test.ts fails when the installed version or these files change.
import Agent from 'undici/lib/dispatcher/agent.js';
import undiciRequest from 'undici/lib/api/api-request.js';
import { HTTP_CONNECTIONS_PER_ORIGIN, HTTP_KEEP_ALIVE_TIMEOUT_MS } from '../base/constants';
import type { EgressProxy, ProxySettings } from './proxy/proxySettings';
import { createUndiciProxyAgent } from './proxy/undiciProxyAgent';
import type { Deadline } from './deadline';
import type { HttpRequest, HttpResponse } from './http';

/**
 * HTTP with undici over a module-scope keep-alive pool (docs/design.md §7). Redirects are not
 * followed, so an Authorization header never reaches another origin. Bodies are read up to
 * a limit and consumed or dumped on every path.
 */

export type HttpAgent = Dispatcher & {
  close(): Promise<void>;
  /** The egress proxy a request to `url` goes through; absent when no proxy is set (lib/http/proxy/). */
  proxyFor?(url: URL): EgressProxy | undefined;
};

/** What each agent was made with: a diagnosis opens a connection as the agent would (lib/http/tlsRefusal.ts), a client-certificate agent takes the same proxy (lib/auth/clientTls.ts). */
const madeWith = new WeakMap<HttpAgent, { connect: ConnectOptions; proxy?: ProxySettings }>();
export function connectOptionsOf(agent: HttpAgent): ConnectOptions {
  return madeWith.get(agent)?.connect ?? {};
}
export function proxySettingsOf(agent: HttpAgent): ProxySettings | undefined {
  return madeWith.get(agent)?.proxy;
}

/**
 * `connect` options reach undici's connector, e.g. a DNS `lookup` (doctor tests resolve names
 * without a network), or a client certificate. With `proxy` (lib/http/proxy/proxySettings.ts)
 * requests go through the egress proxy; without, the agent is the plain one it always was.
 */
export function createHttpAgent(connect: ConnectOptions = {}, proxy?: ProxySettings): HttpAgent {
  const options = {
    keepAliveTimeout: HTTP_KEEP_ALIVE_TIMEOUT_MS,
    connections: HTTP_CONNECTIONS_PER_ORIGIN,
    // The deadline bounds each call; these only stop undici's 5-minute defaults applying.
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
    connect: { timeout: 10_000, ...connect },
  };
  const agent: HttpAgent = proxy ? createUndiciProxyAgent<HttpAgent>(proxy, options) : new Agent(options);
  madeWith.set(agent, { connect, ...(proxy && { proxy }) });
  return agent;
}

/**
 * undici compiles its HTTP parser (WebAssembly, llhttp) when its first connection opens, on
 * the first invocation. Compiling the same bytes here, at module initialisation, lets V8 hand
 * undici the module it already compiled (V8 keeps one compiled module per distinct bytes while
 * one is alive, hence the reference kept below). Mirrors undici's own choice of build
 * (client-h1.js lazyllhttp: SIMD unless UNDICI_NO_WASM_SIMD=1, or ppc64 before Node 24.12).
 * These two files are undici internals too: tests/unit/undiciPin.test.ts checks them with the pin.
 * A failure leaves undici to compile as before.
 */
// The WebAssembly global, which TypeScript's ES library settings here do not declare.
const { WebAssembly: Wasm } = globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } };
let compiledParser: object | undefined;
export function precompileHttpParser(): void {
  if (compiledParser) return;
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const simd = process.env.UNDICI_NO_WASM_SIMD === '0' || (process.env.UNDICI_NO_WASM_SIMD !== '1' && !(process.arch === 'ppc64' && (major < 24 || (major === 24 && minor < 12))));
  const compile = (build: 'simd' | 'plain') =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    new Wasm.Module(build === 'simd' ? require('undici/lib/llhttp/llhttp_simd-wasm.js') : require('undici/lib/llhttp/llhttp-wasm.js'));
  try {
    if (simd) compiledParser = compile('simd');
  } catch {
    // undici falls back to the plain build too.
  }
  try {
    compiledParser ??= compile('plain');
  } catch {
    compiledParser = undefined;
  }
}

export type ConnectOptions = Exclude<NonNullable<ConstructorParameters<typeof Agent>[0]>['connect'], Function | undefined>;

/**
 * The body as text, up to `maxBytes`; past it the rest is discarded (destroyed) and only the
 * count so far is returned. Read with 'data' events rather than `for await`: the async
 * iterator costs a few µs of every warm invocation.
 */
function readLimited(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<{ text?: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      body.destroy();
      resolve({ bytes });
    });
    body.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), bytes }));
    body.on('error', reject);
  });
}

export async function sendHttpRequest(agent: HttpAgent, request: HttpRequest, deadline: Deadline): Promise<HttpResponse> {
  return deadline.run(request.step, async (signal) => {
    const response = await undiciRequest.call(agent, {
      origin: request.url.origin,
      path: request.url.pathname + request.url.search,
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
    });
    const { text, bytes } = await readLimited(response.body, request.maxBodyBytes);
    return { status: response.statusCode, headers: response.headers, body: text, bodyBytes: bytes };
  });
}

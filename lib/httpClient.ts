import type { Dispatcher } from 'undici';
// The agent and request API alone, not undici's index (fetch, WebSocket, caches…): the index
// adds ~240 KB to the minified handler bundle and slows its cold module load. These paths are
// not undici's public API, so undici is pinned to an exact version in package.json and
// tests/undiciPin.test.ts fails when the installed version or these files change.
import Agent from 'undici/lib/dispatcher/agent.js';
import undiciRequest from 'undici/lib/api/api-request.js';
import { HTTP_CONNECTIONS_PER_ORIGIN, HTTP_KEEP_ALIVE_TIMEOUT_MS } from './constants';
import type { Deadline } from './deadline';
import type { HttpRequest, HttpResponse } from './http';

/**
 * HTTP with undici over a module-scope keep-alive pool (SPEC §7). Redirects are not
 * followed, so an Authorization header never reaches another origin. Bodies are read up to
 * a limit and consumed or dumped on every path.
 */

export type HttpAgent = Dispatcher & { close(): Promise<void> };

/** `connect` options reach undici's connector, e.g. a DNS `lookup` (doctor tests resolve names without a network). */
export function createHttpAgent(connect: ConnectOptions = {}): HttpAgent {
  return new Agent({
    keepAliveTimeout: HTTP_KEEP_ALIVE_TIMEOUT_MS,
    connections: HTTP_CONNECTIONS_PER_ORIGIN,
    // The deadline bounds each call; these only stop undici's 5-minute defaults applying.
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
    connect: { timeout: 10_000, ...connect },
  });
}

export type ConnectOptions = Exclude<NonNullable<ConstructorParameters<typeof Agent>[0]>['connect'], Function | undefined>;

async function readLimited(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<{ text?: string; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += (chunk as Buffer).length;
    if (bytes > maxBytes) {
      body.destroy();
      return { bytes };
    }
    chunks.push(chunk as Buffer);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), bytes };
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

import { Agent, type Dispatcher } from 'undici';
import { HTTP_CONNECTIONS_PER_ORIGIN, HTTP_KEEP_ALIVE_TIMEOUT_MS } from './constants';
import type { Deadline } from './deadline';

/**
 * HTTP with undici over a module-scope keep-alive pool (SPEC §7). Redirects are not
 * followed, so an Authorization header never reaches another origin. Bodies are read up to
 * a limit and consumed or dumped on every path.
 */

/** `connect` options reach undici's connector, e.g. a DNS `lookup` (doctor tests resolve names without a network). */
export function createHttpAgent(connect: Agent.Options['connect'] = {}): Agent {
  return new Agent({
    keepAliveTimeout: HTTP_KEEP_ALIVE_TIMEOUT_MS,
    connections: HTTP_CONNECTIONS_PER_ORIGIN,
    // The deadline bounds each call; these only stop undici's 5-minute defaults applying.
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
    connect: { timeout: 10_000, ...connect },
  });
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Names the step in timeout and error messages, e.g. "token request". */
  step: string;
  maxBodyBytes: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** undefined when the body was larger than the limit (it was discarded). */
  body: string | undefined;
  bodyBytes: number;
}

const CORRELATION_HEADERS = ['inin-correlation-id', 'x-correlation-id', 'x-request-id', 'x-amzn-requestid'];

export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function correlationIdOf(response: HttpResponse): string | undefined {
  for (const name of CORRELATION_HEADERS) {
    const value = headerValue(response.headers, name);
    if (value) return value;
  }
  return undefined;
}

export function isJsonContentType(response: HttpResponse): boolean {
  const type = headerValue(response.headers, 'content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

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

export async function sendHttpRequest(agent: Dispatcher, request: HttpRequest, deadline: Deadline): Promise<HttpResponse> {
  return deadline.run(request.step, async (signal) => {
    const response = await agent.request({
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

export type JsonBody = { ok: true; json: unknown } | { ok: false; problem: string };

/** The body as JSON when the content type says JSON and it parses; otherwise what is wrong with it, never the body itself. */
export function parseJsonBody(response: HttpResponse, limitName: string): JsonBody {
  if (response.body === undefined) return { ok: false, problem: `the response of ${response.bodyBytes}+ bytes exceeds ${limitName}` };
  if (!isJsonContentType(response)) {
    const looksHtml = /^\s*</.test(response.body);
    return { ok: false, problem: looksHtml ? 'the response is an HTML page, not JSON' : 'the response is not JSON (content type)' };
  }
  try {
    return { ok: true, json: JSON.parse(response.body) };
  } catch {
    return { ok: false, problem: 'the response is malformed JSON' };
  }
}

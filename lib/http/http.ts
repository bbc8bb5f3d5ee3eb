import { firstIdShaped } from '../base/correlationId';

/**
 * HTTP requests and responses as the bridge sees them, and what it reads from a response
 * (headers, correlation ids, JSON bodies). The client itself is lib/http/httpClient.ts.
 */

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

/** The response's correlation id, from the first of the usual headers that holds an id-shaped value. */
export function correlationIdOf(response: HttpResponse): string | undefined {
  return firstIdShaped(...CORRELATION_HEADERS.map((name) => headerValue(response.headers, name)));
}

export function isJsonContentType(response: HttpResponse): boolean {
  const type = headerValue(response.headers, 'content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
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

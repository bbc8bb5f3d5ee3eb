import { createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { request } from 'undici';

/**
 * Calling the HTTP front: over a real socket with undici (the front served on loopback by
 * serveHttpFront), or with a hand-built API Gateway HTTP API / Function URL event
 * (payload format 2.0) where a test needs a field a socket cannot set.
 */

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  /** Sent as is; `json` is serialised when body is absent. */
  body?: string;
  json?: unknown;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function call(baseUrl: string, path: string, options: CallOptions = {}): Promise<HttpAnswer> {
  const method = options.method ?? 'POST';
  const body = options.body ?? (options.json === undefined ? undefined : JSON.stringify(options.json));
  const response = await request(`${baseUrl}${path}`, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...options.headers },
    ...(body !== undefined && { body }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: parsed(text) };
}

/**
 * `x-bridge-timestamp` and `x-bridge-signature: sha256=<hex HMAC-SHA256(key, timestamp + "." + METHOD + "." + path + "." + body)>`,
 * written out here rather than taken from lib/, so the tests check the documented rule.
 */
export function signedHeaders(
  hmacKey: string,
  body: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
  path = '/actions/customerLookup',
  method = 'POST',
): Record<string, string> {
  const timestamp = String(timestampSeconds);
  const signature = createHmac('sha256', hmacKey).update(`${timestamp}.${method}.${path}.${body}`, 'utf8').digest('hex');
  return { 'x-bridge-timestamp': timestamp, 'x-bridge-signature': `sha256=${signature}` };
}

export interface EventOptions {
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  requestId?: string;
  /** requestContext.http.sourceIp; default 127.0.0.1. */
  sourceIp?: string;
}

/** An API Gateway HTTP API (payload format 2.0) event as Lambda receives it. */
export function httpApiEvent(options: EventOptions = {}): APIGatewayProxyEventV2 {
  const path = options.path ?? '/actions/customerLookup';
  const method = options.method ?? 'POST';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    requestContext: {
      accountId: '000000000000',
      apiId: 'sandbox',
      domainName: 'sandbox.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'sandbox',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: options.sourceIp ?? '127.0.0.1', userAgent: 'jest' },
      requestId: options.requestId ?? 'api-gateway-request-id',
      routeKey: '$default',
      stage: '$default',
      time: '26/Nov/2026:12:00:00 +0000',
      timeEpoch: 1_795_000_000_000,
    },
    ...(options.body !== undefined && { body: options.body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

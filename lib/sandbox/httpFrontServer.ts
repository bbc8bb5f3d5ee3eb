import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { HttpHandler } from '../front/httpFront';
import { createLambdaContext } from './lambdaContext';
import { startLoopbackServer, type LoopbackServer } from './loopbackServer';

/**
 * Serves the HTTP front's handler on loopback, translating each request into the API
 * Gateway HTTP API / Function URL event (payload format 2.0), so `curl` works locally.
 */
export function serveHttpFront(handler: HttpHandler, timeoutMs = 6_000): Promise<LoopbackServer> {
  return startLoopbackServer(async ({ method, url, headers, body }) => {
    const requestId = randomUUID();
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : (value ?? '')])),
      requestContext: { http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: String(headers['user-agent'] ?? '') }, requestId },
      body,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    const result = await handler(event, createLambdaContext('http', timeoutMs));
    return { status: result.statusCode ?? 200, headers: result.headers as Record<string, string>, body: result.body };
  });
}

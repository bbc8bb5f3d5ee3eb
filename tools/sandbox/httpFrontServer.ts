import { randomUUID } from 'node:crypto';
import type { HttpHandler } from '../../lib/front/httpFront';
import { apiGatewayEvent } from './apiGatewayEvent';
import { createLambdaContext } from './lambdaContext';
import { startLoopbackServer, type LoopbackServer } from '../standIns/loopbackServer';

/**
 * Serves the HTTP front's handler on loopback, translating each request into the API
 * Gateway HTTP API / Function URL event (payload format 2.0), so `curl` works locally.
 */
export function serveHttpFront(handler: HttpHandler, timeoutMs = 6_000): Promise<LoopbackServer> {
  return startLoopbackServer(async ({ method, url, headers, body }) => {
    const event = apiGatewayEvent({
      method,
      path: url.pathname,
      query: url.search.slice(1),
      headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : (value ?? '')])),
      body,
      requestId: randomUUID(),
    });
    const result = await handler(event, createLambdaContext('http', timeoutMs));
    return { status: result.statusCode ?? 200, headers: result.headers as Record<string, string>, body: result.body };
  });
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A plain HTTP server on 127.0.0.1 with an ephemeral port, for the local sandbox's
 * stand-ins and the tests. It listens on loopback only.
 */

export interface LoopbackRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface LoopbackReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export type LoopbackHandler = (request: LoopbackRequest) => LoopbackReply | Promise<LoopbackReply>;

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): LoopbackReply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** `latencyMs` delays every answer, to stand in for a remote service (npm run bench). */
export async function startLoopbackServer(handle: LoopbackHandler, latencyMs = 0): Promise<LoopbackServer> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    readBody(request)
      .then(async (body) => {
        if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
        return body;
      })
      .then((body) => handle({ method: request.method ?? 'GET', url: new URL(request.url ?? '/', 'http://127.0.0.1'), headers: request.headers, body }))
      .then((reply) => {
        response.writeHead(reply.status, reply.headers);
        response.end(reply.body);
      })
      .catch(() => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end('{"error":"stand-in failure"}');
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

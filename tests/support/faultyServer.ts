import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { request } from 'undici';
import type { LoopbackReply, LoopbackRequest } from '../../tools/standIns/loopbackServer';

/**
 * A loopback server that misbehaves on cue, for the fault tests: each request takes the
 * next fault from a script (hang, reset the connection, answer something, answer late)
 * and, once the script is used up, is forwarded to a target (a sandbox stand-in) or
 * answered with a fixed reply. It counts and keeps every request it receives, so a test can
 * prove exactly how many times a dependency was called, faults included, and what it was sent.
 *
 * It is the tests' one helper for a server that hangs (`otherwise(hang)`), answers the same
 * thing every time (`otherwise(reply(…))`) or answers from the request (`otherwise(respond(…))`).
 */

export type Fault =
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'reply'; reply: LoopbackReply }
  | { kind: 'respond'; answer: (request: LoopbackRequest) => LoopbackReply | Promise<LoopbackReply> }
  | { kind: 'forward' }
  | { kind: 'delay'; ms: number; then: Fault }
  | { kind: 'partial'; reply: LoopbackReply; bytes: number; then: 'reset' | 'stall' };

/** Accepts the request and never answers. */
export const hang: Fault = { kind: 'hang' };
/** Destroys the connection without an answer (the client sees a reset / "other side closed"). */
export const reset: Fault = { kind: 'reset' };
/** Passes the request on to the target. */
export const forward: Fault = { kind: 'forward' };

export function reply(status: number, body = '', headers: Record<string, string> = {}): Fault {
  return { kind: 'reply', reply: { status, headers, body } };
}

/** Answers with what `answer` makes of the request (an echo, a redirect to the same path…). */
export function respond(answer: (request: LoopbackRequest) => LoopbackReply | Promise<LoopbackReply>): Fault {
  return { kind: 'respond', answer };
}

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): Fault {
  return reply(status, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
}

/**
 * Sends the status, the headers (with the full Content-Length) and the first `bytes` of the
 * body, then resets the connection or stalls forever: a response cut off in the middle.
 */
export function partial(reply: LoopbackReply, bytes: number, then: 'reset' | 'stall'): Fault {
  return { kind: 'partial', reply, bytes, then };
}

export function delayed(ms: number, then: Fault = forward): Fault {
  return { kind: 'delay', ms, then };
}

/** `count` copies of a fault, for scripts like "three 503s". */
export function times(count: number, fault: Fault): Fault[] {
  return Array.from({ length: count }, () => fault);
}

export interface SeenRequest {
  method: string;
  /** Path and query as sent. */
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FaultyServer {
  url: string;
  /** Requests received, whatever happened to them. */
  readonly requests: number;
  readonly seen: ReadonlyArray<SeenRequest>;
  /** Requests received whose path (without query) is `pathname`. */
  requestsTo(pathname: string): number;
  /** Faults for the next requests, in order; appended to what is still scripted. */
  script(...faults: Fault[]): void;
  /** What happens once the script is used up: by default forward when there is a target, else 404. */
  otherwise(fault: Fault): void;
  close(): Promise<void>;
}

/** Headers that describe one hop, not the message: never copied by the forwarder. */
const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'expect', 'upgrade']);

function endToEndHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name.toLowerCase())) continue;
    copy[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return copy;
}

async function readBody(incoming: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startFaultyServer(target?: string): Promise<FaultyServer> {
  const queue: Fault[] = [];
  let fallback: Fault = target ? forward : reply(404, '{"error":"not_found"}', { 'content-type': 'application/json' });
  const seen: SeenRequest[] = [];

  async function forwardTo(origin: string, seenRequest: SeenRequest): Promise<LoopbackReply> {
    const answer = await request(new URL(seenRequest.path, origin), {
      method: seenRequest.method as 'GET',
      // As a reverse proxy does: the CXone stand-in then names this server as the issuer.
      headers: { ...endToEndHeaders(seenRequest.headers), ...(typeof seenRequest.headers.host === 'string' && { 'x-forwarded-host': seenRequest.headers.host }) },
      ...(seenRequest.method !== 'GET' && seenRequest.method !== 'HEAD' && { body: seenRequest.body }),
    });
    return { status: answer.statusCode, headers: endToEndHeaders(answer.headers), body: await answer.body.text() };
  }

  async function apply(fault: Fault, seenRequest: SeenRequest, incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    switch (fault.kind) {
      case 'hang':
        return;
      case 'reset':
        incoming.socket.destroy();
        return;
      case 'delay':
        await sleep(fault.ms);
        return apply(fault.then, seenRequest, incoming, response);
      case 'partial': {
        const body = Buffer.from(fault.reply.body ?? '', 'utf8');
        response.writeHead(fault.reply.status, { ...fault.reply.headers, 'content-length': String(body.length) });
        response.write(body.subarray(0, fault.bytes));
        if (fault.then === 'reset') {
          // Let the first bytes reach the client before the connection goes.
          await sleep(20);
          incoming.socket.destroy();
        }
        return;
      }
      case 'reply':
      case 'respond':
      case 'forward': {
        const answer =
          fault.kind === 'reply'
            ? fault.reply
            : fault.kind === 'respond'
              ? await fault.answer({ method: seenRequest.method, url: new URL(seenRequest.path, 'http://127.0.0.1'), headers: seenRequest.headers, body: seenRequest.body })
              : await forwardTo(target ?? '', seenRequest);
        if (response.destroyed) return;
        response.writeHead(answer.status, answer.headers);
        response.end(answer.body);
      }
    }
  }

  const server = createServer((incoming, response) => {
    readBody(incoming)
      .then((body) => {
        const seenRequest: SeenRequest = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', headers: incoming.headers, body };
        seen.push(seenRequest);
        return apply(queue.shift() ?? fallback, seenRequest, incoming, response);
      })
      .catch(() => {
        if (response.headersSent || response.destroyed) return;
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end('{"error":"faulty server failure"}');
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed = false;

  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return seen.length;
    },
    seen,
    requestsTo: (pathname) => seen.filter((s) => new URL(s.path, 'http://127.0.0.1').pathname === pathname).length,
    script: (...faults) => {
      queue.push(...faults);
    },
    otherwise: (fault) => {
      fallback = fault;
    },
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** A loopback port with nothing listening: a server is opened, its port noted, and closed. */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Milliseconds `work` took to settle, with its outcome kept for assertions. */
export async function timed<T>(work: () => Promise<T>): Promise<{ elapsedMs: number; outcome: Promise<T> }> {
  const startedAt = performance.now();
  const outcome = work();
  outcome.catch(() => undefined);
  await outcome.then(
    () => undefined,
    () => undefined,
  );
  return { elapsedMs: performance.now() - startedAt, outcome };
}

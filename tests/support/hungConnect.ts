import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

/**
 * A TCP port whose connects hang: a socket listening with a backlog of 1 in a worker thread
 * whose event loop is blocked, so it never accepts, and whose accept queue is filled with
 * connections first. Linux then drops further SYNs without an answer (a full accept queue
 * drops the SYN, tcp_abort_on_overflow being 0 by default), so the client's connect neither
 * completes nor is refused: what a client sees when its packets have no route (a private
 * subnet without a NAT gateway, a security group without the egress rule). It stays on
 * loopback, where no real unroutable address can be used.
 */

export interface HungPort {
  port: number;
  close(): Promise<void>;
}

const WORKER = `
const { createServer } = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const server = createServer();
server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  // Block this thread's event loop, so libuv never accepts, until the test lets go.
  Atomics.wait(new Int32Array(workerData), 0, 0);
  server.close();
});
`;

/** Resolves true when a connect completes within `ms`, false when it is still pending then. */
function connectsWithin(port: number, ms: number, sockets: Socket[]): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    socket.on('error', () => undefined);
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startHungPort(): Promise<HungPort> {
  const release = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER, { eval: true, workerData: release });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const fillers: Socket[] = [];
  // The kernel completes at most backlog + 1 handshakes for a listener that does not accept.
  for (let attempt = 0; attempt < 16 && (await connectsWithin(port, 300, fillers)); attempt++);
  return {
    port,
    close: async () => {
      for (const socket of fillers) socket.destroy();
      Atomics.store(new Int32Array(release), 0, 1);
      Atomics.notify(new Int32Array(release), 0);
      await worker.terminate();
    },
  };
}

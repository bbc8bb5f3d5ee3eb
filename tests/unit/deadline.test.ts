import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Deadline } from '../../lib/http/deadline';
import { logger } from '../../lib/base/logger';
import { createHttpAgent, sendHttpRequest } from '../../lib/http/httpClient';

/**
 * Deadline.run (lib/http/deadline.ts): each step gets a StepSignal, an EventEmitter rather than an
 * AbortSignal (cheaper on Node 20). What matters is that the clients really stop at the
 * deadline: undici and the AWS SDK must close the socket of a request that never answers,
 * not only reject, or a hung upstream would hold pool connections after the TIMEOUT.
 * Real sockets on loopback.
 */

/** How late the close may come after the deadline on a busy machine. */
const SLACK_MS = 250;

interface HungServer {
  url: string;
  /** Resolves with the time the server saw the request's socket close. */
  closed: Promise<number>;
  close(): Promise<void>;
}

/** Accepts a request and never answers it. */
async function startHungServer(): Promise<HungServer> {
  let socketClosed!: (atMs: number) => void;
  const closed = new Promise<number>((resolve) => (socketClosed = resolve));
  const server: Server = createServer((request) => {
    request.socket.once('close', () => socketClosed(Date.now()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    closed,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

let hung: HungServer;
beforeEach(async () => {
  hung = await startHungServer();
});
afterEach(() => hung.close());

describe('Deadline.run', () => {
  it('undici: a request that never answers rejects with TIMEOUT naming the step, and its socket is closed at the deadline', async () => {
    const agent = createHttpAgent();
    const deadline = Deadline.after(300, logger);
    try {
      const sending = sendHttpRequest(agent, { method: 'GET', url: new URL(`${hung.url}/slow`), headers: {}, step: 'upstream request', maxBodyBytes: 1_000 }, deadline);

      await expect(sending).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('upstream request timed out') });
      const closedAtMs = await hung.closed;
      expect(closedAtMs).toBeGreaterThanOrEqual(deadline.atMs);
      expect(closedAtMs - deadline.atMs).toBeLessThan(SLACK_MS);
    } finally {
      await agent.close();
    }
  });

  it('the AWS SDK: a GetSecretValue that never answers rejects with TIMEOUT, and its socket is closed at the deadline', async () => {
    // As lib/runtime/container.ts makes it (one attempt), with credentials the stand-in does not check.
    const client = new SecretsManagerClient({ maxAttempts: 1, region: 'us-east-1', endpoint: hung.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const deadline = Deadline.after(300, logger);
    try {
      const fetching = deadline.run('secret fetch', (abortSignal) => client.send(new GetSecretValueCommand({ SecretId: 'bridge/deadline-test' }), { abortSignal }));

      await expect(fetching).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('secret fetch timed out') });
      const closedAtMs = await hung.closed;
      expect(closedAtMs - deadline.atMs).toBeLessThan(SLACK_MS);
    } finally {
      client.destroy();
    }
  });

  it('a deadline already passed rejects with TIMEOUT without starting the work', async () => {
    const work = jest.fn(async () => 'never');

    await expect(new Deadline(Date.now() - 1, logger).run('token request', work)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(work).not.toHaveBeenCalled();
  });

  it("passes the work's own answer and failure through, and a synchronous throw too", async () => {
    const deadline = Deadline.after(5_000, logger);
    const failure = new Error('refused');

    await expect(deadline.run('step', async () => 42)).resolves.toBe(42);
    await expect(deadline.run('step', () => Promise.reject(failure))).rejects.toBe(failure);
    await expect(
      deadline.run('step', () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });

  it('work that ignores its signal still ends in TIMEOUT at the deadline, and its later failure is ignored', async () => {
    const deadline = Deadline.after(100, logger);
    let signalled = false;
    let failLate!: (error: Error) => void;

    const running = deadline.run('discovery', (signal) => {
      signal.once('abort', () => (signalled = true));
      return new Promise((_, reject) => (failLate = reject));
    });

    await expect(running).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(signalled).toBe(true);
    failLate(new Error('too late'));
  });
});

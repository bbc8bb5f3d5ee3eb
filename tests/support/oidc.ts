import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * oidc-provider (a certified OpenID Provider) in a child process on loopback:
 * tests/support/oidcServer.mjs, which is ESM-only like oidc-provider itself. It prints
 * warnings, then one JSON line `{"issuer", "tokenUrl"}` once it listens.
 */

export interface OidcClientMetadata {
  client_id: string;
  client_secret: string;
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post';
  /** Space-separated scopes the client may request. */
  scope?: string;
}

export interface OidcServer {
  issuer: string;
  tokenUrl: string;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 10_000;

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    // SIGKILL: the server's own SIGTERM handler waits for keep-alive sockets to close.
    child.kill('SIGKILL');
  });
}

export function startOidcServer(clients: readonly OidcClientMetadata[]): Promise<OidcServer> {
  const child = spawn(process.execPath, [join(__dirname, 'oidcServer.mjs'), JSON.stringify(clients)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  return new Promise<OidcServer>((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      void stopProcess(child).then(() => reject(new Error(`oidc-provider did not start: ${reason}\n${stderr.join('')}`)));
    };
    const timer = setTimeout(() => fail(`no address within ${STARTUP_TIMEOUT_MS} ms`), STARTUP_TIMEOUT_MS);
    child.once('exit', (code) => fail(`exited with ${String(code)}`));
    child.once('error', (error) => fail(error.message));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      lines.close();
      const { issuer, tokenUrl } = JSON.parse(line) as { issuer: string; tokenUrl: string };
      resolve({ issuer, tokenUrl, stop: () => stopProcess(child) });
    });
  });
}

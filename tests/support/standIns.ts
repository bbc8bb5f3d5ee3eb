import { request } from 'undici';
import { startLoopbackServer, type LoopbackServer } from '../../tools/standIns/loopbackServer';
import { startSecretsManagerStandIn, type SecretsManagerStandIn } from '../../tools/standIns/secretsManagerStandIn';
import { setSdkProcessEnv } from './processEnv';

/**
 * Building blocks for tests that assemble their own bridge from the loopback stand-ins
 * (tools/standIns) instead of the whole sandbox: a Secrets Manager the real SDK can reach,
 * a list of servers closed after each test, and a forwarding proxy that counts and
 * records what passes through it. Everything listens on 127.0.0.1.
 */

export const TEST_SECRET_ID = 'data-action-bridge/test';

/**
 * The SDK takes region and endpoint from the container's env but its credentials from
 * process.env (the default provider chain). Without them it would try the instance
 * metadata service, a non-loopback host; AWS_EC2_METADATA_DISABLED keeps it from that too.
 */
const SDK_PROCESS_VARIABLES: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export interface Closeable {
  close(): Promise<void>;
}

/** Servers started by one test, closed together in afterEach. */
export class Servers {
  readonly #open: Closeable[] = [];

  track<T extends Closeable>(server: T): T {
    this.#open.push(server);
    return server;
  }

  async closeAll(): Promise<void> {
    const open = this.#open.splice(0);
    await Promise.all(open.map((server) => server.close()));
  }
}

export interface TestSecrets {
  secretsManager: SecretsManagerStandIn;
  /** The part of a container's env that reaches this Secrets Manager: AWS_* and SECRET_ID. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** A Secrets Manager stand-in holding one secret under TEST_SECRET_ID; `close` also restores process.env. */
export async function startTestSecrets(secret: Record<string, unknown> | string): Promise<TestSecrets> {
  const secretString = typeof secret === 'string' ? secret : JSON.stringify(secret);
  const secretsManager = await startSecretsManagerStandIn({ [TEST_SECRET_ID]: secretString });
  const restoreEnv = setSdkProcessEnv(SDK_PROCESS_VARIABLES);
  return {
    secretsManager,
    env: { ...SDK_PROCESS_VARIABLES, AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url, SECRET_ID: TEST_SECRET_ID },
    close: async () => {
      restoreEnv();
      await secretsManager.close();
    },
  };
}

export interface ProxiedRequest {
  method: string;
  /** Path and query as the client sent them. */
  path: string;
  authorization?: string;
  body: string;
  status: number;
  responseBody: string;
}

export interface RecordingProxy extends LoopbackServer {
  readonly requests: ReadonlyArray<ProxiedRequest>;
  /** access_token values of the 200 answers that passed through. */
  readonly issuedTokens: ReadonlyArray<string>;
  /** Accepts only `Bearer <a token issued through this proxy>`: for an upstream stand-in. */
  isIssued(authorization: string | undefined): boolean;
}

/**
 * Forwards every request to `targetOrigin` (a loopback server) and records it: counts
 * token requests to a server that does not count them itself, and keeps the tokens it
 * issued so an upstream stand-in can accept exactly those.
 */
export async function startRecordingProxy(targetOrigin: string): Promise<RecordingProxy> {
  const requests: ProxiedRequest[] = [];
  const issuedTokens: string[] = [];
  const server = await startLoopbackServer(async ({ method, url, headers, body }) => {
    const forwarded: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'accept']) {
      const value = headers[name];
      if (typeof value === 'string') forwarded[name] = value;
    }
    const path = url.pathname + url.search;
    const response = await request(new URL(path, targetOrigin), {
      method: method as 'GET' | 'POST',
      // As a reverse proxy does: the CXone stand-in then names this proxy as the issuer.
      headers: { ...forwarded, ...(typeof headers.host === 'string' && { 'x-forwarded-host': headers.host }) },
      ...(method !== 'GET' && method !== 'HEAD' && { body }),
    });
    const responseBody = await response.body.text();
    requests.push({ method, path, ...(forwarded.authorization && { authorization: forwarded.authorization }), body, status: response.statusCode, responseBody });
    if (response.statusCode === 200) {
      try {
        const token = (JSON.parse(responseBody) as { access_token?: unknown }).access_token;
        if (typeof token === 'string') issuedTokens.push(token);
      } catch {
        // Not a token response (a discovery document, an HTML page): nothing to record.
      }
    }
    const contentType = response.headers['content-type'];
    const replyHeaders: Record<string, string> = typeof contentType === 'string' ? { 'content-type': contentType } : {};
    return { status: response.statusCode, headers: replyHeaders, body: responseBody };
  });
  return {
    ...server,
    requests,
    issuedTokens,
    isIssued: (authorization) =>
      authorization !== undefined && authorization.startsWith('Bearer ') && issuedTokens.includes(authorization.slice('Bearer '.length)),
  };
}

import { randomBytes } from 'node:crypto';
import { json, startLoopbackServer, type LoopbackRequest, type LoopbackServer } from './loopbackServer';

/**
 * A loopback OAuth 2.0 token endpoint (RFC 6749 §4.4 client_credentials) for the sandbox
 * and tests. It authenticates clients as a strict server does: Basic credentials are
 * form-urldecoded (§2.3.1) and compared byte for byte, so whitespace left in a secret fails
 * exactly as it does in production.
 */

export interface StandInClient {
  clientId: string;
  clientSecret: string;
}

export interface TokenEndpointStandIn extends LoopbackServer {
  tokenUrl: string;
  readonly requests: number;
  /** Client ids as the server decoded them, one per request: shows what reached the wire. */
  readonly presentedClients: ReadonlyArray<StandInClient | undefined>;
  isValid(authorization: string | undefined): boolean;
  /** Replaces the registered clients, as a rotation on the authorization server would. */
  setClients(clients: StandInClient[]): void;
  /** Makes every token issued so far invalid (the upstream then answers 401). */
  revokeIssuedTokens(): void;
  setLifetimeSeconds(seconds: number | undefined): void;
}

const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));

function presentedClient(request: LoopbackRequest, form: URLSearchParams): StandInClient | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
  }
  const clientId = form.get('client_id');
  const clientSecret = form.get('client_secret');
  return clientId !== null && clientSecret !== null ? { clientId, clientSecret } : undefined;
}

export async function startTokenEndpointStandIn(
  clients: StandInClient[],
  options: { lifetimeSeconds?: number } = {},
): Promise<TokenEndpointStandIn> {
  let registered = clients;
  let lifetimeSeconds = options.lifetimeSeconds;
  let requests = 0;
  const presented: Array<StandInClient | undefined> = [];
  const valid = new Set<string>();

  const server = await startLoopbackServer((request) => {
    if (request.method !== 'POST' || request.url.pathname !== '/oauth/token') return json(404, { error: 'not_found' });
    requests++;
    const form = new URLSearchParams(request.body);
    const client = presentedClient(request, form);
    presented.push(client);
    const known = registered.some((c) => c.clientId === client?.clientId && c.clientSecret === client?.clientSecret);
    if (!known) {
      return json(401, { error: 'invalid_client', error_description: 'Client authentication failed' }, { 'www-authenticate': 'Basic realm="token"' });
    }
    if (form.get('grant_type') !== 'client_credentials') return json(400, { error: 'unsupported_grant_type' });
    const token = `sandbox-at-${randomBytes(16).toString('hex')}`;
    valid.add(token);
    return json(200, { access_token: token, token_type: 'Bearer', ...(lifetimeSeconds !== undefined && { expires_in: lifetimeSeconds }) }, {
      'cache-control': 'no-store',
    });
  });

  return {
    ...server,
    tokenUrl: `${server.url}/oauth/token`,
    get requests() {
      return requests;
    },
    presentedClients: presented,
    isValid: (authorization) => authorization?.startsWith('Bearer ') === true && valid.has(authorization.slice(7)),
    setClients: (next) => {
      registered = next;
    },
    revokeIssuedTokens: () => valid.clear(),
    setLifetimeSeconds: (seconds) => {
      lifetimeSeconds = seconds;
    },
  };
}

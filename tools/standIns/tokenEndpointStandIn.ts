import { randomBytes } from 'node:crypto';
import { json, startLoopbackServer, type LoopbackReply, type LoopbackRequest, type LoopbackServer } from './loopbackServer';

/**
 * A loopback OAuth 2.0 token endpoint for the sandbox and tests, in the request and
 * response shapes of each platform:
 * - oauth2: `POST /oauth/token`, RFC 6749 §4.4 client_credentials, errors per §5.2;
 * - genesys-cloud: `POST /oauth/token` as login.<region> answers (Basic client
 *   authentication, `token_type: "bearer"`, 86,399 s, errors with `description`);
 * - nice-cxone: OpenID discovery, `POST /auth/token` with the access-key flow (password
 *   grant, application client in the Basic header) answering, when the scope holds `openid`
 *   as OpenID Connect requires (Core 1.0 §3.1.2.1), with an id_token that names the tenant,
 *   and `cxone-configuration` per tenant.
 * It authenticates clients as a strict server does: Basic credentials are form-urldecoded
 * (§2.3.1) and compared byte for byte, so whitespace left in a secret fails as in production.
 */

export interface StandInClient {
  clientId: string;
  clientSecret: string;
}

export interface StandInAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
}

export type StandInFlavour = 'oauth2' | 'genesys-cloud' | 'nice-cxone';

export interface TokenEndpointOptions {
  flavour?: StandInFlavour;
  lifetimeSeconds?: number;
  /** nice-cxone: access keys accepted by the password grant. */
  accessKeys?: StandInAccessKey[];
  /** Client authentication methods the server accepts (RFC 6749 §2.3.1); default both. */
  clientAuth?: ReadonlyArray<'basic' | 'post'>;
  /** `raw`: a non-conforming server that does not form-urldecode Basic credentials. */
  basicDecoding?: 'form-urlencoded' | 'raw';
  /** When set, any other requested scope is invalid_scope. */
  allowedScopes?: string[];
  /** Grants the server offers; default client_credentials (password only for nice-cxone, as NICE offers back-end apps). */
  grants?: string[];
  /** nice-cxone: the api_endpoint cxone-configuration returns for every tenant. */
  apiEndpoint?: string;
  /** nice-cxone: the tenantId claim of the id_token issued with each token requested with scope openid. */
  tenantId?: string;
  /** Shifts the server's Date header, to reproduce clock skew. */
  clockOffsetMs?: number;
  /** Delays every answer, to stand in for a remote server. */
  latencyMs?: number;
}

export interface TokenEndpointStandIn extends LoopbackServer {
  tokenUrl: string;
  /** Token requests answered (discovery requests are counted apart). */
  readonly requests: number;
  readonly discoveryRequests: number;
  /** Client credentials as the server decoded them, one per token request: shows what reached the wire. */
  readonly presentedClients: ReadonlyArray<StandInClient | undefined>;
  /** Form parameters of each token request, secrets included (tests only). */
  readonly forms: ReadonlyArray<URLSearchParams>;
  isValid(authorization: string | undefined): boolean;
  /** Replaces the registered clients, as a rotation on the authorization server would. */
  setClients(clients: StandInClient[]): void;
  /** Makes every token issued so far invalid (the upstream then answers 401). */
  revokeIssuedTokens(): void;
  setLifetimeSeconds(seconds: number | undefined): void;
}

const TOKEN_PATH: Record<StandInFlavour, string> = { oauth2: '/oauth/token', 'genesys-cloud': '/oauth/token', 'nice-cxone': '/auth/token' };

function oauthError(flavour: StandInFlavour, status: number, error: string, description: string): LoopbackReply {
  if (flavour === 'genesys-cloud') return json(status, { error, description, error_description: description });
  if (flavour === 'nice-cxone') return json(status, { error, errorDescription: description });
  return json(status, { error, error_description: description });
}

/** The tenant the nice-cxone stand-in's id_token names unless told otherwise. */
export const SANDBOX_ID_TOKEN_TENANT = '11eb0000-aaaa-4bbb-8ccc-000000000042';

/** A JWT-shaped id_token (RS256 header, claims, a random stand-in signature), as CXone returns one. */
function idTokenOf(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ ...claims, iat: now, exp: now + 3_600 })}.${randomBytes(32).toString('base64url')}`;
}

export async function startTokenEndpointStandIn(clients: StandInClient[], options: TokenEndpointOptions = {}): Promise<TokenEndpointStandIn> {
  const flavour = options.flavour ?? 'oauth2';
  const clientAuth = options.clientAuth ?? ['basic', 'post'];
  const grants = options.grants ?? (flavour === 'nice-cxone' ? ['password'] : ['client_credentials']);
  const decode = options.basicDecoding === 'raw' ? (value: string) => value : (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  let registered = clients;
  let lifetimeSeconds = options.lifetimeSeconds ?? (flavour === 'genesys-cloud' ? 86_399 : flavour === 'nice-cxone' ? 3_600 : undefined);
  let requests = 0;
  let discoveryRequests = 0;
  const presented: Array<StandInClient | undefined> = [];
  const forms: URLSearchParams[] = [];
  const valid = new Set<string>();
  let baseUrl = '';

  function presentedClient(request: LoopbackRequest, form: URLSearchParams): StandInClient | undefined {
    const header = request.headers.authorization;
    if (header?.startsWith('Basic ') && clientAuth.includes('basic')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return undefined;
      return { clientId: decode(decoded.slice(0, colon)), clientSecret: decode(decoded.slice(colon + 1)) };
    }
    const clientId = form.get('client_id');
    const clientSecret = form.get('client_secret');
    return clientId !== null && clientSecret !== null && clientAuth.includes('post') ? { clientId, clientSecret } : undefined;
  }

  function token(request: LoopbackRequest): LoopbackReply {
    requests++;
    const form = new URLSearchParams(request.body);
    forms.push(form);
    const client = presentedClient(request, form);
    presented.push(client);
    const known = registered.some((c) => c.clientId === client?.clientId && c.clientSecret === client?.clientSecret);
    if (!known) return oauthError(flavour, flavour === 'genesys-cloud' ? 400 : 401, 'invalid_client', 'authentication failed');
    const grant = form.get('grant_type') ?? '';
    if (!grants.includes(grant)) return oauthError(flavour, 400, 'unsupported_grant_type', `grant ${grant} is not offered`);
    if (grant === 'password') {
      const ok = (options.accessKeys ?? []).some((key) => key.accessKeyId === form.get('username') && key.accessKeySecret === form.get('password'));
      if (!ok) return oauthError(flavour, 400, 'invalid_grant', 'invalid access key');
    }
    const scope = form.get('scope');
    if (scope && options.allowedScopes && scope.split(' ').some((s) => !options.allowedScopes!.includes(s))) {
      return oauthError(flavour, 400, 'invalid_scope', 'scope not allowed for this client');
    }
    const accessToken = `sandbox-at-${randomBytes(16).toString('hex')}`;
    valid.add(accessToken);
    const tokenType = flavour === 'genesys-cloud' ? 'bearer' : 'Bearer';
    const openId = flavour === 'nice-cxone' && scope?.split(' ').includes('openid');
    const idToken = openId ? { id_token: idTokenOf({ iss: baseUrl, sub: `user:${form.get('username') ?? ''}`, tenantId: options.tenantId ?? SANDBOX_ID_TOKEN_TENANT }) } : {};
    return json(200, { access_token: accessToken, token_type: tokenType, ...(lifetimeSeconds !== undefined && { expires_in: lifetimeSeconds }), ...idToken }, {
      'cache-control': 'no-store',
    });
  }

  function discovery(request: LoopbackRequest): LoopbackReply | undefined {
    if (flavour !== 'nice-cxone' || request.method !== 'GET') return undefined;
    if (request.url.pathname === '/.well-known/openid-configuration') {
      discoveryRequests++;
      // Behind a reverse proxy (the tests' recording and fault proxies), the issuer is the proxy's origin.
      const forwardedHost = request.headers['x-forwarded-host'];
      return json(200, {
        issuer: typeof forwardedHost === 'string' ? `http://${forwardedHost}` : baseUrl,
        token_endpoint: `${baseUrl}/auth/token`,
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
    }
    if (request.url.pathname === '/.well-known/cxone-configuration') {
      discoveryRequests++;
      const tenantId = request.url.searchParams.get('tenantId');
      if (!tenantId) return json(400, { error: 'tenantId is required' });
      return json(200, { private: false, area: 'na1', domain: 'niceincontact.com', api_endpoint: options.apiEndpoint ?? baseUrl, tenantId });
    }
    return undefined;
  }

  const server = await startLoopbackServer((request) => {
    const reply =
      discovery(request) ??
      (request.method === 'POST' && request.url.pathname === TOKEN_PATH[flavour] ? token(request) : json(404, { error: 'not_found' }));
    if (options.clockOffsetMs !== undefined) reply.headers = { ...reply.headers, date: new Date(Date.now() + options.clockOffsetMs).toUTCString() };
    return reply;
  }, options.latencyMs);
  baseUrl = server.url;

  return {
    ...server,
    tokenUrl: `${server.url}${TOKEN_PATH[flavour]}`,
    get requests() {
      return requests;
    },
    get discoveryRequests() {
      return discoveryRequests;
    },
    presentedClients: presented,
    forms,
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

import { actionEnvPrefix, type AnyAction } from '../../lib/runtime/action';
import { ACTIONS } from '../../lib/actions';
import { STAND_INS } from '../../lib/actions/standIns';
import type { AuthPlatform } from '../../lib/auth/platforms/profile';
import { firstRoute, PLATFORM_CORRELATION_HEADERS, startApiStandIn, type ApiRoute, type ApiStandIn, type IsAuthorized } from '../standIns/apiStandIn';
import { startSecretsManagerStandIn, type SecretsManagerStandIn } from '../standIns/secretsManagerStandIn';
import { startTokenEndpointStandIn, type StandInClient, type TokenEndpointStandIn } from '../standIns/tokenEndpointStandIn';

/**
 * The local sandbox (docs/design.md §11): loopback stand-ins for Secrets Manager, the token endpoint
 * and the upstream API, and the environment that points the real handlers at them.
 * No AWS account is needed. Each platform has one token endpoint, one secret and one API
 * stand-in serving the routes of every action on that platform (each action folder's
 * standIn.ts); each action's environment points at its platform's stand-ins.
 */

export const SANDBOX_SECRET_ID = 'data-action-bridge/sandbox';
export const SANDBOX_CLIENT: StandInClient = { clientId: 'sandbox-client', clientSecret: 'sandbox+secret/with=special:chars%~ü' };
/** What an integrator pasted into the console: a trailing newline, which hygiene removes with a warning. */
export const SANDBOX_SECRET_STRING = JSON.stringify({ clientId: SANDBOX_CLIENT.clientId, clientSecret: `${SANDBOX_CLIENT.clientSecret}\n` });

/** The Genesys Cloud and CXone platforms' clients and secrets. */
export const SANDBOX_GENESYS_SECRET_ID = 'data-action-bridge/sandbox-genesys';
export const SANDBOX_GENESYS_CLIENT: StandInClient = { clientId: '1e5b3c7a-genesys-oauth-client', clientSecret: 'GenesysSandboxSecret_0123456789abcdef' };
export const SANDBOX_CXONE_SECRET_ID = 'data-action-bridge/sandbox-cxone';
export const SANDBOX_CXONE_CLIENT: StandInClient = { clientId: 'sandbox-cxone-app@example', clientSecret: 'CxoneAppSecret+/=' };
export const SANDBOX_CXONE_ACCESS_KEY = { accessKeyId: 'AKSANDBOXCXONE0001', accessKeySecret: 'c2FuZGJveC1hY2Nlc3Mta2V5LXNlY3JldA==' };
export const SANDBOX_CXONE_TENANT_ID = '11eb660f-4c6d-34a0-8733-0242ac110002';
/** The HTTP front's callers: two API keys (as during a rotation) and one HMAC key. */
export const SANDBOX_HTTP_AUTH_SECRET_ID = 'data-action-bridge/sandbox-http-callers';
export const SANDBOX_HTTP_KEYS = { apiKeys: ['sandbox-api-key-current-0001', 'sandbox-api-key-previous-0002'], hmacKeys: ['sandbox-hmac-key-0000000000001'] };

export interface PlatformStandIns {
  tokenEndpoint: TokenEndpointStandIn;
  api: ApiStandIn;
}

export interface Sandbox {
  secretsManager: SecretsManagerStandIn;
  tokenEndpoint: TokenEndpointStandIn;
  /** The API stand-in of the oauth2 platform's actions. */
  customerApi: ApiStandIn;
  genesys: PlatformStandIns;
  cxone: PlatformStandIns;
  /** Environment variables for the handlers (and `serverless invoke local`). */
  env: Record<string, string>;
  /** Requests the stand-ins answered, across all platforms. */
  counts(): SandboxCounts;
  close(): Promise<void>;
}

export interface SandboxCounts {
  secret: number;
  discovery: number;
  token: number;
  upstream: number;
}

export interface SandboxOptions {
  /** Delays of the Secrets Manager and token endpoint stand-ins, as remote services have (npm run bench). */
  secretLatencyMs?: number;
  tokenLatencyMs?: number;
  secretString?: string;
  clients?: StandInClient[];
  tokenLifetimeSeconds?: number;
  /** By action name: data its stand-in answers from instead of its folder's samples (ActionStandIn). */
  sampleData?: Readonly<Record<string, unknown>>;
}

/** The routes of every action on `platform` with a stand-in (lib/actions/<name>/standIn.ts), from `options.sampleData` where it has the action's. */
function routesOf(platform: AuthPlatform, options: SandboxOptions): ApiRoute[] {
  return ACTIONS.filter((action: AnyAction) => (action.platform ?? 'oauth2') === platform).flatMap((action) => {
    const standIn = STAND_INS[action.name];
    return standIn ? [standIn.route(options.sampleData?.[action.name])] : [];
  });
}

function startPlatformApi(platform: AuthPlatform, isAuthorized: IsAuthorized, options: SandboxOptions): Promise<ApiStandIn> {
  return startApiStandIn(isAuthorized, firstRoute(routesOf(platform, options)), PLATFORM_CORRELATION_HEADERS[platform]);
}

async function startGenesys(options: SandboxOptions): Promise<PlatformStandIns> {
  const tokenEndpoint = await startTokenEndpointStandIn([SANDBOX_GENESYS_CLIENT], { flavour: 'genesys-cloud', clientAuth: ['basic'] });
  return { tokenEndpoint, api: await startPlatformApi('genesys-cloud', tokenEndpoint.isValid, options) };
}

async function startCxone(options: SandboxOptions): Promise<PlatformStandIns> {
  const api = await startPlatformApi('nice-cxone', (authorization) => tokenEndpoint.isValid(authorization), options);
  const tokenEndpoint = await startTokenEndpointStandIn([SANDBOX_CXONE_CLIENT], {
    flavour: 'nice-cxone',
    accessKeys: [SANDBOX_CXONE_ACCESS_KEY],
    apiEndpoint: api.url,
  });
  return { tokenEndpoint, api };
}

/** Settings of one action only, as the HTTP front's function would carry them (lib/runtime/action.ts actionEnv). */
function scoped(actionName: string, variables: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [`${actionEnvPrefix(actionName)}${name}`, value]));
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const secretsManager = await startSecretsManagerStandIn({
    [SANDBOX_SECRET_ID]: options.secretString ?? SANDBOX_SECRET_STRING,
    [SANDBOX_GENESYS_SECRET_ID]: JSON.stringify(SANDBOX_GENESYS_CLIENT),
    [SANDBOX_CXONE_SECRET_ID]: JSON.stringify({ ...SANDBOX_CXONE_CLIENT, ...SANDBOX_CXONE_ACCESS_KEY, tenantId: SANDBOX_CXONE_TENANT_ID }),
    [SANDBOX_HTTP_AUTH_SECRET_ID]: JSON.stringify(SANDBOX_HTTP_KEYS),
  }, { latencyMs: options.secretLatencyMs });
  const tokenEndpoint = await startTokenEndpointStandIn(options.clients ?? [SANDBOX_CLIENT], {
    lifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    latencyMs: options.tokenLatencyMs,
  });
  const customerApi = await startPlatformApi('oauth2', tokenEndpoint.isValid, options);
  const genesys = await startGenesys(options);
  const cxone = await startCxone(options);
  const platformEnv: Record<AuthPlatform, Record<string, string>> = {
    oauth2: { SECRET_ID: SANDBOX_SECRET_ID, AUTH_PLATFORM: 'oauth2', TOKEN_URL: tokenEndpoint.tokenUrl, UPSTREAM_BASE_URL: customerApi.url },
    'genesys-cloud': {
      SECRET_ID: SANDBOX_GENESYS_SECRET_ID,
      AUTH_PLATFORM: 'genesys-cloud',
      GENESYS_REGION: 'mypurecloud.com',
      // The real endpoints would be https://login.mypurecloud.com/oauth/token and https://api.mypurecloud.com.
      TOKEN_URL: genesys.tokenEndpoint.tokenUrl,
      UPSTREAM_BASE_URL: genesys.api.url,
    },
    // The API base comes from tenant discovery, as in production.
    'nice-cxone': { SECRET_ID: SANDBOX_CXONE_SECRET_ID, AUTH_PLATFORM: 'nice-cxone', CXONE_ISSUER: cxone.tokenEndpoint.url, TOKEN_URL: '', UPSTREAM_BASE_URL: '' },
  };
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // Unprefixed: the oauth2 settings, as `serverless invoke local -f <an oauth2 action>` uses them.
    ...platformEnv.oauth2,
    HTTP_AUTH_SECRET_ID: SANDBOX_HTTP_AUTH_SECRET_ID,
    ...Object.assign({}, ...ACTIONS.filter((action) => (action.platform ?? 'oauth2') !== 'oauth2').map((action) => scoped(action.name, platformEnv[action.platform!]))),
  };
  return {
    secretsManager,
    tokenEndpoint,
    customerApi,
    genesys,
    cxone,
    env,
    counts: () => ({
      secret: secretsManager.requests,
      discovery: cxone.tokenEndpoint.discoveryRequests,
      token: tokenEndpoint.requests + genesys.tokenEndpoint.requests + cxone.tokenEndpoint.requests,
      upstream: customerApi.requests + genesys.api.requests + cxone.api.requests,
    }),
    close: async () => {
      const servers = [secretsManager, tokenEndpoint, customerApi, genesys.tokenEndpoint, genesys.api, cxone.tokenEndpoint, cxone.api];
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

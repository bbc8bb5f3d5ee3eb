import type { AnyAction } from '../../lib/runtime/action';
import type { AuthPlatform } from '../../lib/auth/platforms/profile';

/**
 * Where an action's credentials and API come from in a deployment: its connection. Actions
 * that name none share their platform's (the `secretId`, `tokenUrl`, … params for any OAuth 2.0
 * server; `genesysSecretId`, `genesysRegion` for Genesys Cloud; `cxoneSecretId`, `cxoneIssuer`,
 * … for NICE CXone). An action that names one (`connection: 'orders'`, `npm run new-action --
 * orderStatus --connection orders`) gets params of its own, prefixed with the connection's name
 * (`ordersSecretId`, `ordersTokenUrl`, `ordersOauthScope`, `ordersClientAuthMethod`,
 * `ordersUpstreamBaseUrl`, …), each with a default, so serverless.yml is not edited: an
 * integrator's second API has its own secret (and only its functions may read it), its own
 * token endpoint and its own token pool.
 */

export interface ConnectionDeploy {
  /** The connection's name: '' for a platform's shared one. */
  name: string;
  /** The param naming the Secrets Manager secret. */
  secretParam: string;
  /** The secret param as the template references it (with its default, for a named connection). */
  secretReference: string;
  /** The action's environment: literals and params. */
  env: Readonly<Record<string, string>>;
}

/** What a connection may be named: it prefixes its params (ordersSecretId). */
export const CONNECTION_NAME = /^[a-z][A-Za-z0-9]*$/;

interface Setting {
  variable: string;
  /** The shared connection's param; a named connection's is `<name><Param>`. */
  param: string;
  /** A named connection's default, when its own param is not given. */
  fallback: string;
}

/** Each platform's settings: fixed literals and params. */
const PLATFORM_SETTINGS: Record<AuthPlatform, { secretParam: string; literal: Record<string, string>; settings: Setting[] }> = {
  oauth2: {
    secretParam: 'secretId',
    literal: {},
    settings: [
      { variable: 'AUTH_PLATFORM', param: 'authPlatform', fallback: 'oauth2' },
      { variable: 'TOKEN_URL', param: 'tokenUrl', fallback: '' },
      { variable: 'OAUTH_SCOPE', param: 'oauthScope', fallback: '' },
      { variable: 'TOKEN_EXTRA_PARAMS', param: 'tokenExtraParams', fallback: '' },
      { variable: 'CLIENT_AUTH_METHOD', param: 'clientAuthMethod', fallback: 'client_secret_basic' },
      { variable: 'UPSTREAM_BASE_URL', param: 'upstreamBaseUrl', fallback: '' },
    ],
  },
  'genesys-cloud': {
    secretParam: 'genesysSecretId',
    literal: { AUTH_PLATFORM: 'genesys-cloud' },
    settings: [{ variable: 'GENESYS_REGION', param: 'genesysRegion', fallback: 'mypurecloud.com' }],
  },
  'nice-cxone': {
    secretParam: 'cxoneSecretId',
    literal: { AUTH_PLATFORM: 'nice-cxone' },
    settings: [
      { variable: 'CXONE_ISSUER', param: 'cxoneIssuer', fallback: 'https://cxone.niceincontact.com' },
      { variable: 'CXONE_TENANT_ID', param: 'cxoneTenantId', fallback: '' },
      { variable: 'CLIENT_AUTH_METHOD', param: 'cxoneClientAuthMethod', fallback: 'client_secret_basic' },
    ],
  },
};

/** A named connection's own param: orders + tokenUrl → ordersTokenUrl, orders + genesysRegion → ordersGenesysRegion. */
function ownParam(connection: string, param: string): string {
  return `${connection}${param[0]!.toUpperCase()}${param.slice(1)}`;
}

/** `${param:x}`, or with a default: `${param:x, 'default'}` (osls variable fallback). */
function paramReference(param: string, fallback?: string): string {
  return fallback === undefined ? `\${param:${param}}` : `\${param:${param}, '${fallback}'}`;
}

export function connectionOf(action: AnyAction): ConnectionDeploy {
  const platform = PLATFORM_SETTINGS[action.platform ?? 'oauth2'];
  const name = action.connection ?? '';
  if (name && !CONNECTION_NAME.test(name)) throw new Error(`${action.name}'s connection ${name} must be camelCase letters and digits (it prefixes params: ${name}SecretId)`);
  const env: Record<string, string> = { ...platform.literal };
  if (!name) {
    for (const setting of platform.settings) env[setting.variable] = paramReference(setting.param);
    return { name, secretParam: platform.secretParam, secretReference: paramReference(platform.secretParam), env };
  }
  for (const setting of platform.settings) {
    // A named oauth2 connection is an OAuth 2.0 server of its own: its platform is fixed, not a param.
    env[setting.variable] = setting.variable === 'AUTH_PLATFORM' ? setting.fallback : paramReference(ownParam(name, setting.param), setting.fallback);
  }
  const secretParam = ownParam(name, 'secretId');
  return { name, secretParam, secretReference: paramReference(secretParam, `data-action-bridge/${name}`), env };
}

import { startCustomerApiStandIn, type CustomerApiStandIn } from './customerApiStandIn';
import { startSecretsManagerStandIn, type SecretsManagerStandIn } from './secretsManagerStandIn';
import { startTokenEndpointStandIn, type StandInClient, type TokenEndpointStandIn } from './tokenEndpointStandIn';

/**
 * The local sandbox (SPEC §11): loopback stand-ins for Secrets Manager, the token endpoint
 * and the upstream API, and the environment that points the real handlers at them.
 * No AWS account is needed.
 */

export const SANDBOX_SECRET_ID = 'data-action-bridge/sandbox';
export const SANDBOX_CLIENT: StandInClient = { clientId: 'sandbox-client', clientSecret: 'sandbox+secret/with=special:chars%~ü' };
/** What an integrator pasted into the console: a trailing newline, which hygiene removes with a warning. */
export const SANDBOX_SECRET_STRING = JSON.stringify({ clientId: SANDBOX_CLIENT.clientId, clientSecret: `${SANDBOX_CLIENT.clientSecret}\n` });

export interface Sandbox {
  secretsManager: SecretsManagerStandIn;
  tokenEndpoint: TokenEndpointStandIn;
  customerApi: CustomerApiStandIn;
  /** Environment variables for the handlers (and `serverless invoke local`). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface SandboxOptions {
  secretString?: string;
  clients?: StandInClient[];
  tokenLifetimeSeconds?: number;
  customers?: Record<string, unknown[]>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const secretsManager = await startSecretsManagerStandIn({ [SANDBOX_SECRET_ID]: options.secretString ?? SANDBOX_SECRET_STRING });
  const tokenEndpoint = await startTokenEndpointStandIn(options.clients ?? [SANDBOX_CLIENT], {
    lifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
  });
  const customerApi = await startCustomerApiStandIn(tokenEndpoint.isValid, options.customers);
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SECRET_ID: SANDBOX_SECRET_ID,
    AUTH_PLATFORM: 'oauth2',
    TOKEN_URL: tokenEndpoint.tokenUrl,
    UPSTREAM_BASE_URL: customerApi.url,
  };
  return {
    secretsManager,
    tokenEndpoint,
    customerApi,
    env,
    close: async () => {
      await Promise.all([secretsManager.close(), tokenEndpoint.close(), customerApi.close()]);
    },
  };
}

import type { AuthPlatform } from '../config';
import type { Credentials } from '../auth/credentials';
import { Deadline } from '../deadline';
import { BridgeError } from '../errors';
import type { TokenGrant } from '../auth/tokenRequest';
import { GENESYS_REGION_DOMAINS, genesysTokenUrl, isGenesysRegion } from '../auth/platforms/genesysCloud';
import { CxoneDiscovery, requireCxoneAccessKey } from '../auth/platforms/niceCxone';
import { Cause, report, type Step } from './findings';
import { classifyNetworkError } from './networkFailure';
import type { HttpAgent } from '../httpClient';

export interface DoctorPlatformSettings {
  platform: AuthPlatform;
  tokenUrl?: string;
  genesysRegion?: string;
  cxoneIssuer: string;
  timeoutMs: number;
  agent: HttpAgent;
}

export interface DoctorEndpoint {
  tokenUrl: string;
  grant: TokenGrant;
}

async function discoverCxoneTokenUrl(settings: DoctorPlatformSettings, target: Step): Promise<string | undefined> {
  try {
    const tokenUrl = await new CxoneDiscovery(settings.agent, settings.cxoneIssuer).tokenEndpoint(Deadline.after(settings.timeoutMs));
    target.details.push(`discovered from ${settings.cxoneIssuer}/.well-known/openid-configuration`);
    return tokenUrl;
  } catch (error) {
    const failure = classifyNetworkError(error, new URL(settings.cxoneIssuer).host);
    if (failure) report(target, 'fail', failure.cause, `CXone discovery: ${failure.message}`);
    else if (error instanceof BridgeError) report(target, 'fail', Cause.DISCOVERY_FAILED, error.message);
    else throw error;
    return undefined;
  }
}

/** Step 2: which token endpoint and grant the platform settings lead to. */
export async function resolveDoctorEndpoint(settings: DoctorPlatformSettings, credentials: Credentials, secretSource: string, target: Step): Promise<DoctorEndpoint | undefined> {
  target.details.push(`platform: ${settings.platform}`);
  let tokenUrl = settings.tokenUrl;
  let grant: TokenGrant = 'client_credentials';
  if (settings.platform === 'genesys-cloud') {
    const region = settings.genesysRegion;
    if (!region || !isGenesysRegion(region)) {
      report(target, 'fail', Cause.GENESYS_UNKNOWN_REGION, `GENESYS_REGION ${region ?? '(unset)'} is not a Genesys Cloud region; use one of ${GENESYS_REGION_DOMAINS.join(', ')}`);
      return undefined;
    }
    tokenUrl ??= genesysTokenUrl(region);
  }
  if (settings.platform === 'nice-cxone') {
    // The "you're mixing platforms" answer made precise: a client id and secret alone cannot get a CXone back-end token.
    try {
      requireCxoneAccessKey(credentials, secretSource);
    } catch (error) {
      report(target, 'fail', Cause.CXONE_ACCESS_KEY_MISSING, (error as Error).message);
      return undefined;
    }
    tokenUrl ??= await discoverCxoneTokenUrl(settings, target);
    grant = 'password';
    target.details.push('grant: password (access key in the secret)');
  }
  if (!tokenUrl) {
    if (target.status !== 'fail') report(target, 'fail', Cause.NOT_A_TOKEN_ENDPOINT, 'no token URL: set TOKEN_URL (--token-url)');
    return undefined;
  }
  target.details.push(`token URL: ${tokenUrl}`);
  return { tokenUrl, grant };
}

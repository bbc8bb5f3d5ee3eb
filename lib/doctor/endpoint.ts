import type { Credentials } from '../auth/credentials';
import { GENESYS_REGION_DOMAINS, isGenesysRegion } from '../auth/platforms/genesysCloud';
import { createPlatformProfile, type AuthPlatform } from '../auth/platforms/profile';
import type { ClientAuthMethod } from '../auth/clientAuth';
import type { TokenRequestSettings } from '../auth/tokenRequest';
import { Deadline } from '../http/deadline';
import { logger } from '../base/logger';
import { BridgeError, ErrorCode, SecretError } from '../base/errors';
import type { HttpAgent } from '../http/httpClient';
import { Cause, report, type Step } from './findings';
import { classifyNetworkError } from './networkFailure';

export interface DoctorPlatformSettings {
  platform: AuthPlatform;
  tokenUrl?: string;
  genesysRegion?: string;
  cxoneIssuer: string;
  /** CXONE_TENANT_ID: with none (nor a tenantId in the secret), the token request asks for openid. */
  cxoneTenantId?: string;
  authMethod: ClientAuthMethod;
  scope?: string;
  extraParams?: Readonly<Record<string, string>>;
  /** Time allowed for each network step. */
  timeoutMs: number;
  agent: HttpAgent;
}

/** What resolution failed on, as a doctor cause: a network failure, an unusable discovery, a CXone secret without an access key. */
function reportResolutionFailure(error: unknown, settings: DoctorPlatformSettings, target: Step): void {
  const issuer = new URL(settings.cxoneIssuer);
  const failure = settings.platform === 'nice-cxone' ? classifyNetworkError(error, issuer.host, settings.agent.proxyFor?.(issuer)) : undefined;
  if (failure) report(target, 'fail', failure.cause, `CXone discovery: ${failure.message}`);
  else if (error instanceof SecretError && error.code === ErrorCode.SECRET_INVALID) report(target, 'fail', Cause.CXONE_ACCESS_KEY_MISSING, error.message);
  else if (error instanceof BridgeError) report(target, 'fail', Cause.DISCOVERY_FAILED, error.message);
  else throw error;
}

/**
 * Step 2: which token endpoint and grant the platform settings lead to — the bridge's own
 * resolution (lib/auth/platforms/profile.ts), so the doctor tries exactly what a deployed
 * function would.
 */
export async function resolveDoctorEndpoint(settings: DoctorPlatformSettings, credentials: Credentials, secretSource: string, target: Step): Promise<TokenRequestSettings | undefined> {
  target.details.push(`platform: ${settings.platform}`);
  const region = settings.genesysRegion;
  if (settings.platform === 'genesys-cloud' && (!region || !isGenesysRegion(region))) {
    report(target, 'fail', Cause.GENESYS_UNKNOWN_REGION, `GENESYS_REGION ${region ?? '(unset)'} is not a Genesys Cloud region; use one of ${GENESYS_REGION_DOMAINS.join(', ')}`);
    return undefined;
  }
  if (settings.platform === 'oauth2' && !settings.tokenUrl) {
    report(target, 'fail', Cause.NOT_A_TOKEN_ENDPOINT, 'no token URL: set TOKEN_URL (--token-url)');
    return undefined;
  }
  const profile = createPlatformProfile(
    {
      secretId: secretSource,
      authPlatform: settings.platform,
      ...(settings.tokenUrl && { tokenUrl: settings.tokenUrl }),
      ...(region && isGenesysRegion(region) && { genesysRegion: region }),
      cxoneIssuer: settings.cxoneIssuer,
      ...(settings.cxoneTenantId && { cxoneTenantId: settings.cxoneTenantId }),
      clientAuthMethod: settings.authMethod,
      ...(settings.scope && { scope: settings.scope }),
      ...(settings.extraParams && { tokenExtraParams: settings.extraParams }),
    },
    settings.agent,
  );
  let resolved: TokenRequestSettings;
  try {
    resolved = await profile.tokenSettings(credentials, Deadline.after(settings.timeoutMs, logger));
  } catch (error) {
    reportResolutionFailure(error, settings, target);
    return undefined;
  }
  if (settings.platform === 'nice-cxone') {
    if (!settings.tokenUrl) target.details.push(`discovered from ${settings.cxoneIssuer}/.well-known/openid-configuration`);
    target.details.push('grant: password (access key in the secret)');
  }
  target.details.push(`token URL: ${resolved.tokenUrl}`);
  return resolved;
}

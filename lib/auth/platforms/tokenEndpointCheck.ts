import type { AuthPlatform } from './profile';
import { genesysRegionOfHost, genesysTokenUrl, isGenesysRegion } from './genesysCloud';

/**
 * Recognises token URLs that cannot work: the Genesys Cloud API host instead of the login
 * host (`api.mypurecloud.com/api/v2/oauth/token`), another region's login host, or one
 * platform's endpoint configured for the other. Used by configuration (a bad URL never
 * reaches the network) and by `doctor` (which explains it).
 */

export type EndpointMistake = 'GENESYS_API_HOST' | 'GENESYS_REGION_MISMATCH' | 'GENESYS_HOST_FOR_CXONE' | 'CXONE_HOST_FOR_GENESYS';

export interface EndpointFinding {
  mistake: EndpointMistake;
  message: string;
  /** The token URL that would be right, when it is known. */
  suggestion?: string;
}

export interface EndpointSettings {
  platform: AuthPlatform;
  tokenUrl: string;
  genesysRegion?: string;
}

const CXONE_HOST = /(^|\.)(niceincontact\.com|nice-incontact\.com|nicecxone-gov\.com|nicecxone-sov1\.[a-z]+)$/i;

export function checkTokenEndpoint({ platform, tokenUrl, genesysRegion }: EndpointSettings): EndpointFinding[] {
  const url = new URL(tokenUrl);
  const host = url.hostname.toLowerCase();
  const hostRegion = genesysRegionOfHost(host);
  const region = genesysRegion && isGenesysRegion(genesysRegion) ? genesysRegion : hostRegion;
  const right = region ? genesysTokenUrl(region) : undefined;
  const findings: EndpointFinding[] = [];

  if (hostRegion && platform === 'nice-cxone') {
    findings.push({ mistake: 'GENESYS_HOST_FOR_CXONE', message: `${host} is a Genesys Cloud host, but AUTH_PLATFORM is nice-cxone` });
  }
  if (CXONE_HOST.test(host) && platform === 'genesys-cloud') {
    findings.push({
      mistake: 'CXONE_HOST_FOR_GENESYS',
      message: `${host} is a NICE CXone host, but AUTH_PLATFORM is genesys-cloud`,
      ...(right && { suggestion: right }),
    });
  }
  if (hostRegion && !host.startsWith('login.')) {
    // Suggest the configured region's login host when there is one, so both findings agree.
    const suggestion = right ?? genesysTokenUrl(hostRegion);
    findings.push({
      mistake: 'GENESYS_API_HOST',
      message: `${host} is not the Genesys Cloud login host: tokens come from ${suggestion}, the API host only accepts them`,
      suggestion,
    });
  }
  if (platform === 'genesys-cloud' && hostRegion && genesysRegion && hostRegion !== genesysRegion) {
    findings.push({
      mistake: 'GENESYS_REGION_MISMATCH',
      message: `${host} belongs to region ${hostRegion}, but GENESYS_REGION is ${genesysRegion}; an OAuth client exists in one region only`,
      ...(right && { suggestion: right }),
    });
  }
  return findings;
}

/**
 * Genesys Cloud regions: the 18 of the platform SDKs' region table
 * (MyPureCloud/platform-client-sdk-javascript, build/src/purecloud-platform-client-v2/PureCloudRegionHosts.js). Each region domain has
 * a login host that issues tokens (`https://login.<domain>/oauth/token`) and an API host
 * (`https://api.<domain>/api/v2/...`). Posting to the API host is a common mistake.
 */
export const GENESYS_REGION_DOMAINS = [
  'mypurecloud.com',
  'mypurecloud.ie',
  'mypurecloud.com.au',
  'mypurecloud.jp',
  'mypurecloud.de',
  'usw2.pure.cloud',
  'cac1.pure.cloud',
  'apne2.pure.cloud',
  'euw2.pure.cloud',
  'aps1.pure.cloud',
  'sae1.pure.cloud',
  'mec1.pure.cloud',
  'apne3.pure.cloud',
  'euc2.pure.cloud',
  'mxc1.pure.cloud',
  'apse1.pure.cloud',
  'use2.us-gov-pure.cloud',
  'edee1.eusc-pure.cloud',
] as const;
export type GenesysRegion = (typeof GENESYS_REGION_DOMAINS)[number];

export function isGenesysRegion(value: string): value is GenesysRegion {
  return (GENESYS_REGION_DOMAINS as readonly string[]).includes(value);
}

export function genesysTokenUrl(region: GenesysRegion): string {
  return `https://login.${region}/oauth/token`;
}

export function genesysApiBaseUrl(region: GenesysRegion): string {
  return `https://api.${region}`;
}

/** The region a Genesys Cloud host (login., api., apps. …) belongs to, if it is one. */
export function genesysRegionOfHost(hostname: string): GenesysRegion | undefined {
  return GENESYS_REGION_DOMAINS.find((domain) => hostname === domain || hostname.endsWith(`.${domain}`));
}

/**
 * What `doctor` can recognise, by stable name: each cause of a failing token request that
 * docs/troubleshooting.md explains.
 */
export const Cause = {
  SECRET_NOT_LOADED: 'SECRET_NOT_LOADED',
  SECRET_WHITESPACE: 'SECRET_WHITESPACE',
  SECRET_INVALID: 'SECRET_INVALID',
  RAW_SECRET_REJECTED: 'RAW_SECRET_REJECTED',
  GENESYS_UNKNOWN_REGION: 'GENESYS_UNKNOWN_REGION',
  GENESYS_API_HOST: 'GENESYS_API_HOST',
  GENESYS_REGION_MISMATCH: 'GENESYS_REGION_MISMATCH',
  GENESYS_HOST_FOR_CXONE: 'GENESYS_HOST_FOR_CXONE',
  CXONE_HOST_FOR_GENESYS: 'CXONE_HOST_FOR_GENESYS',
  DISCOVERY_FAILED: 'DISCOVERY_FAILED',
  CXONE_ACCESS_KEY_MISSING: 'CXONE_ACCESS_KEY_MISSING',
  CXONE_TENANT_UNKNOWN: 'CXONE_TENANT_UNKNOWN',
  DNS_FAILURE: 'DNS_FAILURE',
  CONNECT_FAILURE: 'CONNECT_FAILURE',
  TLS_FAILURE: 'TLS_FAILURE',
  TIMEOUT: 'TIMEOUT',
  NOT_A_TOKEN_ENDPOINT: 'NOT_A_TOKEN_ENDPOINT',
  TOKEN_REJECTED: 'TOKEN_REJECTED',
  AUTH_METHOD: 'AUTH_METHOD',
  ENCODING: 'ENCODING',
  SCOPE_REJECTED: 'SCOPE_REJECTED',
  CLOCK_SKEW: 'CLOCK_SKEW',
  UPSTREAM_REJECTED_TOKEN: 'UPSTREAM_REJECTED_TOKEN',
  UPSTREAM_FORBIDDEN: 'UPSTREAM_FORBIDDEN',
  UPSTREAM_UNREACHABLE: 'UPSTREAM_UNREACHABLE',
  /** Egress proxies (lib/http/proxy/): the proxy wants credentials (407), refuses the host, resets, cannot be reached, or strips Authorization. */
  PROXY_AUTH_REQUIRED: 'PROXY_AUTH_REQUIRED',
  PROXY_REFUSED: 'PROXY_REFUSED',
  PROXY_RESET: 'PROXY_RESET',
  PROXY_UNREACHABLE: 'PROXY_UNREACHABLE',
  PROXY_STRIPPED_AUTHORIZATION: 'PROXY_STRIPPED_AUTHORIZATION',
  CLIENT_CERT_INVALID: 'CLIENT_CERT_INVALID',
  CLIENT_CERT_EXPIRING: 'CLIENT_CERT_EXPIRING',
  CLIENT_CERT_REFUSED: 'CLIENT_CERT_REFUSED',
  // Only the production doctor (lib/doctor/production/) sees these: the function's role, its secret's versions, its network path.
  CONFIG_INVALID: 'CONFIG_INVALID',
  SECRET_NOT_FOUND: 'SECRET_NOT_FOUND',
  SECRET_ACCESS_DENIED: 'SECRET_ACCESS_DENIED',
  SECRET_KMS_DENIED: 'SECRET_KMS_DENIED',
  SECRET_DESCRIBE_DENIED: 'SECRET_DESCRIBE_DENIED',
  SECRET_ROTATION_PENDING: 'SECRET_ROTATION_PENDING',
  NETWORK_NO_ROUTE: 'NETWORK_NO_ROUTE',
  TLS_INSPECTED: 'TLS_INSPECTED',
} as const;
export type Cause = (typeof Cause)[keyof typeof Cause];

export type StepStatus = 'ok' | 'warn' | 'fail' | 'skipped';

export interface Finding {
  cause: Cause;
  message: string;
}

export interface Step {
  name: string;
  status: StepStatus;
  /** Facts worth printing: fingerprints, URLs, status codes. Never a secret or token. */
  details: string[];
  findings: Finding[];
}

export function step(name: string): Step {
  return { name, status: 'ok', details: [], findings: [] };
}

/** Records a finding and lowers the step's status to at least `status`. */
export function report(target: Step, status: 'warn' | 'fail', cause: Cause, message: string): void {
  target.findings.push({ cause, message });
  if (target.status !== 'fail') target.status = status;
}

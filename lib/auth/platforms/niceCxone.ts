import * as z from 'zod';
import type { Deadline } from '../../http/deadline';
import type { Credentials } from '../credentials';
import { BridgeError, ErrorCode, SecretError, TokenError, UpstreamError } from '../../base/errors';
import { correlationIdOf, parseJsonBody } from '../../http/http';
import { sendWithRetries } from '../../http/retry';
import { SharedCache } from '../sharedCache';
import { endpointUrlProblem, joinUrl } from '../../base/url';
import type { HttpAgent } from '../../http/httpClient';

/**
 * NICE CXone discovery (CXone "global authentication service"): the token endpoint comes
 * from OpenID discovery at `<issuer>/.well-known/openid-configuration`, and a tenant's API
 * base URL from `<issuer>/.well-known/cxone-configuration?tenantId=<id>` (`api_endpoint`).
 * Both documents are fetched once per container; a failed fetch is not cached.
 */

const DISCOVERY_MAX_BYTES = 262_144;

/**
 * NICE's CXone issuers, by area: what NICE's own Agent SDK picks from
 * (nice-devone/nice-cxone-agent-sdk, dist/shared-apps-lib/index.js, getCXoneSystemIssuer).
 * Any other https issuer is accepted too (test and partner environments).
 */
export const CXONE_ISSUERS = {
  'https://cxone.niceincontact.com': 'global (commercial areas)',
  'https://cxone-gov.niceincontact.com': 'FedRAMP (area na2)',
  'https://nicecxone-sov1.au': 'Australia sovereign',
  'https://nicecxone-sov1.eu': 'EU sovereign',
  'https://nicecxone-sov1.uk': 'UK sovereign',
} as const;

/**
 * NICE's authentication guide (developer.niceincontact.com, API Authentication and
 * Authorization): "Back-end apps must set up standard OAuth2.0 authentication with a password
 * grant type", an API user's access key id and secret as username and password;
 * client_credentials is not offered to them. A secret without the access key therefore
 * cannot work, and says which keys to add instead of failing at the token endpoint.
 */
export function requireCxoneAccessKey(credentials: Credentials, secretId: string): void {
  if (credentials.accessKeyId && credentials.accessKeySecret) return;
  const missing = [!credentials.accessKeyId && 'accessKeyId', !credentials.accessKeySecret && 'accessKeySecret'].filter(Boolean).join(' and ');
  throw new SecretError(
    ErrorCode.SECRET_INVALID,
    `secret ${secretId} has no ${missing}: NICE CXone back-end applications authenticate with an API user's access key ` +
      '(password grant) and are not offered client_credentials. Add accessKeyId and accessKeySecret next to the application\'s clientId and clientSecret',
  );
}

/** Where the tenant whose API base URL is discovered came from (lib/auth/platforms/profile.ts, the doctor). */
export interface CxoneTenant {
  id: string;
  from: 'CXONE_TENANT_ID' | "the secret's tenantId" | 'the id_token';
}

/** CXONE_TENANT_ID, else the secret's tenantId key, else the tenant the token's id_token names (when a token is given). */
export function cxoneTenantOf(configuredId: string | undefined, credentials: Credentials, token?: { tenantId?: string }): CxoneTenant | undefined {
  if (configuredId) return { id: configuredId, from: 'CXONE_TENANT_ID' };
  const fromSecret = credentials.extra.tenantId;
  if (typeof fromSecret === 'string' && fromSecret.trim()) return { id: fromSecret.trim(), from: "the secret's tenantId" };
  return token?.tenantId ? { id: token.tenantId, from: 'the id_token' } : undefined;
}

/**
 * The scope to request when no tenant is configured: the given one plus `openid`, so the
 * token response carries an id_token whose claims name the tenant. OpenID Connect Core 1.0
 * §3.1.2.1: "OpenID Connect requests MUST contain the openid scope value"; without it an
 * id_token is not to be expected. That CXone's password grant follows this is an assumption
 * (NICE documents no response fields for it; its Agent SDK sends scope=openid on every token
 * request it makes and reads the id_token: nice-devone/nice-cxone-agent-sdk,
 * dist/auth-sdk/src/lib/cxone-auth.js).
 */
export function scopeWithOpenId(scope: string | undefined): string {
  const scopes = scope ? scope.split(/\s+/) : [];
  return scopes.includes('openid') ? scopes.join(' ') : [...scopes, 'openid'].join(' ');
}

const secureUrl = (field: string) =>
  z.string({ error: `${field} is missing` }).refine((url) => endpointUrlProblem(url) === undefined, `${field} must be an https:// URL`);

const OpenIdConfiguration = z.object({ issuer: z.string({ error: 'issuer is missing' }), token_endpoint: secureUrl('token_endpoint') });
const CxoneConfiguration = z.object({ api_endpoint: secureUrl('api_endpoint') });

type Failure = new (code: ErrorCode, detail: string, options?: ConstructorParameters<typeof BridgeError>[2]) => BridgeError;

async function fetchDocument<T>(
  agent: HttpAgent,
  url: URL,
  schema: z.ZodType<T>,
  deadline: Deadline,
  errors: { Failure: Failure; unavailable: ErrorCode; invalid: ErrorCode; name: string },
): Promise<T> {
  const response = await sendWithRetries(
    agent,
    { method: 'GET', url, headers: { accept: 'application/json' }, step: errors.name, maxBodyBytes: DISCOVERY_MAX_BYTES },
    deadline,
    { idempotent: true, unreachable: (detail, cause) => new errors.Failure(errors.unavailable, `${errors.name}: could not reach ${url.host} (${detail})`, { cause }) },
  );
  const meta = { status: response.status, upstreamCorrelationId: correlationIdOf(response) };
  if (response.status !== 200) {
    const code = response.status === 429 || response.status >= 500 ? errors.unavailable : errors.invalid;
    throw new errors.Failure(code, `${errors.name} at ${url.href} answered HTTP ${response.status}; check CXONE_ISSUER`, meta);
  }
  const body = parseJsonBody(response, 'the discovery size limit');
  const parsed = body.ok ? schema.safeParse(body.json) : undefined;
  if (!parsed?.success) {
    const problem = body.ok ? (parsed?.error?.issues.map((issue) => issue.message).join('; ') ?? '') : body.problem;
    throw new errors.Failure(errors.invalid, `${errors.name} at ${url.href} is not usable: ${problem}`, meta);
  }
  return parsed.data;
}

export class CxoneDiscovery {
  /** The token endpoint under '', each tenant's API endpoint under tenant:<id>; both for the container's life. */
  readonly #documents = new SharedCache<string, string>();

  constructor(
    private readonly agent: HttpAgent,
    readonly issuer: string,
  ) {}

  async tokenEndpoint(deadline: Deadline): Promise<string> {
    return this.#documents.get('', 'CXone OpenID discovery', deadline, async (shared) => {
      const document = await fetchDocument(this.agent, joinUrl(this.issuer, '/.well-known/openid-configuration'), OpenIdConfiguration, shared, {
        Failure: TokenError,
        unavailable: ErrorCode.TOKEN_UNAVAILABLE,
        invalid: ErrorCode.TOKEN_INVALID_RESPONSE,
        name: 'CXone OpenID discovery',
      });
      // OpenID Connect Discovery 1.0 §4.3: the issuer in the document must be identical to the one it was fetched from.
      if (document.issuer !== this.issuer.replace(/\/+$/, '')) {
        // The document is remote text: its issuer is named only when it looks like a URL.
        const named = /^https?:\/\/[A-Za-z0-9.:/_-]{1,200}$/.test(document.issuer) ? `names the issuer ${document.issuer}` : 'names another issuer';
        throw new TokenError(
          ErrorCode.TOKEN_INVALID_RESPONSE,
          `CXone OpenID discovery at ${this.issuer} ${named}; set CXONE_ISSUER to exactly the issuer (OpenID Connect Discovery §4.3)`,
        );
      }
      return document.token_endpoint;
    });
  }

  /** The tenant's API base URL (`api_endpoint`, e.g. https://api-na1.niceincontact.com). */
  async apiEndpoint(tenantId: string, deadline: Deadline): Promise<string> {
    return this.#documents.get(`tenant:${tenantId}`, 'CXone tenant discovery', deadline, async (shared) => {
      const url = joinUrl(this.issuer, '/.well-known/cxone-configuration');
      url.searchParams.set('tenantId', tenantId);
      const document = await fetchDocument(this.agent, url, CxoneConfiguration, shared, {
        Failure: UpstreamError,
        unavailable: ErrorCode.UPSTREAM_ERROR,
        invalid: ErrorCode.UPSTREAM_INVALID_RESPONSE,
        name: 'CXone tenant discovery',
      });
      return document.api_endpoint;
    });
  }
}

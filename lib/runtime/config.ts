import * as z from 'zod';
import * as defaults from '../base/constants';
import { ConfigError, ErrorCode } from '../base/errors';
import { GENESYS_REGION_DOMAINS, isGenesysRegion, type GenesysRegion } from '../auth/platforms/genesysCloud';
import { AUTH_PLATFORMS, type AuthPlatform, type PlatformSettings } from '../auth/platforms/profile';
import { CLIENT_AUTH_METHODS, type ClientAuthMethod } from '../auth/clientAuth';
import { checkTokenEndpoint } from '../auth/platforms/tokenEndpointCheck';
import { endpointUrlProblem } from '../base/url';
import { parseCidr, type Cidr } from '../front/sourceAllowList';

/**
 * Configuration from environment variables (docs/design.md §4), parsed once per container by one
 * zod schema whose messages name the variable. A bad configuration is reported before any
 * network request, with one message naming every bad variable.
 */

const endpointUrl = z.string().trim().superRefine((value, ctx) => {
  const problem = endpointUrlProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
/**
 * A Secrets Manager secret name (1–512 of `A-Za-z0-9/_+=.@-`, per the GetSecretValue API
 * reference) or ARN. Anything else — typically the secret's JSON pasted into the variable —
 * is refused without echoing the value, which may be the very credentials.
 */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const secretId = (what: string) =>
  z
    .string({ error: `is required: ${what}` })
    .trim()
    .min(1, `is required: ${what}`)
    .refine(
      (value) => SECRET_NAME.test(value) || SECRET_ARN.test(value),
      'must be a Secrets Manager secret name or ARN (letters, digits and /_+=.@-), not the secret\'s value',
    );

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();
const wholeNumber = (minimum: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(minimum, `must be at least ${minimum}`);

/** Parameters a token request must not have overridden by configuration. */
const RESERVED_TOKEN_PARAMS = new Set(['grant_type', 'client_id', 'client_secret', 'username', 'password', 'scope']);

/** `audience=https://api.example.com&resource=…`: extra form parameters for the token request. */
const tokenExtraParams = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const params = Object.fromEntries(new URLSearchParams(text));
    for (const name of Object.keys(params)) {
      if (RESERVED_TOKEN_PARAMS.has(name)) ctx.addIssue({ code: 'custom', message: `must not set ${name} (the bridge sets it)` });
    }
    return params;
  })
  .optional();


/**
 * Every variable, for every front: the direct-invoke functions read the action fields, the
 * HTTPS front the HTTP_ fields (and each action's own through its container), the doctor
 * the token request fields. One schema, so a variable means the same everywhere.
 */
const EnvFields = z.object({
  SECRET_ID: secretId('the secret holding the client credentials'),
  SECRET_TTL_SECONDS: wholeNumber(0).default(defaults.SECRET_TTL_SECONDS),
  SECRET_STALE_SECONDS: wholeNumber(0).default(defaults.SECRET_STALE_SECONDS),
  AUTH_PLATFORM: z.enum(AUTH_PLATFORMS).default('oauth2'),
  TOKEN_URL: endpointUrl.optional(),
  GENESYS_REGION: optionalText,
  CXONE_ISSUER: z.string().trim().default(defaults.CXONE_DEFAULT_ISSUER),
  CXONE_TENANT_ID: optionalText,
  OAUTH_SCOPE: optionalText,
  TOKEN_EXTRA_PARAMS: tokenExtraParams,
  CLIENT_AUTH_METHOD: z.enum(CLIENT_AUTH_METHODS).default('client_secret_basic'),
  UPSTREAM_BASE_URL: endpointUrl.optional(),
  ACTION_TIMEOUT_MS: wholeNumber(1).optional(),
  DEADLINE_MARGIN_MS: wholeNumber(0).default(defaults.DEADLINE_MARGIN_MS),
  MAX_OUTPUT_BYTES: wholeNumber(2).default(defaults.MAX_OUTPUT_BYTES),
  MAX_UPSTREAM_BYTES: wholeNumber(1).default(defaults.MAX_UPSTREAM_BYTES),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  PREFETCH_ON_INIT: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  /** 0 turns the per-token budget off, also on genesys-cloud. */
  TOKEN_RATE_LIMIT_PER_MINUTE: wholeNumber(0).optional(),
  METRICS_NAMESPACE: z.string().trim().regex(/^[A-Za-z0-9._/#:-]{1,255}$/, 'must be a CloudWatch namespace (letters, digits and . _ / # : -)').default(defaults.METRICS_NAMESPACE),
  TOKEN_POOL_SIZE: wholeNumber(1).max(64, 'must be at most 64').default(defaults.TOKEN_POOL_SIZE),
});

const HttpFrontFields = z.object({
  HTTP_AUTH_SECRET_ID: secretId("the secret holding the callers' API keys or HMAC keys"),
  HTTP_MAX_BODY_BYTES: wholeNumber(1).default(defaults.HTTP_MAX_BODY_BYTES),
  HTTP_REPLAY_WINDOW_SECONDS: wholeNumber(1).default(defaults.HTTP_REPLAY_WINDOW_SECONDS),
  SECRET_TTL_SECONDS: EnvFields.shape.SECRET_TTL_SECONDS,
  SECRET_STALE_SECONDS: EnvFields.shape.SECRET_STALE_SECONDS,
  /** Comma-separated action names this function serves; default all. */
  HTTP_ACTIONS: z
    .string()
    .transform((names) => names.split(',').map((name) => name.trim()).filter(Boolean))
    .optional(),
  /** Comma-separated CIDR ranges callers must come from; unset: any address. */
  HTTP_ALLOWED_SOURCE_CIDRS: z
    .string()
    .transform((text, ctx) => {
      const items = text.split(',').map((entry) => entry.trim()).filter(Boolean);
      // Only commas would otherwise read as no list at all (any address): the opposite of what was meant.
      if (items.length === 0) ctx.addIssue({ code: 'custom', message: 'holds no CIDR range (leave it empty to accept any address)' });
      const cidrs: Cidr[] = [];
      for (const item of items) {
        const parsed = parseCidr(item);
        if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
        else cidrs.push(parsed);
      }
      return cidrs;
    })
    .optional(),
});

export type Issue = { path: string[]; message: string };

/**
 * Checks between variables. They run on whatever fields parsed, even when others did not,
 * so one message names every bad variable.
 */
function crossFieldIssues(env: Partial<Env>): Issue[] {
  const issues: Issue[] = [];
  const add = (name: string, message: string) => issues.push({ path: [name], message });
  const regions = GENESYS_REGION_DOMAINS.join(', ');
  if (env.AUTH_PLATFORM === 'oauth2' && !env.TOKEN_URL) add('TOKEN_URL', 'is required when AUTH_PLATFORM is oauth2');
  if (env.AUTH_PLATFORM === 'genesys-cloud' && !env.GENESYS_REGION) {
    add('GENESYS_REGION', `is required when AUTH_PLATFORM is genesys-cloud (one of ${regions})`);
  }
  if (env.GENESYS_REGION && !isGenesysRegion(env.GENESYS_REGION)) add('GENESYS_REGION', `is not a Genesys Cloud region; use one of ${regions}`);
  if (env.AUTH_PLATFORM && env.TOKEN_URL) {
    const settings = { platform: env.AUTH_PLATFORM, tokenUrl: env.TOKEN_URL, genesysRegion: env.GENESYS_REGION };
    for (const finding of checkTokenEndpoint(settings)) {
      add('TOKEN_URL', `is wrong: ${finding.message}${finding.suggestion ? `; use ${finding.suggestion}` : ''}`);
    }
  }
  if (env.AUTH_PLATFORM === 'nice-cxone' && env.CXONE_ISSUER) {
    const problem = endpointUrlProblem(env.CXONE_ISSUER);
    if (problem) add('CXONE_ISSUER', problem);
  }
  const margin = env.DEADLINE_MARGIN_MS;
  if (env.ACTION_TIMEOUT_MS !== undefined && margin !== undefined && env.ACTION_TIMEOUT_MS <= margin) {
    add('ACTION_TIMEOUT_MS', `must be greater than DEADLINE_MARGIN_MS (${margin})`);
  }
  return issues;
}

type Env = z.output<typeof EnvFields>;

export interface BridgeConfig extends PlatformSettings {
  secretTtlMs: number;
  secretStaleMs: number;
  upstreamBaseUrl?: string;
  actionTimeoutMs?: number;
  deadlineMarginMs: number;
  maxOutputBytes: number;
  maxUpstreamBytes: number;
  logLevel: Env['LOG_LEVEL'];
  /** Start the secret and token requests at module initialisation (measured by npm run bench). */
  prefetchOnInit: boolean;
  /** Requests one token may serve in any 60 s; undefined: no limit (the default except on genesys-cloud). */
  tokenRateLimitPerMinute?: number;
  tokenPoolSize: number;
  /** The CloudWatch namespace of the embedded-metric-format lines (lib/runtime/metrics.ts). */
  metricsNamespace: string;
}

/** Genesys Cloud's 300 a minute unless set; 0 is no limit. */
function tokenRateLimitOf(env: Env): number | undefined {
  const limit = env.TOKEN_RATE_LIMIT_PER_MINUTE ?? (env.AUTH_PLATFORM === 'genesys-cloud' ? defaults.GENESYS_TOKEN_RATE_LIMIT_PER_MINUTE : undefined);
  return limit === 0 ? undefined : limit;
}

function toConfig(env: Env): BridgeConfig {
  return {
    secretId: env.SECRET_ID,
    secretTtlMs: env.SECRET_TTL_SECONDS * 1000,
    secretStaleMs: env.SECRET_STALE_SECONDS * 1000,
    authPlatform: env.AUTH_PLATFORM,
    tokenUrl: env.TOKEN_URL,
    genesysRegion: env.GENESYS_REGION as GenesysRegion | undefined,
    cxoneIssuer: env.CXONE_ISSUER,
    cxoneTenantId: env.CXONE_TENANT_ID,
    scope: env.OAUTH_SCOPE,
    tokenExtraParams: env.TOKEN_EXTRA_PARAMS,
    clientAuthMethod: env.CLIENT_AUTH_METHOD,
    upstreamBaseUrl: env.UPSTREAM_BASE_URL,
    actionTimeoutMs: env.ACTION_TIMEOUT_MS,
    deadlineMarginMs: env.DEADLINE_MARGIN_MS,
    maxOutputBytes: env.MAX_OUTPUT_BYTES,
    maxUpstreamBytes: env.MAX_UPSTREAM_BYTES,
    logLevel: env.LOG_LEVEL,
    prefetchOnInit: env.PREFETCH_ON_INIT === 'true',
    tokenRateLimitPerMinute: tokenRateLimitOf(env),
    tokenPoolSize: env.TOKEN_POOL_SIZE,
    metricsNamespace: env.METRICS_NAMESPACE,
  };
}

/** Empty variables count as unset, as they do in most deploy tools' templates. */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  const present: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value.trim() !== '') present[key] = value;
  return present;
}

function formatIssues(issues: readonly Issue[]): string {
  return issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ');
}

/** Parses each variable on its own, so that every bad one is reported, not only the first object-level failure. */
function parseFields<Shape extends z.ZodRawShape>(fields: z.ZodObject<Shape>, present: Record<string, string>): { env: Partial<z.output<z.ZodObject<Shape>>>; issues: Issue[] } {
  const env: Record<string, unknown> = {};
  const issues: Issue[] = [];
  for (const [name, schema] of Object.entries(fields.shape)) {
    const result = (schema as z.ZodType).safeParse(present[name]);
    if (result.success) env[name] = result.data;
    else for (const issue of result.error.issues) issues.push({ path: [name], message: issue.message });
  }
  return { env: env as Partial<z.output<z.ZodObject<Shape>>>, issues };
}

/**
 * Parses the environment. `requiredVariables` are those the deployed action cannot work
 * without (for example UPSTREAM_BASE_URL), `requiredPlatform` the platform its API is on
 * and `actionTimeoutMs` its own time limit, so that a mismatch is reported at cold start.
 */
export function loadConfig(env: NodeJS.ProcessEnv, requiredVariables: readonly string[] = [], requiredPlatform?: AuthPlatform, actionTimeoutMs?: number): BridgeConfig {
  const present = withoutEmptyValues(env);
  const parsed = parseFields(EnvFields, present);
  const issues = [...parsed.issues, ...crossFieldIssues(parsed.env)];
  if (requiredPlatform && parsed.env.AUTH_PLATFORM && parsed.env.AUTH_PLATFORM !== requiredPlatform) {
    issues.push({ path: ['AUTH_PLATFORM'], message: `must be ${requiredPlatform}: the action calls that platform's API` });
  }
  const margin = parsed.env.DEADLINE_MARGIN_MS;
  if (actionTimeoutMs !== undefined && margin !== undefined && actionTimeoutMs <= margin) {
    issues.push({ path: ['DEADLINE_MARGIN_MS'], message: `must be smaller than the action's own timeout (${actionTimeoutMs} ms)` });
  }
  for (const name of requiredVariables) {
    if (present[name] === undefined) issues.push({ path: [name], message: 'is required' });
  }
  if (issues.length > 0) {
    throw new ConfigError(ErrorCode.CONFIG_INVALID, `fix these environment variables: ${formatIssues(issues)}`);
  }
  return toConfig(parsed.env as Env);
}

export interface HttpFrontConfig {
  authSecretId: string;
  maxBodyBytes: number;
  replayWindowMs: number;
  secretTtlMs: number;
  secretStaleMs: number;
  /** The actions served; undefined: all. */
  actions?: readonly string[];
  /** The ranges callers must come from; undefined: any address. */
  allowedSourceCidrs?: readonly Cidr[];
}

/** The HTTPS front's own variables (each action's come through its container, as for direct invoke). */
export function loadHttpFrontConfig(env: NodeJS.ProcessEnv): HttpFrontConfig {
  const parsed = parseFields(HttpFrontFields, withoutEmptyValues(env));
  if (parsed.issues.length > 0) throw new ConfigError(ErrorCode.CONFIG_INVALID, `fix these environment variables: ${formatIssues(parsed.issues)}`);
  const fields = parsed.env as z.output<typeof HttpFrontFields>;
  return {
    authSecretId: fields.HTTP_AUTH_SECRET_ID,
    maxBodyBytes: fields.HTTP_MAX_BODY_BYTES,
    replayWindowMs: fields.HTTP_REPLAY_WINDOW_SECONDS * 1000,
    secretTtlMs: fields.SECRET_TTL_SECONDS * 1000,
    secretStaleMs: fields.SECRET_STALE_SECONDS * 1000,
    ...(fields.HTTP_ACTIONS && fields.HTTP_ACTIONS.length > 0 && { actions: fields.HTTP_ACTIONS }),
    ...(fields.HTTP_ALLOWED_SOURCE_CIDRS && { allowedSourceCidrs: fields.HTTP_ALLOWED_SOURCE_CIDRS }),
  };
}

/** The token request settings the doctor takes from flags or the function's variables, checked by the same fields. */
export interface DoctorVariables {
  authPlatform: AuthPlatform;
  clientAuthMethod: ClientAuthMethod;
  scope?: string;
  tokenExtraParams?: Readonly<Record<string, string>>;
  cxoneIssuer: string;
}

const DOCTOR_FIELDS = EnvFields.pick({ AUTH_PLATFORM: true, CLIENT_AUTH_METHOD: true, OAUTH_SCOPE: true, TOKEN_EXTRA_PARAMS: true, CXONE_ISSUER: true });

/**
 * Only field by field: the doctor does not refuse a wrong token URL or region as
 * configuration does, it explains them.
 */
export function parseDoctorVariables(values: Record<string, string | undefined>, labels: Readonly<Record<string, string>> = {}): DoctorVariables {
  const parsed = parseFields(DOCTOR_FIELDS, withoutEmptyValues(values));
  const named = parsed.issues.map(({ path, message }) => ({ path: path.map((name) => labels[name] ?? name), message }));
  if (named.length > 0) throw new ConfigError(ErrorCode.CONFIG_INVALID, `fix these settings: ${formatIssues(named)}`);
  const fields = parsed.env as z.output<typeof DOCTOR_FIELDS>;
  return {
    authPlatform: fields.AUTH_PLATFORM,
    clientAuthMethod: fields.CLIENT_AUTH_METHOD,
    ...(fields.OAUTH_SCOPE && { scope: fields.OAUTH_SCOPE }),
    ...(fields.TOKEN_EXTRA_PARAMS && { tokenExtraParams: fields.TOKEN_EXTRA_PARAMS }),
    cxoneIssuer: fields.CXONE_ISSUER,
  };
}

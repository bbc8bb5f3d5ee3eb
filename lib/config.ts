import * as z from 'zod';
import * as defaults from './constants';
import { ConfigError, ErrorCode } from './errors';
import { endpointUrlProblem } from './url';

/**
 * Configuration from environment variables (SPEC §4), parsed once per container by one
 * zod schema whose messages name the variable. A bad configuration is reported before any
 * network request, with one message naming every bad variable.
 */

const endpointUrl = z.string().trim().superRefine((value, ctx) => {
  const problem = endpointUrlProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();
const wholeNumber = (minimum: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(minimum, `must be at least ${minimum}`);

const AuthPlatform = z.enum(['oauth2', 'genesys-cloud', 'nice-cxone']);
const ClientAuthMethod = z.enum(['client_secret_basic', 'client_secret_post']);

const EnvSchema = z
  .object({
    SECRET_ID: z.string({ error: 'is required' }).trim().min(1, 'is required'),
    SECRET_TTL_SECONDS: wholeNumber(0).default(defaults.SECRET_TTL_SECONDS),
    SECRET_STALE_SECONDS: wholeNumber(0).default(defaults.SECRET_STALE_SECONDS),
    AUTH_PLATFORM: AuthPlatform.default('oauth2'),
    TOKEN_URL: endpointUrl.optional(),
    GENESYS_REGION: optionalText,
    CXONE_ISSUER: z.string().trim().default(defaults.CXONE_DEFAULT_ISSUER),
    OAUTH_SCOPE: optionalText,
    CLIENT_AUTH_METHOD: ClientAuthMethod.default('client_secret_basic'),
    UPSTREAM_BASE_URL: endpointUrl.optional(),
    ACTION_TIMEOUT_MS: wholeNumber(1).optional(),
    DEADLINE_MARGIN_MS: wholeNumber(0).default(defaults.DEADLINE_MARGIN_MS),
    MAX_OUTPUT_BYTES: wholeNumber(2).default(defaults.MAX_OUTPUT_BYTES),
    MAX_UPSTREAM_BYTES: wholeNumber(1).default(defaults.MAX_UPSTREAM_BYTES),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.AUTH_PLATFORM === 'oauth2' && !env.TOKEN_URL) {
      ctx.addIssue({ code: 'custom', path: ['TOKEN_URL'], message: 'is required when AUTH_PLATFORM is oauth2' });
    }
    if (env.AUTH_PLATFORM === 'nice-cxone') {
      const problem = endpointUrlProblem(env.CXONE_ISSUER);
      if (problem) ctx.addIssue({ code: 'custom', path: ['CXONE_ISSUER'], message: problem });
    }
    if (env.ACTION_TIMEOUT_MS !== undefined && env.ACTION_TIMEOUT_MS <= env.DEADLINE_MARGIN_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['ACTION_TIMEOUT_MS'],
        message: `must be greater than DEADLINE_MARGIN_MS (${env.DEADLINE_MARGIN_MS})`,
      });
    }
  });

export type AuthPlatform = z.infer<typeof AuthPlatform>;
export type ClientAuthMethod = z.infer<typeof ClientAuthMethod>;
type Env = z.output<typeof EnvSchema>;

export interface BridgeConfig {
  secretId: string;
  secretTtlMs: number;
  secretStaleMs: number;
  authPlatform: AuthPlatform;
  tokenUrl?: string;
  genesysRegion?: string;
  cxoneIssuer: string;
  scope?: string;
  clientAuthMethod: ClientAuthMethod;
  upstreamBaseUrl?: string;
  actionTimeoutMs?: number;
  deadlineMarginMs: number;
  maxOutputBytes: number;
  maxUpstreamBytes: number;
  logLevel: Env['LOG_LEVEL'];
}

function toConfig(env: Env): BridgeConfig {
  return {
    secretId: env.SECRET_ID,
    secretTtlMs: env.SECRET_TTL_SECONDS * 1000,
    secretStaleMs: env.SECRET_STALE_SECONDS * 1000,
    authPlatform: env.AUTH_PLATFORM,
    tokenUrl: env.TOKEN_URL,
    genesysRegion: env.GENESYS_REGION,
    cxoneIssuer: env.CXONE_ISSUER,
    scope: env.OAUTH_SCOPE,
    clientAuthMethod: env.CLIENT_AUTH_METHOD,
    upstreamBaseUrl: env.UPSTREAM_BASE_URL,
    actionTimeoutMs: env.ACTION_TIMEOUT_MS,
    deadlineMarginMs: env.DEADLINE_MARGIN_MS,
    maxOutputBytes: env.MAX_OUTPUT_BYTES,
    maxUpstreamBytes: env.MAX_UPSTREAM_BYTES,
    logLevel: env.LOG_LEVEL,
  };
}

/** Empty variables count as unset, as they do in most deploy tools' templates. */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  const present: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value.trim() !== '') present[key] = value;
  return present;
}

export function formatIssues(issues: ReadonlyArray<z.core.$ZodIssue>, describeRoot: string): string {
  return issues.map((issue) => `${issue.path.length ? issue.path.join('.') : describeRoot} ${issue.message}`).join('; ');
}

/**
 * Parses the environment. `requiredVariables` are those the deployed action cannot work
 * without (for example UPSTREAM_BASE_URL), so that their absence is reported at cold start.
 */
export function loadConfig(env: NodeJS.ProcessEnv, requiredVariables: readonly string[] = []): BridgeConfig {
  const present = withoutEmptyValues(env);
  const result = EnvSchema.safeParse(present);
  const issues = result.success ? [] : [...result.error.issues];
  for (const name of requiredVariables) {
    if (present[name] === undefined) issues.push({ code: 'custom', path: [name], message: 'is required', input: undefined });
  }
  if (!result.success || issues.length > 0) {
    throw new ConfigError(ErrorCode.CONFIG_INVALID, `fix these environment variables: ${formatIssues(issues, 'environment')}`);
  }
  return toConfig(result.data);
}

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { parseDoctorVariables } from '../../lib/runtime/config';
import { CXONE_DEFAULT_ISSUER } from '../../lib/base/constants';
import { BridgeError, ErrorCode, SecretError } from '../../lib/base/errors';
import { createSecretsManagerClient } from '../../lib/runtime/container';
import { createHttpAgent } from '../../lib/http/httpClient';
import { readProxySettings, type ProxySettings } from '../../lib/http/proxy/proxySettings';
import { SecretCache } from '../../lib/auth/secretCache';
import { Deadline } from '../../lib/http/deadline';
import { logger } from '../../lib/base/logger';
import { runDoctor, type DoctorOptions, type DoctorReport } from '../../lib/doctor/doctor';
import type { LoadedSecret } from '../../lib/doctor/secretCheck';

/**
 * `npm run doctor -- …`: flags, with the function's own environment variables as defaults,
 * so `doctor` can run with exactly the settings of a deployed function.
 */

export const DOCTOR_USAGE = `Usage: npm run doctor -- [options]
  --secret-file PATH      the secret as JSON in a local file (offline use), or
  --secret-id ID          the Secrets Manager secret (default: $SECRET_ID)
  --platform NAME         oauth2 | genesys-cloud | nice-cxone (default: $AUTH_PLATFORM or oauth2)
  --token-url URL         token endpoint (default: $TOKEN_URL, or the platform's)
  --region DOMAIN         Genesys Cloud region, e.g. mypurecloud.de (default: $GENESYS_REGION)
  --issuer URL            CXone issuer (default: $CXONE_ISSUER or ${CXONE_DEFAULT_ISSUER})
  --tenant-id ID          CXone tenant (default: $CXONE_TENANT_ID; else the secret's tenantId, else the id_token's)
  --auth-method METHOD    client_secret_basic | client_secret_post | tls_client_auth (default: $CLIENT_AUTH_METHOD or basic)
  --scope SCOPES          scopes to request (default: $OAUTH_SCOPE)
  --extra-params FORM     extra token parameters, e.g. audience=https://api.example.com (default: $TOKEN_EXTRA_PARAMS)
  --upstream-url URL      an API URL to GET with the token, e.g. https://api.mypurecloud.com/api/v2/tokens/me
  --timeout-ms MS         time allowed for each network step (default 10000)
HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured as the function honours them.
Exit code 0 only when a token was obtained as configured.`;

/** Each setting's flag, named in error messages. */
const FLAG_OF_VARIABLE = {
  AUTH_PLATFORM: '--platform (AUTH_PLATFORM)',
  CLIENT_AUTH_METHOD: '--auth-method (CLIENT_AUTH_METHOD)',
  OAUTH_SCOPE: '--scope (OAUTH_SCOPE)',
  TOKEN_EXTRA_PARAMS: '--extra-params (TOKEN_EXTRA_PARAMS)',
  CXONE_ISSUER: '--issuer (CXONE_ISSUER)',
};

const TimeoutMs = z.coerce.number({ error: '--timeout-ms must be a number' }).int().positive('--timeout-ms must be positive');

async function loadSecret(values: Record<string, string | undefined>, timeoutMs: number, proxy: ProxySettings | undefined): Promise<LoadedSecret> {
  if (values.secretFile) {
    const source = `file ${values.secretFile}`;
    try {
      // Editors such as Notepad save a byte-order mark, which JSON.parse refuses.
      return { source, secretString: (await readFile(values.secretFile, 'utf8')).replace(/^\uFEFF/, '') };
    } catch (error) {
      return { source, error: new SecretError(ErrorCode.SECRET_NOT_FOUND, `cannot read ${values.secretFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`) };
    }
  }
  const secretId = values.secretId;
  if (!secretId) return { source: '(none)', error: new SecretError(ErrorCode.SECRET_NOT_FOUND, 'give --secret-file or --secret-id (or set SECRET_ID)') };
  const client = createSecretsManagerClient(process.env, proxy);
  const cache = new SecretCache({ client, secretId, ttlMs: 0 });
  try {
    const { secret } = await cache.get(Deadline.after(timeoutMs, logger));
    return { source: `Secrets Manager ${secretId} (version ${secret.versionId})`, secretString: secret.secretString };
  } catch (error) {
    return { source: `Secrets Manager ${secretId}`, error: error instanceof BridgeError ? error : new SecretError(ErrorCode.SECRET_UNAVAILABLE, 'Secrets Manager could not be reached') };
  } finally {
    client.destroy();
  }
}

export async function doctorFromArgs(argv: string[], env: NodeJS.ProcessEnv): Promise<DoctorReport> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'secret-file': { type: 'string' },
      'secret-id': { type: 'string', default: env.SECRET_ID },
      platform: { type: 'string', default: env.AUTH_PLATFORM || 'oauth2' },
      'token-url': { type: 'string', default: env.TOKEN_URL || undefined },
      region: { type: 'string', default: env.GENESYS_REGION || undefined },
      issuer: { type: 'string', default: env.CXONE_ISSUER || CXONE_DEFAULT_ISSUER },
      'tenant-id': { type: 'string', default: env.CXONE_TENANT_ID || undefined },
      'auth-method': { type: 'string', default: env.CLIENT_AUTH_METHOD || 'client_secret_basic' },
      scope: { type: 'string', default: env.OAUTH_SCOPE || undefined },
      'extra-params': { type: 'string', default: env.TOKEN_EXTRA_PARAMS || undefined },
      'upstream-url': { type: 'string' },
      'timeout-ms': { type: 'string', default: '10000' },
    },
  });
  // The flags go through the same variable schema as the deployed function's configuration (lib/runtime/config.ts).
  const variables = parseDoctorVariables({
    AUTH_PLATFORM: values.platform,
    CLIENT_AUTH_METHOD: values['auth-method'],
    OAUTH_SCOPE: values.scope,
    TOKEN_EXTRA_PARAMS: values['extra-params'],
    CXONE_ISSUER: values.issuer,
  }, FLAG_OF_VARIABLE);
  const timeoutMs = TimeoutMs.parse(values['timeout-ms']);
  const proxy = readProxySettings(env);
  const secret = await loadSecret({ secretFile: values['secret-file'], secretId: values['secret-id'] }, timeoutMs, proxy);
  const options: DoctorOptions = {
    platform: variables.authPlatform,
    authMethod: variables.clientAuthMethod,
    timeoutMs,
    tokenUrl: values['token-url'],
    genesysRegion: values.region,
    cxoneIssuer: variables.cxoneIssuer,
    ...(values['tenant-id'] && { cxoneTenantId: values['tenant-id'] }),
    ...(variables.scope && { scope: variables.scope }),
    ...(variables.tokenExtraParams && { extraParams: variables.tokenExtraParams }),
    upstreamUrl: values['upstream-url'],
    secret,
    // The function's own egress proxy variables, read as the function reads them; a direct agent too, to compare with.
    agent: createHttpAgent({}, proxy),
    ...(proxy && { directAgent: createHttpAgent() }),
  };
  try {
    return await runDoctor(options);
  } finally {
    await Promise.all([options.agent.close(), options.directAgent?.close()]);
  }
}

const MARK = { ok: '✔', warn: '⚠', fail: '✖', skipped: '·' } as const;

export function renderReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const step of report.steps) {
    lines.push(`${MARK[step.status]} ${step.name}`);
    for (const detail of step.details) lines.push(`    ${detail}`);
    for (const finding of step.findings) lines.push(`    → [${finding.cause}] ${finding.message}`);
  }
  lines.push('', report.tokenObtained ? 'Result: a token was obtained as configured.' : 'Result: no token as configured (see → lines above).');
  if (report.curl) lines.push('', 'Equivalent request, to run yourself:', report.curl);
  return lines.join('\n');
}

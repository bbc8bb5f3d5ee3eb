import type { ClientAuthMethod } from '../auth/tokenRequest';
import type { Credentials } from '../auth/credentials';
import { Deadline } from '../deadline';
import { logger } from '../logger';
import { BridgeError, ErrorCode } from '../errors';
import { headerValue, type HttpResponse } from '../http';
import { connectOptionsOf, createHttpAgent, sendHttpRequest, type HttpAgent } from '../httpClient';
import { formUrlEncode } from '../auth/formEncoding';
import { buildTokenRequest, type BuiltTokenRequest, type TokenRequestSettings } from '../auth/tokenRequest';
import { parseTokenResponse, type IssuedToken } from '../auth/tokenResponse';
import { checkTokenEndpoint } from '../auth/platforms/tokenEndpointCheck';
import { endpointUrlProblem } from '../url';
import { redactedCurl } from './curl';
import type { SecretText } from '../secretText';
import { Cause, report, step, type Step } from './findings';
import { classifyNetworkError, type NetworkFailure } from './networkFailure';
import { clientCertRefusal } from '../tlsRefusal';
import type { CheckedSecret, LoadedSecret } from './secretCheck';
import { checkSecret } from './secretCheck';
import { resolveDoctorEndpoint, type DoctorPlatformSettings } from './endpoint';

/**
 * `doctor`: explains, step by step, why a token request fails (README, Troubleshooting).
 * It sends the request as configured and, when the server rejects it, the alternatives
 * that differ in one thing, and names the one that works. It prints fingerprints, never
 * a secret or a token.
 */

export interface DoctorOptions extends DoctorPlatformSettings {
  /** The secret's text, already loaded from a file or Secrets Manager. */
  secret: LoadedSecret;
  /** A URL on the upstream API to call with the token, e.g. https://api.mypurecloud.com/api/v2/tokens/me. */
  upstreamUrl?: string;
}

export interface DoctorReport {
  steps: Step[];
  tokenObtained: boolean;
  curl?: string;
}

type Attempt =
  | { outcome: 'token'; token: IssuedToken; response: HttpResponse }
  | { outcome: 'rejected'; error: BridgeError; response?: HttpResponse }
  | { outcome: 'network'; cause: Cause; message: string };

/** Rejections worth trying alternatives for: the server answered and refused the request. */
const REJECTIONS = new Set<string>([
  ErrorCode.TOKEN_INVALID_CLIENT,
  ErrorCode.TOKEN_REJECTED,
  ErrorCode.TOKEN_INVALID_SCOPE,
  ErrorCode.TOKEN_UNAUTHORIZED_CLIENT,
  ErrorCode.TOKEN_UNSUPPORTED_GRANT_TYPE,
  ErrorCode.TOKEN_INVALID_GRANT,
]);

/** A refused client certificate (lib/tlsRefusal.ts), else what kind of network failure, if one. */
async function networkFailure(options: DoctorOptions, error: unknown, url: URL): Promise<NetworkFailure | undefined> {
  const refusal = await clientCertRefusal(error, url, options.agent, Deadline.after(options.timeoutMs, logger));
  return refusal ? { cause: Cause.CLIENT_CERT_REFUSED, message: `${url.host} ${refusal}` } : classifyNetworkError(error, url.host);
}

async function attempt(options: DoctorOptions, request: BuiltTokenRequest): Promise<Attempt> {
  let response: HttpResponse;
  try {
    response = await sendHttpRequest(
      options.agent,
      { method: 'POST', url: request.url, headers: request.headers, body: request.body, step: 'token request', maxBodyBytes: 1_048_576 },
      Deadline.after(options.timeoutMs, logger),
    );
  } catch (error) {
    const failure = await networkFailure(options, error, request.url);
    if (failure) return { outcome: 'network', ...failure };
    throw error;
  }
  try {
    return { outcome: 'token', token: parseTokenResponse(response), response };
  } catch (error) {
    if (error instanceof BridgeError) return { outcome: 'rejected', error, response };
    throw error;
  }
}

/** The Basic header as many hand-written clients build it: id and secret not form-encoded. */
function withRawBasic(request: BuiltTokenRequest, credentials: Credentials, clientSecret: SecretText): BuiltTokenRequest {
  const raw = `${credentials.clientId.reveal()}:${clientSecret.reveal()}`;
  return { ...request, headers: { ...request.headers, authorization: `Basic ${Buffer.from(raw, 'utf8').toString('base64')}` } };
}

interface Alternative {
  cause: Cause;
  describe: string;
  fix: string;
  request: BuiltTokenRequest;
}

function alternatives(options: DoctorOptions, settings: TokenRequestSettings, credentials: Credentials): Alternative[] {
  const list: Alternative[] = [];
  // tls_client_auth sends no secret: the alternatives below are about the secret's methods.
  const { clientSecret } = credentials;
  if (settings.authMethod === 'tls_client_auth' || !clientSecret) return list;
  const otherMethod: ClientAuthMethod = settings.authMethod === 'client_secret_basic' ? 'client_secret_post' : 'client_secret_basic';
  list.push({
    cause: Cause.AUTH_METHOD,
    describe: `${otherMethod} instead of ${settings.authMethod}`,
    fix: `set CLIENT_AUTH_METHOD=${otherMethod}`,
    request: buildTokenRequest({ ...settings, authMethod: otherMethod }, credentials),
  });
  const configured = buildTokenRequest(settings, credentials);
  const encodingMatters = [credentials.clientId, clientSecret].some((value) => formUrlEncode(value.reveal()) !== value.reveal());
  if (settings.authMethod === 'client_secret_basic' && encodingMatters) {
    list.push({
      cause: Cause.ENCODING,
      describe: 'the Basic header built from the raw id and secret (not form-urlencoded)',
      fix: 'the server does not decode RFC 6749 §2.3.1 Basic credentials: set CLIENT_AUTH_METHOD=client_secret_post, or ask for a secret without special characters',
      request: withRawBasic(configured, credentials, clientSecret),
    });
  }
  if (options.scope) {
    const { scope: _dropped, ...withoutScope } = settings;
    list.push({
      cause: Cause.SCOPE_REJECTED,
      describe: 'no scope',
      fix: `the client may not request "${options.scope}": remove OAUTH_SCOPE or allow the scope for the client`,
      request: buildTokenRequest(withoutScope, credentials),
    });
  }
  return list;
}

function recordClockSkew(target: Step, response: HttpResponse | undefined): void {
  const date = response && headerValue(response.headers, 'date');
  if (!date || Number.isNaN(Date.parse(date))) {
    target.status = 'skipped';
    target.details.push('the token endpoint sent no Date header');
    return;
  }
  const skewSeconds = Math.round((Date.parse(date) - Date.now()) / 1000);
  target.details.push(`server clock minus local clock: ${skewSeconds} s`);
  if (Math.abs(skewSeconds) >= 30) {
    report(target, 'warn', Cause.CLOCK_SKEW, `this machine's clock is ${Math.abs(skewSeconds)} s ${skewSeconds > 0 ? 'behind' : 'ahead of'} the server's: sync it (NTP); signed requests and token expiry checks depend on it`);
  }
}

async function checkUpstream(options: DoctorOptions, token: IssuedToken, target: Step): Promise<void> {
  if (!options.upstreamUrl) {
    target.status = 'skipped';
    target.details.push('no upstream URL given (--upstream-url)');
    return;
  }
  const problem = endpointUrlProblem(options.upstreamUrl);
  if (problem) {
    report(target, 'fail', Cause.UPSTREAM_UNREACHABLE, `--upstream-url ${problem}: the token is not sent there`);
    return;
  }
  const url = new URL(options.upstreamUrl);
  try {
    const response = await sendHttpRequest(
      options.agent,
      { method: 'GET', url, headers: { accept: 'application/json', authorization: `Bearer ${token.accessToken.reveal()}` }, step: 'upstream request', maxBodyBytes: 1_048_576 },
      Deadline.after(options.timeoutMs, logger),
    );
    target.details.push(`GET ${url.href} → HTTP ${response.status}`);
    if (response.status === 401) report(target, 'fail', Cause.UPSTREAM_REJECTED_TOKEN, 'the API does not accept this token: is the API in the same platform, region and environment as the token endpoint?');
    else if (response.status === 403) report(target, 'warn', Cause.UPSTREAM_FORBIDDEN, 'the token is valid but lacks permission for this call: grant the OAuth client the role or scope it needs');
    else if (response.status >= 400) report(target, 'warn', Cause.UPSTREAM_UNREACHABLE, `the API answered HTTP ${response.status}`);
  } catch (error) {
    const failure = await networkFailure(options, error, url);
    if (!failure) throw error;
    report(target, 'fail', Cause.UPSTREAM_UNREACHABLE, failure.message);
  }
}

function isMissingPath(error: BridgeError): boolean {
  return error.status === 404 || error.status === 405;
}

function describeRejection(result: Attempt): string {
  if (result.outcome === 'network') return result.message;
  if (result.outcome === 'rejected') return result.error.message;
  return 'token obtained';
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const steps: Step[] = [];
  const secretStep = step('secret');
  steps.push(secretStep);
  const secret = checkSecret(options.secret, secretStep, options.authMethod);
  // The client certificate, for the token endpoint with tls_client_auth and for the upstream (as the bridge uses it).
  const tls = secret?.credentials.tls;
  const tlsAgent = tls && createHttpAgent({ ...connectOptionsOf(options.agent), ...tls.connectOptions() });
  try {
    return await diagnose(options, steps, secret, tlsAgent);
  } finally {
    await tlsAgent?.close();
  }
}

async function diagnose(options: DoctorOptions, steps: Step[], secret: CheckedSecret | undefined, tlsAgent: HttpAgent | undefined): Promise<DoctorReport> {
  const tokenOptions = tlsAgent && options.authMethod === 'tls_client_auth' ? { ...options, agent: tlsAgent } : options;
  const upstreamOptions = tlsAgent ? { ...options, agent: tlsAgent } : options;

  const endpointStep = step('token endpoint');
  steps.push(endpointStep);
  if (!secret) {
    endpointStep.status = 'skipped';
    endpointStep.details.push('not checked: no usable secret');
    return { steps, tokenObtained: false };
  }
  const settings = await resolveDoctorEndpoint(options, secret.credentials, options.secret.source, endpointStep);
  if (!settings) return { steps, tokenObtained: false };

  const urlProblem = endpointUrlProblem(settings.tokenUrl);
  if (urlProblem) report(endpointStep, 'fail', Cause.NOT_A_TOKEN_ENDPOINT, `${settings.tokenUrl} ${urlProblem}`);
  else {
    for (const finding of checkTokenEndpoint({ platform: options.platform, tokenUrl: settings.tokenUrl, genesysRegion: options.genesysRegion })) {
      report(endpointStep, 'fail', finding.mistake, `${finding.message}${finding.suggestion ? `; use ${finding.suggestion}` : ''}`);
    }
  }
  const curl = redactedCurl(settings);
  if (endpointStep.status === 'fail') return { steps, tokenObtained: false, curl };

  const tokenStep = step('token request as configured');
  steps.push(tokenStep);
  tokenStep.details.push(`POST ${settings.tokenUrl} (grant ${settings.grant}, ${settings.authMethod}${settings.scope ? `, scope "${settings.scope}"` : ''})`);
  const configured = await attempt(tokenOptions, buildTokenRequest(settings, secret.credentials));
  if (configured.outcome === 'token') {
    tokenStep.details.push(`token obtained, lifetime ${configured.token.expiresInSeconds} s${configured.token.lifetimeAssumed ? ' (assumed: no expires_in)' : ''}`);
  } else if (configured.outcome === 'network') {
    report(tokenStep, 'fail', configured.cause, configured.message);
  } else {
    // A path that does not exist (404/405) says nothing about the credentials.
    const notTokenEndpoint = configured.error.code === ErrorCode.TOKEN_INVALID_RESPONSE || isMissingPath(configured.error);
    report(tokenStep, 'fail', notTokenEndpoint ? Cause.NOT_A_TOKEN_ENDPOINT : Cause.TOKEN_REJECTED, configured.error.message);
  }

  if (configured.outcome === 'rejected' && REJECTIONS.has(configured.error.code) && !isMissingPath(configured.error)) {
    const alternativesStep = step('alternatives that differ in one thing');
    steps.push(alternativesStep);
    for (const alternative of alternatives(options, settings, secret.credentials)) {
      const result = await attempt(tokenOptions, alternative.request);
      const worked = result.outcome === 'token';
      alternativesStep.details.push(`${alternative.describe}: ${worked ? 'token obtained' : describeRejection(result)}`);
      if (worked) report(alternativesStep, 'fail', alternative.cause, `works with ${alternative.describe}: ${alternative.fix}`);
    }
    if (alternativesStep.findings.length === 0) {
      alternativesStep.status = 'fail';
      alternativesStep.details.push('none worked: the id/secret pair itself is not accepted here (another environment or region, or a deleted client?)');
    }
  }

  if (secret.changedKeys.length > 0 && configured.outcome === 'token') {
    const rawStep = step('the secret as stored, without cleaning');
    steps.push(rawStep);
    const raw = await attempt(tokenOptions, buildTokenRequest(settings, secret.rawCredentials));
    rawStep.details.push(`raw values: ${raw.outcome === 'token' ? 'also accepted' : describeRejection(raw)}`);
    if (raw.outcome !== 'token') {
      report(rawStep, 'warn', Cause.RAW_SECRET_REJECTED, `the stored ${secret.changedKeys.join(', ')} would have failed without cleaning: clients that use the secret as stored (curl, other tools) get this error`);
    }
  }

  const clockStep = step('clock');
  steps.push(clockStep);
  recordClockSkew(clockStep, configured.outcome === 'network' ? undefined : configured.response);

  const upstreamStep = step('upstream API with the token');
  steps.push(upstreamStep);
  if (configured.outcome === 'token') await checkUpstream(upstreamOptions, configured.token, upstreamStep);
  else {
    upstreamStep.status = 'skipped';
    upstreamStep.details.push('no token as configured');
  }

  return { steps, tokenObtained: configured.outcome === 'token', curl };
}

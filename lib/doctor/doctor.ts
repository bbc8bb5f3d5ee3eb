import { clientAuthFor, SECRET_IN_BODY, type ClientAuth } from '../auth/clientAuth';
import type { Credentials } from '../auth/credentials';
import { Deadline } from '../http/deadline';
import { logger } from '../base/logger';
import { BridgeError, ErrorCode } from '../base/errors';
import { headerValue, type HttpRequest, type HttpResponse } from '../http/http';
import { connectOptionsOf, createHttpAgent, proxySettingsOf, sendHttpRequest, type HttpAgent } from '../http/httpClient';
import { formUrlEncode } from '../auth/formEncoding';
import { buildTokenRequest, type BuiltTokenRequest, type TokenRequestSettings } from '../auth/tokenRequest';
import { parseTokenResponse, type IssuedToken } from '../auth/tokenResponse';
import { checkTokenEndpoint } from '../auth/platforms/tokenEndpointCheck';
import { cxoneTenantOf } from '../auth/platforms/niceCxone';
import { endpointUrlProblem } from '../base/url';
import { DOCTOR_CLOCK_SKEW_WARN_SECONDS } from '../base/constants';
import { redactedCurl } from './curl';
import { Cause, report, step, type Step } from './findings';
import { classifyNetworkError, isProxyCause, type NetworkFailure } from './networkFailure';
import { clientCertRefusal } from '../http/tlsRefusal';
import type { CheckedSecret, LoadedSecret } from './secretCheck';
import { checkSecret } from './secretCheck';
import { resolveDoctorEndpoint, type DoctorPlatformSettings } from './endpoint';

/**
 * `doctor`: explains, step by step, why a token request fails (docs/troubleshooting.md).
 * It sends the request as configured and, when the server rejects it, the alternatives
 * that differ in one thing, and names the one that works. It prints fingerprints, never
 * a secret or a token.
 */

export interface DoctorOptions extends DoctorPlatformSettings {
  /** The secret's text, already loaded from a file or Secrets Manager. */
  secret: LoadedSecret;
  /** A URL on the upstream API to call with the token, e.g. https://api.mypurecloud.com/api/v2/tokens/me. */
  upstreamUrl?: string;
  /**
   * An agent that goes direct, when `agent` goes through an egress proxy: a token request the
   * proxy spoils is sent once without it, as one more alternative (PROXY_STRIPPED_AUTHORIZATION).
   */
  directAgent?: HttpAgent;
  /**
   * The production doctor spends at most one token request per run (issue 18): no
   * alternatives, no retry with the secret as stored. The local doctor tries them.
   */
  singleTokenRequest?: boolean;
  /**
   * Runs once the token URL is known, before the token request: the production doctor's
   * network path (lib/doctor/production/networkPath.ts). Its steps join the report; false
   * means the path is broken and the token request is not sent (it would wait as long again).
   */
  beforeTokenRequest?: (tokenUrl: URL, steps: Step[]) => Promise<boolean>;
  /**
   * The production doctor's upstream request: the action's own, built from the operator's
   * sample input (never invented), sent with the token instead of a GET of upstreamUrl;
   * `skipReason` says why there is none.
   */
  upstreamRequest?: { method: HttpRequest['method']; url: URL; headers: Record<string, string>; body?: string } | { skipReason: string };
  /** Whose clock the clock step compares with the server's ("this machine's", "the function's"). */
  clockOwner?: string;
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

/** A refused client certificate (lib/http/tlsRefusal.ts), else what kind of network failure, if one (through the agent's proxy, if any). */
async function networkFailure(options: DoctorOptions, agent: HttpAgent, error: unknown, url: URL): Promise<NetworkFailure | undefined> {
  const refusal = await clientCertRefusal(error, url, agent, Deadline.after(options.timeoutMs, logger));
  return refusal ? { cause: Cause.CLIENT_CERT_REFUSED, message: `${url.host} ${refusal}` } : classifyNetworkError(error, url.host, agent.proxyFor?.(url));
}

async function attempt(options: DoctorOptions, request: BuiltTokenRequest, agent: HttpAgent = options.agent): Promise<Attempt> {
  let response: HttpResponse;
  try {
    response = await sendHttpRequest(
      agent,
      { method: 'POST', url: request.url, headers: request.headers, body: request.body, step: 'token request', maxBodyBytes: 1_048_576 },
      Deadline.after(options.timeoutMs, logger),
    );
  } catch (error) {
    const failure = await networkFailure(options, agent, error, request.url);
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

interface Alternative {
  cause: Cause;
  describe: string;
  fix: string;
  request: BuiltTokenRequest;
  /** Sent with this agent instead of the configured one. */
  agent?: HttpAgent;
}

/**
 * The configured request without the egress proxy, when it went through one with an
 * Authorization header: if that works, the proxy spoiled it (the seed case: a proxy that
 * removes Authorization, so the server sees no client and answers invalid_client).
 */
function withoutProxy(options: DoctorOptions, auth: ClientAuth, configured: BuiltTokenRequest): Alternative | undefined {
  const proxy = options.agent.proxyFor?.(configured.url);
  if (!proxy || !options.directAgent || !auth.sendsAuthorization) return undefined;
  return {
    cause: Cause.PROXY_STRIPPED_AUTHORIZATION,
    describe: `the same request without the egress proxy ${proxy.label}`,
    fix: `the proxy changes the token request on the way (it removes the Authorization header): let it pass Authorization to ${configured.url.host}, add ${configured.url.hostname} to NO_PROXY, or set CLIENT_AUTH_METHOD=${SECRET_IN_BODY}`,
    request: configured,
    agent: options.directAgent,
  };
}

/**
 * The configured method's alternatives (lib/auth/clientAuth.ts), each differing in one thing:
 * the secret in the other place, the Basic header not form-encoded. A method that sends no
 * secret has neither.
 */
function methodAlternatives(settings: TokenRequestSettings, credentials: Credentials, auth: ClientAuth): Alternative[] {
  const list: Alternative[] = [];
  if (auth.otherMethod) {
    list.push({
      cause: Cause.AUTH_METHOD,
      describe: `${auth.otherMethod} instead of ${settings.authMethod}`,
      fix: `set CLIENT_AUTH_METHOD=${auth.otherMethod}`,
      request: buildTokenRequest({ ...settings, authMethod: auth.otherMethod }, credentials),
    });
  }
  // Only worth a request when form-encoding changes the id or the secret.
  const encodingMatters = [credentials.clientId, credentials.clientSecret].some((value) => value && formUrlEncode(value.reveal()) !== value.reveal());
  if (auth.applyUnencoded && encodingMatters) {
    list.push({
      cause: Cause.ENCODING,
      describe: 'the Basic header built from the raw id and secret (not form-urlencoded)',
      fix: `the server does not decode RFC 6749 §2.3.1 Basic credentials: set CLIENT_AUTH_METHOD=${SECRET_IN_BODY}, or ask for a secret without special characters`,
      request: buildTokenRequest(settings, credentials, auth.applyUnencoded),
    });
  }
  return list;
}

function alternatives(options: DoctorOptions, settings: TokenRequestSettings, credentials: Credentials): Alternative[] {
  const auth = clientAuthFor(settings.authMethod);
  const direct = withoutProxy(options, auth, buildTokenRequest(settings, credentials, auth.apply));
  const list: Alternative[] = direct ? [direct] : [];
  list.push(...methodAlternatives(settings, credentials, auth));
  // On nice-cxone without a tenant, the bridge adds openid (lib/auth/platforms/profile.ts): the one thing the user did not ask for.
  if (settings.scope !== options.scope) {
    const { scope: _withOpenId, ...asConfigured } = settings;
    list.push({
      cause: Cause.SCOPE_REJECTED,
      describe: 'without the openid scope the bridge adds',
      fix: 'the token endpoint refuses scope openid, which the bridge requests when no tenant is configured: set CXONE_TENANT_ID (--tenant-id) or add tenantId to the secret',
      request: buildTokenRequest(options.scope ? { ...asConfigured, scope: options.scope } : asConfigured, credentials),
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

/** Which tenant's API base URL a nice-cxone function would discover with this token (lib/auth/platforms/profile.ts). */
function checkCxoneTenant(options: DoctorOptions, credentials: Credentials, token: IssuedToken, target: Step): void {
  const tenant = cxoneTenantOf(options.cxoneTenantId, credentials, token);
  if (tenant) {
    target.details.push(`tenant ${tenant.id}, from ${tenant.from}`);
    return;
  }
  report(
    target,
    'fail',
    Cause.CXONE_TENANT_UNKNOWN,
    'the token works, but no tenant id was found: not in CXONE_TENANT_ID, not as tenantId in the secret, and the token response carried no id_token naming one. ' +
      "Without a tenant the bridge cannot discover the tenant's API base URL: set CXONE_TENANT_ID (--tenant-id) or add tenantId to the secret",
  );
}

function recordClockSkew(target: Step, response: HttpResponse | undefined, owner: string): void {
  const date = response && headerValue(response.headers, 'date');
  if (!date || Number.isNaN(Date.parse(date))) {
    target.status = 'skipped';
    target.details.push('the token endpoint sent no Date header');
    return;
  }
  const skewSeconds = Math.round((Date.parse(date) - Date.now()) / 1000);
  target.details.push(`server clock minus local clock: ${skewSeconds} s`);
  if (Math.abs(skewSeconds) >= DOCTOR_CLOCK_SKEW_WARN_SECONDS) {
    report(target, 'warn', Cause.CLOCK_SKEW, `${owner} clock is ${Math.abs(skewSeconds)} s ${skewSeconds > 0 ? 'behind' : 'ahead of'} the server's: sync it (NTP); signed requests and token expiry checks depend on it`);
  }
}

/** The request checkUpstream sends: the production doctor's action request, else a GET of --upstream-url. */
function upstreamRequestOf(options: DoctorOptions, target: Step): { method: HttpRequest['method']; url: URL; headers: Record<string, string>; body?: string } | undefined {
  if (options.upstreamRequest) {
    if ('skipReason' in options.upstreamRequest) {
      target.status = 'skipped';
      target.details.push(options.upstreamRequest.skipReason);
      return undefined;
    }
    return options.upstreamRequest;
  }
  if (!options.upstreamUrl) {
    target.status = 'skipped';
    target.details.push('no upstream URL given (--upstream-url)');
    return undefined;
  }
  const problem = endpointUrlProblem(options.upstreamUrl);
  if (problem) {
    report(target, 'fail', Cause.UPSTREAM_UNREACHABLE, `--upstream-url ${problem}: the token is not sent there`);
    return undefined;
  }
  return { method: 'GET', url: new URL(options.upstreamUrl), headers: {} };
}

async function checkUpstream(options: DoctorOptions, token: IssuedToken, target: Step): Promise<void> {
  const request = upstreamRequestOf(options, target);
  if (!request) return;
  const { url } = request;
  try {
    const response = await sendHttpRequest(
      options.agent,
      { ...request, headers: { accept: 'application/json', ...request.headers, authorization: `Bearer ${token.accessToken.reveal()}` }, step: 'upstream request', maxBodyBytes: 1_048_576 },
      Deadline.after(options.timeoutMs, logger),
    );
    target.details.push(`${request.method} ${url.href} → HTTP ${response.status}`);
    if (response.status === 401) report(target, 'fail', Cause.UPSTREAM_REJECTED_TOKEN, 'the API does not accept this token: is the API in the same platform, region and environment as the token endpoint?');
    else if (response.status === 403) report(target, 'warn', Cause.UPSTREAM_FORBIDDEN, 'the token is valid but lacks permission for this call: grant the OAuth client the role or scope it needs');
    else if (response.status >= 400) report(target, 'warn', Cause.UPSTREAM_UNREACHABLE, `the API answered HTTP ${response.status}`);
  } catch (error) {
    const failure = await networkFailure(options, options.agent, error, url);
    if (!failure) throw error;
    report(target, 'fail', isProxyCause(failure.cause) ? failure.cause : Cause.UPSTREAM_UNREACHABLE, failure.message);
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
  // The client certificate, for the token endpoint when the method authenticates by it, and for the upstream (as the bridge uses it).
  const tls = secret?.credentials.tls;
  const tlsAgent = tls && createHttpAgent({ ...connectOptionsOf(options.agent), ...tls.connectOptions() }, proxySettingsOf(options.agent));
  try {
    return await diagnose(options, steps, secret, tlsAgent);
  } finally {
    await tlsAgent?.close();
  }
}

async function diagnose(options: DoctorOptions, steps: Step[], secret: CheckedSecret | undefined, tlsAgent: HttpAgent | undefined): Promise<DoctorReport> {
  const tokenOptions = tlsAgent && clientAuthFor(options.authMethod).usesClientCertificate ? { ...options, agent: tlsAgent } : options;
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

  if (options.beforeTokenRequest && !(await options.beforeTokenRequest(new URL(settings.tokenUrl), steps))) {
    const skipped = step('token request as configured');
    skipped.status = 'skipped';
    skipped.details.push('not sent: the network path to the token endpoint failed (see above)');
    steps.push(skipped);
    return { steps, tokenObtained: false, curl };
  }

  const tokenStep = step('token request as configured');
  steps.push(tokenStep);
  tokenStep.details.push(`POST ${settings.tokenUrl} (grant ${settings.grant}, ${settings.authMethod}${settings.scope ? `, scope "${settings.scope}"` : ''})`);
  const proxy = options.agent.proxyFor?.(new URL(settings.tokenUrl));
  if (proxy) tokenStep.details.push(`through the egress proxy ${proxy.label} (${proxy.variable})`);
  else if (options.agent.proxyFor) tokenStep.details.push('direct: NO_PROXY names the host');
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

  const mayRetry = !options.singleTokenRequest;
  if (configured.outcome === 'rejected' && REJECTIONS.has(configured.error.code) && !isMissingPath(configured.error) && !mayRetry) {
    tokenStep.details.push('alternatives not tried here (one token request per run): run npm run doctor locally with the same settings to try them');
  }
  if (mayRetry && configured.outcome === 'rejected' && REJECTIONS.has(configured.error.code) && !isMissingPath(configured.error)) {
    const alternativesStep = step('alternatives that differ in one thing');
    steps.push(alternativesStep);
    for (const alternative of alternatives(options, settings, secret.credentials)) {
      const result = await attempt(tokenOptions, alternative.request, alternative.agent);
      const worked = result.outcome === 'token';
      alternativesStep.details.push(`${alternative.describe}: ${worked ? 'token obtained' : describeRejection(result)}`);
      if (worked) report(alternativesStep, 'fail', alternative.cause, `works with ${alternative.describe}: ${alternative.fix}`);
      // The others would go through the same proxy: what they show is the proxy's doing.
      if (worked && alternative.cause === Cause.PROXY_STRIPPED_AUTHORIZATION) break;
    }
    if (alternativesStep.findings.length === 0) {
      alternativesStep.status = 'fail';
      alternativesStep.details.push('none worked: the id/secret pair itself is not accepted here (another environment or region, or a deleted client?)');
    }
  }

  if (options.platform === 'nice-cxone') {
    const tenantStep = step('CXone tenant');
    steps.push(tenantStep);
    if (configured.outcome === 'token') checkCxoneTenant(options, secret.credentials, configured.token, tenantStep);
    else {
      tenantStep.status = 'skipped';
      tenantStep.details.push('no token as configured');
    }
  }

  if (mayRetry && secret.changedKeys.length > 0 && configured.outcome === 'token') {
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
  recordClockSkew(clockStep, configured.outcome === 'network' ? undefined : configured.response, options.clockOwner ?? "this machine's");

  const upstreamStep = step('upstream API with the token');
  steps.push(upstreamStep);
  if (configured.outcome === 'token') await checkUpstream(upstreamOptions, configured.token, upstreamStep);
  else {
    upstreamStep.status = 'skipped';
    upstreamStep.details.push('no token as configured');
  }

  return { steps, tokenObtained: configured.outcome === 'token', curl };
}

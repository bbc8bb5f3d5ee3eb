import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { AnyAction } from '../runtime/action';
import { DEADLINE_MARGIN_MS } from '../base/constants';
import { createSecretsManagerClient } from '../runtime/container';
import { Deadline } from '../http/deadline';
import { asBridgeError, BridgeError, ConfigError, ErrorCode, InputError, type ErrorCode as Code } from '../base/errors';
import { loadHttpFrontConfig, type HttpFrontConfig } from '../runtime/config';
import { firstIdShaped } from '../base/correlationId';
import { whileHeld } from '../runtime/eventLoopHold';
import { createActionRunner, initialised, warmUpAtInit, type ActionRunner } from '../runtime/invocation';
import { invocationLog, logger, logKeysOf } from '../base/logger';
import { ConnectionSources } from '../auth/connectionSources';
import { SecretCache } from '../auth/secretCache';
import { CallerAuth, CallerError } from './callerAuth';
import { createSourceAllowList } from './sourceAllowList';

/**
 * The HTTPS front (docs/design.md §9) for CXone Studio REST actions and Genesys Cloud Web Services
 * data actions: one function behind an API Gateway HTTP API or a Lambda Function URL
 * (payload format 2.0) that routes `POST /actions/{name}` to the same pipeline as direct
 * invocation. Callers authenticate before any upstream work; every error body is
 * `{ "error": { "code", "message", "correlationId" } }`.
 */

export type HttpHandler = (event: APIGatewayProxyEventV2, context?: Partial<Context>) => Promise<APIGatewayProxyStructuredResultV2>;

const STATUS_OF_CODE: Partial<Record<Code, number>> = {
  INPUT_INVALID: 400,
  CALLER_UNAUTHENTICATED: 401,
  CALLER_FORBIDDEN: 403,
  ACTION_NOT_FOUND: 404,
  INPUT_TOO_LARGE: 413,
  TIMEOUT: 504,
  CIRCUIT_OPEN: 503,
  CONFIG_INVALID: 500,
  INTERNAL_ERROR: 500,
};

/** 400 bad input, 401 caller, 502 anything upstream of the bridge, 504 deadline (docs/design.md §9). */
export function httpStatusOf(code: Code): number {
  return STATUS_OF_CODE[code] ?? (code.startsWith('SECRET_') ? 500 : 502);
}

function respond(status: number, body: unknown, correlationId: string | undefined): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...(correlationId && { 'x-correlation-id': correlationId }) },
    body: JSON.stringify(body),
  };
}

/** Header names are case-insensitive (RFC 9110 §5.1); API Gateway passes them as the caller sent them. */
function lowerCaseHeaders(event: APIGatewayProxyEventV2): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(event.headers ?? {}).map(([key, value]) => [key.toLowerCase(), value]));
}

function rawBody(event: APIGatewayProxyEventV2): string {
  const body = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
}

/** Reading the callers' keys is bounded apart from the action's own deadline. */
const AUTH_BUDGET_MS = 3_000;

/** `/actions/{name}`, anchored, optionally under the API Gateway stage name (/prod/actions/…). */
const ROUTE = /^(?:\/([^/]+))?\/actions\/([A-Za-z][A-Za-z0-9]*)\/?$/;

/** The action named by the path, when the path is the route: a prefix is allowed only when it is the stage's name. */
function routedName(event: APIGatewayProxyEventV2): string | undefined {
  const match = ROUTE.exec(event.rawPath ?? '');
  if (!match) return undefined;
  const [, prefix, name] = match;
  const stage = event.requestContext?.stage;
  if (prefix !== undefined && (prefix !== stage || stage === '$default')) return undefined;
  return name;
}

/**
 * What a caller who is not (yet) authenticated may learn: why it was refused, or that the
 * front cannot serve — never configuration details (variable names, secret ids); those are
 * in the log line.
 */
function beforeAuthentication(failure: BridgeError): BridgeError {
  const status = httpStatusOf(failure.code);
  if (status < 500) return failure;
  return new BridgeError(failure.code, 'the HTTP front cannot serve requests right now; the function logs say why');
}

interface ParsedRequest {
  runner: ActionRunner;
  input: unknown;
}

export function createHttpHandler(actions: readonly AnyAction[], env: NodeJS.ProcessEnv = process.env): HttpHandler {
  let settings: HttpFrontConfig | undefined;
  let configError: ConfigError | undefined;
  try {
    settings = loadHttpFrontConfig(env);
  } catch (error) {
    configError = error as ConfigError;
    logger.error({ event: 'config_invalid', front: 'http', code: configError.code }, configError.message);
  }
  const served = settings?.actions;
  const sourceAllowed = settings?.allowedSourceCidrs && createSourceAllowList(settings.allowedSourceCidrs);
  const routable = new Map(actions.filter((action) => !served || served.includes(action.name)).map((action) => [action.name, action]));
  const runners = new Map<string, ActionRunner>();
  // Actions on one connection share its secret, token pool and budgets (lib/auth/connectionSources.ts).
  const connections = new ConnectionSources();
  const auth =
    settings &&
    new CallerAuth({
      keys: new SecretCache({ client: createSecretsManagerClient(env), secretId: settings.authSecretId, ttlMs: settings.secretTtlMs, staleMs: settings.secretStaleMs }),
      secretId: settings.authSecretId,
      replayWindowMs: settings.replayWindowMs,
    });

  // Containers are built on first use, but the one-off compile work belongs to Lambda's init phase.
  warmUpAtInit([...routable.values()], env);

  /** Each action's container is built on its first request, from its own scoped environment. */
  function runnerFor(action: AnyAction): ActionRunner {
    let runner = runners.get(action.name);
    if (!runner) runners.set(action.name, (runner = createActionRunner(action, env, { atInit: false, connections })));
    return runner;
  }

  async function parseRequest(event: APIGatewayProxyEventV2, headers: Record<string, string | undefined>, body: string, deadline: Deadline): Promise<ParsedRequest> {
    if (configError || !settings || !auth) throw configError;
    if (Buffer.byteLength(body, 'utf8') > settings.maxBodyBytes) {
      throw new InputError(ErrorCode.INPUT_TOO_LARGE, `the request body is larger than ${settings.maxBodyBytes} bytes`);
    }
    const method = event.requestContext?.http?.method ?? 'POST';
    // Authenticate before routing: an unauthenticated caller learns nothing, not even which actions exist.
    await auth.authenticate({ method, path: event.rawPath ?? '', headers, body }, deadline);
    const name = routedName(event);
    const action = name ? routable.get(name) : undefined;
    if (!action || method !== 'POST') {
      throw new BridgeError(ErrorCode.ACTION_NOT_FOUND, `no such action: use POST /actions/{name} with one of ${[...routable.keys()].join(', ')}`);
    }
    const type = headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') throw new InputError(ErrorCode.INPUT_INVALID, 'send the input as a JSON object with Content-Type: application/json');
    let input: unknown;
    try {
      input = JSON.parse(body);
    } catch {
      throw new InputError(ErrorCode.INPUT_INVALID, 'the request body is not valid JSON');
    }
    return { runner: runnerFor(action), input };
  }

  /**
   * A caller outside HTTP_ALLOWED_SOURCE_CIDRS is refused before anything else: its headers
   * and body are not read (its correlation id either: the request's id is API Gateway's),
   * nor the callers' secret.
   */
  function refuseSource(event: APIGatewayProxyEventV2, context: Partial<Context> | undefined, sourceIp: unknown): APIGatewayProxyStructuredResultV2 {
    const correlationId = firstIdShaped(event.requestContext?.requestId, context?.awsRequestId);
    const failure = new BridgeError(ErrorCode.CALLER_FORBIDDEN, 'requests from this source address are not accepted');
    logger.info(
      { event: 'request_refused', front: 'http', code: failure.code, correlationId, sourceIp: typeof sourceIp === 'string' ? sourceIp : null },
      'the source address is outside HTTP_ALLOWED_SOURCE_CIDRS',
    );
    return respond(httpStatusOf(failure.code), { error: { code: failure.code, message: failure.message, correlationId } }, correlationId);
  }

  const handle: HttpHandler = async (event, context) => {
    if (sourceAllowed) {
      const sourceIp = event.requestContext?.http?.sourceIp;
      if (!sourceAllowed(sourceIp)) return refuseSource(event, context, sourceIp);
    }
    const receivedAtMs = Date.now();
    const headers = lowerCaseHeaders(event);
    const correlationId = firstIdShaped(headers['inin-correlation-id'], headers['x-correlation-id'], event.requestContext?.requestId, context?.awsRequestId);
    const lambdaRemainingMs = context?.getRemainingTimeInMillis?.();
    const fail = (failure: BridgeError) =>
      respond(httpStatusOf(failure.code), { error: { code: failure.code, message: failure.message, correlationId } }, correlationId);
    let request: ParsedRequest;
    try {
      const authBudgetMs = Math.min((lambdaRemainingMs ?? AUTH_BUDGET_MS) - DEADLINE_MARGIN_MS, AUTH_BUDGET_MS);
      // Lines written while authenticating the caller (a stale callers' secret) carry the request's id.
      request = await parseRequest(event, headers, rawBody(event), Deadline.after(authBudgetMs, invocationLog(logKeysOf(correlationId))));
    } catch (error) {
      const failure = asBridgeError(error);
      // An unexpected failure says "see the function logs" to the caller: this is where it is.
      if (failure.code === ErrorCode.INTERNAL_ERROR) logger.error({ event: 'internal_error', front: 'http', correlationId, err: error }, 'unexpected failure before the action ran');
      logger.info({ event: 'request_refused', front: 'http', code: failure.code, correlationId, caller: failure instanceof CallerError ? 'unauthenticated' : undefined }, failure.message);
      return fail(beforeAuthentication(failure));
    }
    try {
      // The runner writes the invocation's log line, success or failure.
      return respond(200, await request.runner(request.input, { lambdaRemainingMs, receivedAtMs, correlationId }), correlationId);
    } catch (error) {
      return fail(asBridgeError(error));
    }
  };
  initialised();
  // The caller's authentication waits too (a throttled callers' secret): the request holds the event loop until it is answered.
  return (event, context) => whileHeld(() => handle(event, context));
}

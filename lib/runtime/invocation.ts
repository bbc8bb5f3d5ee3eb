import { actionEnv, type AnyAction } from './action';
import { COLD_START_INVOKE_GAP_MAX_MS, FALLBACK_INVOCATION_BUDGET_MS, METRICS_NAMESPACE, PREFETCH_BUDGET_MS } from '../base/constants';
import { InvocationMetrics } from './metrics';
import type { ConnectionSources } from '../auth/connectionSources';
import { createContainer, type Container } from './container';
import { whileHeld } from './eventLoopHold';
import { Deadline } from '../http/deadline';
import { asBridgeError, ErrorCode, type BridgeError } from '../base/errors';
import { invocationLog, logger, logKeysOf } from '../base/logger';
import { precompileHttpParser } from '../http/httpClient';
import { precompileSchemas, runAction } from './pipeline';
import type { UpstreamObservation } from './upstream';

/**
 * One action's entry, shared by every front (direct invoke, HTTP): the container built at
 * module initialisation, the invocation's deadline, and the one log line per invocation
 * (docs/design.md §10), with the invocation's keys on every line it writes (its deadline carries its
 * log). Fronts only adapt their event and map errors.
 */

export interface Invocation {
  /** Lambda's context.getRemainingTimeInMillis(), read when the event arrived. */
  lambdaRemainingMs?: number;
  /** Date.now() when the event arrived: time a front spent before the runner (caller authentication) counts too. */
  receivedAtMs?: number;
  correlationId?: string;
  /** The Genesys Cloud organization that called (client context ININ-Organization-Id), logged beside the correlation id. */
  organizationId?: string;
}

export type ActionRunner = (input: unknown, invocation: Invocation) => Promise<unknown>;

/** When this process started (Node's performance.timeOrigin): an on-demand cold start's INIT began about then. */
const PROCESS_STARTED_AT_MS = performance.timeOrigin;
/** When the last front finished initialising (its handler module loaded): the end of INIT. */
let initEndedAtMs: number | undefined;

/** Called by each front once its handler is built at module load, the end of Lambda's INIT phase. */
export function initialised(): void {
  initEndedAtMs = Date.now();
}

/**
 * When the caller's clock started for this invocation. Genesys Cloud starts its data action
 * timer when it invokes the function (an assumption: its help says only that the action times
 * out "when the HTTP requests run longer than the set time"; a synchronous Invoke includes the
 * INIT of an on-demand cold start), so on the first invocation of an on-demand environment
 * whose event arrived right after INIT, the time since the process started counts too.
 * Provisioned concurrency, SnapStart and an environment Lambda initialised ahead of the event
 * (it arrives later than COLD_START_INVOKE_GAP_MAX_MS after INIT) start at the event.
 */
function callerStartedAtMs(receivedAtMs: number, cold: boolean, env: NodeJS.ProcessEnv): number {
  const waitedThroughInit =
    cold && env.AWS_LAMBDA_INITIALIZATION_TYPE === 'on-demand' && initEndedAtMs !== undefined && receivedAtMs - initEndedAtMs <= COLD_START_INVOKE_GAP_MAX_MS;
  return waitedThroughInit ? Math.min(PROCESS_STARTED_AT_MS, receivedAtMs) : receivedAtMs;
}

/**
 * The invocation's deadline (docs/design.md §7): the earliest of Lambda's own (remaining time from the
 * event's arrival), ACTION_TIMEOUT_MS and the action's own timeout (each counted from when the
 * caller's clock started, which on an on-demand cold start includes INIT), less the margin, so
 * the function answers with a clean TIMEOUT before Lambda kills it or the caller gives up.
 */
export function deadlineOf(invocation: Invocation, container: Container, action: AnyAction, callerStartMs: number): Deadline {
  const { actionTimeoutMs, deadlineMarginMs } = container.config;
  const receivedAtMs = invocation.receivedAtMs ?? Date.now();
  const atMs = Math.min(
    receivedAtMs + (invocation.lambdaRemainingMs ?? FALLBACK_INVOCATION_BUDGET_MS),
    callerStartMs + Math.min(actionTimeoutMs ?? Number.POSITIVE_INFINITY, action.timeoutMs ?? Number.POSITIVE_INFINITY),
  );
  const log = invocationLog(logKeysOf(invocation.correlationId, invocation.organizationId));
  return new Deadline(atMs - deadlineMarginMs, log);
}

/** A bad configuration is logged at cold start and reported by every invocation. */
function containerOrError(action: AnyAction, env: NodeJS.ProcessEnv, connections?: ConnectionSources): Container | BridgeError {
  try {
    return createContainer(actionEnv(env, action.name), action, connections);
  } catch (error) {
    const failure = asBridgeError(error);
    logger.error({ event: 'config_invalid', action: action.name, code: failure.code }, failure.message);
    return failure;
  }
}

/**
 * A line's fields, merged left to right. Object.assign, not a spread: on Node 20 a spread copy
 * that then gains more properties (`{ ...record, outcome, ...observation }`) costs 6–10 µs,
 * V8 building a new shape for the copy each time, against about 0.3 µs here; it was a tenth
 * of the warm path's own work (`npm run bench`).
 */
function lineOf(...parts: object[]): object {
  return Object.assign({}, ...parts);
}

function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 100) / 100;
}

/**
 * Starts the secret and token requests during Lambda's init phase, overlapping the rest of
 * the cold start. A failure is left to the first invocation: the caches keep no failed
 * request, so it simply asks again.
 */
function prefetch(container: Container): void {
  container.auth.warm(Deadline.after(PREFETCH_BUDGET_MS, logger)).catch((error: unknown) => {
    logger.info({ event: 'prefetch_failed', code: asBridgeError(error).code }, 'prefetch at init failed; an invocation fetches again (a transient Secrets Manager failure is remembered for a few seconds first)');
  });
}

/**
 * The first invocation's one-off work, done during Lambda's init phase instead (any
 * initialisation type: AWS_LAMBDA_INITIALIZATION_TYPE is set by Lambda only). On-demand init
 * runs with more CPU than the invoke phase, whose share follows the memory size (256 MB ≈
 * 0.145 vCPU), so a millisecond here saves several there: zod's compile of the action's
 * schemas and undici's compile of its HTTP parser, both synchronous, about 8 ms of a full core
 * (`npm run bench`, cold path). Measured and left out: a dry run of the SDK's request path
 * through an in-memory handler (it waits on the SDK's config-file read, so most of it ran after
 * init anyway, and it cost init more than it saved), and the prefetch on every on-demand init
 * (PREFETCH_ON_INIT stays opt-in: no steady gain in the first invocation's CPU time).
 */
export function warmUpAtInit(actions: readonly AnyAction[], env: NodeJS.ProcessEnv): void {
  if (!env.AWS_LAMBDA_INITIALIZATION_TYPE) return;
  for (const action of actions) precompileSchemas(action);
  precompileHttpParser();
}

/** The first invocation of this execution environment (process), whichever action or front it reaches. */
let coldStart = true;

export interface RunnerOptions {
  /**
   * The runner is built while the module initialises (the direct-invoke front), so the init
   * warm-up runs here. A front that builds runners on first use warms its actions up itself at
   * init (lib/front/httpFront.ts), not in the request that builds the runner.
   */
  atInit?: boolean;
  /** The function's token sources by connection, shared by the actions it hosts (the HTTPS front). */
  connections?: ConnectionSources;
}

export function createActionRunner(action: AnyAction, env: NodeJS.ProcessEnv, { atInit = true, connections }: RunnerOptions = {}): ActionRunner {
  const container = containerOrError(action, env, connections);
  if (atInit) initialised();
  if (!(container instanceof Error)) {
    if (atInit) warmUpAtInit([action], env);
    if (container.config.prefetchOnInit) prefetch(container);
  }
  const metrics = new InvocationMetrics(container instanceof Error ? METRICS_NAMESPACE : container.config.metricsNamespace, action.name);
  // The invocation's own lines name it in their fields; the deadline's log stamps the lines of the steps it runs.
  const invoke: ActionRunner = async (input, invocation) => {
    const startedAt = performance.now();
    const observation: UpstreamObservation = { upstreamCalls: 0 };
    const record = { event: 'invocation', action: action.name, correlationId: invocation.correlationId, organizationId: invocation.organizationId };
    const cold = coldStart;
    coldStart = false;
    try {
      if (container instanceof Error) throw container;
      const callerStartMs = callerStartedAtMs(invocation.receivedAtMs ?? Date.now(), cold, env);
      const output = await runAction(container, action, input, deadlineOf(invocation, container, action, callerStartMs), observation);
      const durationMs = elapsedMs(startedAt);
      logger.info(lineOf(record, { outcome: 'ok', durationMs }, observation), `${action.name} ok`);
      metrics.publish({ durationMs, observation, coldStart: cold });
      return output;
    } catch (error) {
      const failure = asBridgeError(error);
      const durationMs = elapsedMs(startedAt);
      // The message of an unexpected failure says "see the function logs": this is where it is.
      if (failure.code === ErrorCode.INTERNAL_ERROR) logger.error(lineOf(record, { event: 'internal_error', err: error }), 'unexpected failure');
      logger.info(lineOf(record, { outcome: 'error', code: failure.code, durationMs }, observation), failure.message);
      metrics.publish({ code: failure.code, durationMs, observation, coldStart: cold });
      throw failure;
    }
  };
  // Until it settles, the invocation holds the event loop: its waits alone would let the Lambda runtime answer null.
  return (input, invocation) => whileHeld(() => invoke(input, invocation));
}

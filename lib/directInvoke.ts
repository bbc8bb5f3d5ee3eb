import type { Context } from 'aws-lambda';
import type { AnyAction } from './action';
import { createContainer, type Container } from './container';
import { FALLBACK_INVOCATION_BUDGET_MS } from './constants';
import { Deadline } from './deadline';
import { asBridgeError, type BridgeError } from './errors';
import { logger } from './logger';
import { runAction } from './pipeline';
import type { UpstreamObservation } from './upstream';

/**
 * The direct-invoke entry (Genesys Cloud's AWS Lambda data action integration): the event
 * is the flat input, the return value is the output, and a failure is thrown as an Error
 * whose name and message Genesys shows the flow author (SPEC §9).
 */

export type DirectHandler = (event: unknown, context?: Partial<Context>) => Promise<unknown>;

const CORRELATION_KEY = 'inin-correlation-id';

/** Genesys passes its correlation id in the client context's Custom map; the key's case varies. */
export function correlationIdOf(context: Partial<Context> | undefined): string | undefined {
  const custom = (context?.clientContext as { Custom?: Record<string, unknown> } | undefined)?.Custom;
  for (const [key, value] of Object.entries(custom ?? {})) {
    if (key.toLowerCase() === CORRELATION_KEY && typeof value === 'string' && value) return value;
  }
  return context?.awsRequestId;
}

export function deadlineOf(context: Partial<Context> | undefined, container: Container): Deadline {
  const lambdaRemainingMs = context?.getRemainingTimeInMillis?.() ?? FALLBACK_INVOCATION_BUDGET_MS;
  const { actionTimeoutMs, deadlineMarginMs } = container.config;
  const budgetMs = Math.min(lambdaRemainingMs, actionTimeoutMs ?? Number.POSITIVE_INFINITY);
  return Deadline.after(budgetMs - deadlineMarginMs);
}

/** Builds the container at module initialisation, so a bad configuration is logged at cold start and reported by every invocation. */
function containerOrError(action: AnyAction, env: NodeJS.ProcessEnv): Container | BridgeError {
  try {
    return createContainer(env, action.requiredConfig);
  } catch (error) {
    const failure = asBridgeError(error);
    logger.error({ event: 'config_invalid', action: action.name, code: failure.code }, failure.message);
    return failure;
  }
}

export function createDirectHandler(action: AnyAction, env: NodeJS.ProcessEnv = process.env): DirectHandler {
  const container = containerOrError(action, env);
  return async (event, context) => {
    const startedAt = performance.now();
    const observation: UpstreamObservation = { upstreamCalls: 0 };
    const record = { event: 'invocation', action: action.name, correlationId: correlationIdOf(context) };
    try {
      if (container instanceof Error) throw container;
      const output = await runAction(container, action, event, deadlineOf(context, container), observation);
      logger.info({ ...record, outcome: 'ok', durationMs: elapsedMs(startedAt), ...observation }, `${action.name} ok`);
      return output;
    } catch (error) {
      const failure = asBridgeError(error);
      logger.info(
        { ...record, outcome: 'error', code: failure.code, durationMs: elapsedMs(startedAt), ...observation },
        failure.message,
      );
      throw failure;
    }
  };
}

function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 100) / 100;
}

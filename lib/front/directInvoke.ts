import type { Context } from 'aws-lambda';
import type { AnyAction } from '../action';
import { createActionRunner } from '../invocation';

/**
 * The direct-invoke front (Genesys Cloud's AWS Lambda data action integration): the event
 * is the flat input, the return value is the output, and a failure is thrown as an Error
 * whose name and message Genesys shows the flow author (SPEC §9).
 */

export type DirectHandler = (event: unknown, context?: Partial<Context>) => Promise<unknown>;

const CORRELATION_KEY = 'inin-correlation-id';

/** Genesys passes its correlation id in the client context's Custom map; the key's case varies. */
export function correlationIdOfContext(context: Partial<Context> | undefined): string | undefined {
  const custom = (context?.clientContext as { Custom?: Record<string, unknown> } | undefined)?.Custom;
  for (const [key, value] of Object.entries(custom ?? {})) {
    if (key.toLowerCase() === CORRELATION_KEY && typeof value === 'string' && value) return value;
  }
  return context?.awsRequestId;
}

export function createDirectHandler(action: AnyAction, env: NodeJS.ProcessEnv = process.env): DirectHandler {
  const run = createActionRunner(action, env);
  return (event, context) =>
    run(event, { lambdaRemainingMs: context?.getRemainingTimeInMillis?.(), correlationId: correlationIdOfContext(context) });
}

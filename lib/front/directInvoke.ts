import type { Context } from 'aws-lambda';
import type { AnyAction } from '../runtime/action';
import { idShaped } from '../base/correlationId';
import { createActionRunner, type Invocation } from '../runtime/invocation';

/**
 * The direct-invoke front (Genesys Cloud's AWS Lambda data action integration): the event
 * is the flat input, the return value is the output, and a failure is thrown as an Error
 * whose name and message Genesys shows the flow author (docs/design.md §9).
 */

export type DirectHandler = (event: unknown, context?: Partial<Context>) => Promise<unknown>;

/**
 * Genesys passes its request headers to the function as the client context (Genesys Cloud
 * Functions announcement: ININ-Correlation-Id, ININ-Organization-Id, ININ-Home-Organization-id,
 * ININ-User-Id) as top-level keys; the AWS SDKs put custom values under `Custom`. Both are
 * read, keys matched without regard to case, and only id-shaped values are kept.
 */
function clientContextValue(context: Partial<Context> | undefined, name: string): string | undefined {
  const clientContext = context?.clientContext as unknown as Record<string, unknown> | undefined;
  const custom = clientContext?.Custom as Record<string, unknown> | undefined;
  for (const source of [clientContext, custom]) {
    for (const [key, value] of Object.entries(source ?? {})) {
      if (key.toLowerCase() === name) {
        const id = idShaped(value);
        if (id) return id;
      }
    }
  }
  return undefined;
}

/** What the invocation's log lines name it by: Genesys's correlation id (else Lambda's request id) and organization. */
export function invocationOfContext(context: Partial<Context> | undefined): Invocation {
  const organizationId = clientContextValue(context, 'inin-organization-id');
  return {
    lambdaRemainingMs: context?.getRemainingTimeInMillis?.(),
    correlationId: clientContextValue(context, 'inin-correlation-id') ?? context?.awsRequestId,
    ...(organizationId && { organizationId }),
  };
}

export function createDirectHandler(action: AnyAction, env: NodeJS.ProcessEnv = process.env): DirectHandler {
  const run = createActionRunner(action, env);
  return (event, context) => run(event, invocationOfContext(context));
}

import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * A Lambda context as the runtime passes it, with a real clock behind getRemainingTimeInMillis.
 * `clientContext` is what the invoker sent: Genesys puts its headers there as top-level keys.
 */
export function createLambdaContext(functionName: string, timeoutMs = 6_000, clientContext?: Record<string, unknown>): Context {
  const deadlineAt = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'sandbox',
    ...(clientContext && { clientContext: clientContext as unknown as Context['clientContext'] }),
    getRemainingTimeInMillis: () => Math.max(0, deadlineAt - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

import { startLoopbackServer, type LoopbackReply, type LoopbackServer } from './loopbackServer';

/**
 * A loopback stand-in for the AWS Lambda Invoke API, enough for `npm run doctor -- --deployed`
 * without an AWS account: `POST /2015-03-31/functions/{FunctionName}/invocations` with the
 * event as the body answers 200 with the handler's result as the body, or, when the handler
 * throws, 200 with `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage}` (AWS Lambda
 * API Reference, Invoke: "The status code in the API response doesn't reflect function
 * errors", https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html); an unknown function is a 404 ResourceNotFoundException. Point the SDK at it with
 * AWS_ENDPOINT_URL_LAMBDA. The handlers run in this process.
 */

export type InvokedHandler = (event: unknown) => Promise<unknown>;

export interface LambdaStandIn extends LoopbackServer {
  /** Function names invoked so far, in order. */
  readonly invoked: readonly string[];
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

const awsError = (status: number, type: string, message: string): LoopbackReply => ({
  status,
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
  body: JSON.stringify({ Type: 'User', message }),
});

export async function startLambdaStandIn(functions: Readonly<Record<string, InvokedHandler>>): Promise<LambdaStandIn> {
  const invoked: string[] = [];
  const server = await startLoopbackServer(async ({ method, url, body }) => {
    const match = INVOKE_PATH.exec(url.pathname);
    if (method !== 'POST' || !match) return awsError(404, 'UnknownOperationException', 'only Invoke is served here');
    const name = decodeURIComponent(match[1]!);
    const handler = functions[name];
    if (!handler) return awsError(404, 'ResourceNotFoundException', `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    invoked.push(name);
    const headers = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
    try {
      const result = await handler(body === '' ? {} : (JSON.parse(body) as unknown));
      return { status: 200, headers, body: JSON.stringify(result ?? null) };
    } catch (error) {
      const { name: errorType = 'Error', message: errorMessage = '' } = error as Error;
      return { status: 200, headers: { ...headers, 'x-amz-function-error': 'Unhandled' }, body: JSON.stringify({ errorType, errorMessage }) };
    }
  });
  return { ...server, invoked };
}

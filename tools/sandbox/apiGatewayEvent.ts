import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * An API Gateway HTTP API event, payload format 2.0, as Lambda hands it to the `http`
 * function (AWS, "Working with AWS Lambda proxy integrations for HTTP APIs": `rawPath`,
 * lower-cased `headers`, `requestContext.http.method` and `sourceIp`, `body`,
 * `isBase64Encoded`). The sandbox's loopback front builds one per request, and
 * `npm run generate` writes one per action into events/ for `serverless invoke local -f http`.
 */

export interface ApiGatewayRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  query?: string;
  requestId: string;
  sourceIp?: string;
  userAgent?: string;
}

export function apiGatewayEvent(request: ApiGatewayRequest): APIGatewayProxyEventV2 {
  const { method, path, headers, body, query = '', requestId, sourceIp = '127.0.0.1', userAgent = headers['user-agent'] ?? '' } = request;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'sandbox',
      domainName: 'sandbox.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'sandbox',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp, userAgent },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: '04/Dec/2026:12:00:00 +0000',
      timeEpoch: 1_796_385_600_000,
    },
    body,
    isBase64Encoded: false,
  };
}

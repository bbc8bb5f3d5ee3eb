import { defineStandIn, firstRoute, GENESYS_CORRELATION_HEADER, startApiStandIn, type ActionStandIn, type ApiRoute, type ApiStandIn, type IsAuthorized, type TokenLimit, type TokenLimitedStandIn } from '../../../tools/standIns/apiStandIn';
import { json } from '../../../tools/standIns/loopbackServer';

/**
 * The loopback stand-in for queueEstimatedWait: Genesys Cloud's estimated wait endpoints
 * answering EstimatedWaitTimePredictions, 404 with Genesys's error body for an unknown queue.
 */

export const SAMPLE_QUEUE_ID = '6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b';
/** A queue whose predictions use the newer formulas (DOCUMENTED_FORMULAS in action.ts). */
export const AI_SAMPLE_QUEUE_ID = 'd4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70';
export const SAMPLE_QUEUES: Record<string, unknown> = {
  [SAMPLE_QUEUE_ID]: { results: [{ intent: 'ALL', formula: 'BEST', estimatedWaitTimeSeconds: 95 }] },
  [AI_SAMPLE_QUEUE_ID]: {
    results: [
      { intent: 'CALL', formula: 'AI-ADJUSTED-AHT', estimatedWaitTimeSeconds: 240 },
      { intent: 'CALLBACK', formula: 'POSITION-IN-QUEUE', estimatedWaitTimeSeconds: 600 },
    ],
  },
  'a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d': { results: [] },
};

const ESTIMATED_WAIT = /^\/api\/v2\/routing\/queues\/([^/]+)(?:\/mediatypes\/([^/]+))?\/estimatedwaittime$/;

export function estimatedWaitRoute(queues: Record<string, unknown> = SAMPLE_QUEUES): ApiRoute {
  return ({ method, url }) => {
    const match = ESTIMATED_WAIT.exec(url.pathname);
    if (!match) return undefined;
    const queueId = decodeURIComponent(match[1]!);
    const predictions = queues[queueId];
    if (method !== 'GET' || !predictions) return json(404, { message: `queue ${queueId} not found`, code: 'not.found', status: 404 });
    const mediaType = match[2];
    // The per-media endpoint scopes its predictions to that media type (intent).
    if (!mediaType) return json(200, predictions);
    const results = (predictions as { results: Array<Record<string, unknown>> }).results.map((result) => ({ ...result, intent: mediaType.toUpperCase() }));
    return json(200, { results });
  };
}

export const standIn: ActionStandIn = defineStandIn(SAMPLE_QUEUES, estimatedWaitRoute);

/** `tokenLimit`: enforce Genesys Cloud's per-token rate limit (300 a minute) and report it in headers. */
export function startGenesysApiStandIn(isAuthorized: IsAuthorized, queues: Record<string, unknown> = SAMPLE_QUEUES, tokenLimit?: TokenLimit): Promise<ApiStandIn & TokenLimitedStandIn> {
  return startApiStandIn(isAuthorized, firstRoute([estimatedWaitRoute(queues)]), GENESYS_CORRELATION_HEADER, tokenLimit);
}

import { startApiStandIn, type ApiStandIn, type IsAuthorized } from './apiStandIn';
import { json } from './loopbackServer';

/**
 * Stand-ins for the platform APIs the sample actions call, in the shapes the platforms
 * document: Genesys Cloud's EstimatedWaitTimePredictions (with `inin-correlation-id`) and
 * CXone's agent states (`agentStates[]`, 204 when there is nothing to report; the CXone
 * shape is assumed from a client generated from NICE's specification, see README).
 */

export const SAMPLE_QUEUE_ID = '6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b';
export const SAMPLE_QUEUES: Record<string, unknown> = {
  [SAMPLE_QUEUE_ID]: { results: [{ intent: 'ALL', formula: 'BEST', estimatedWaitTimeSeconds: 95 }] },
  'a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d': { results: [] },
};

export const SAMPLE_AGENTS: Record<string, unknown> = {
  '1234567': {
    agentStates: [
      {
        agentId: 1234567,
        agentStateId: 2,
        agentStateName: 'Unavailable',
        outStateId: 12,
        outStateDescription: 'Lunch',
        startDate: '2026-11-26T12:01:30.000Z',
        lastUpdateTime: '2026-11-26T12:01:30.000Z',
        firstName: 'Ada',
        lastName: 'Lovelace',
        teamName: 'Tier 2',
      },
    ],
  },
  '7654321': {
    agentStates: [{ agentId: 7654321, agentStateId: 1, agentStateName: 'Available', outStateId: 0, outStateDescription: '', startDate: '2026-11-26T08:00:00.000Z' }],
  },
};

const ESTIMATED_WAIT = /^\/api\/v2\/routing\/queues\/([^/]+)(?:\/mediatypes\/([^/]+))?\/estimatedwaittime$/;

export function startGenesysApiStandIn(isAuthorized: IsAuthorized, queues: Record<string, unknown> = SAMPLE_QUEUES): Promise<ApiStandIn> {
  return startApiStandIn(
    isAuthorized,
    ({ method, url }) => {
      const match = ESTIMATED_WAIT.exec(url.pathname);
      const queueId = match ? decodeURIComponent(match[1]!) : '';
      const predictions = queues[queueId];
      if (method !== 'GET' || !match || !predictions) {
        return json(404, { message: `queue ${queueId} not found`, code: 'not.found', status: 404 });
      }
      const mediaType = match[2];
      // The per-media endpoint scopes its predictions to that media type (intent).
      if (!mediaType) return json(200, predictions);
      const results = (predictions as { results: Array<Record<string, unknown>> }).results.map((result) => ({ ...result, intent: mediaType.toUpperCase() }));
      return json(200, { results });
    },
    'inin-correlation-id',
  );
}

const AGENT_STATES = /^\/incontactapi\/services\/v\d+\.\d+\/agents\/(\d+)\/states$/i;

export function startCxoneApiStandIn(isAuthorized: IsAuthorized, agents: Record<string, unknown> = SAMPLE_AGENTS): Promise<ApiStandIn> {
  return startApiStandIn(isAuthorized, ({ method, url }) => {
    const match = AGENT_STATES.exec(url.pathname);
    if (method !== 'GET' || !match) return json(404, { error: 'not found' });
    const states = agents[match[1]!];
    return states ? json(200, states) : { status: 204 };
  });
}

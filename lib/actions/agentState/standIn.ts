import { firstRoute, startApiStandIn, type ActionStandIn, type ApiRoute, type ApiStandIn, type IsAuthorized } from '../../sandbox/apiStandIn';
import { json } from '../../sandbox/loopbackServer';

/**
 * The loopback stand-in for agentState: CXone's agent states (`agentStates[]`, 204 when
 * there is nothing to report). The shape is assumed from a client generated from NICE's
 * specification (README).
 */

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

const AGENT_STATES = /^\/incontactapi\/services\/v\d+\.\d+\/agents\/(\d+)\/states$/i;

export function agentStatesRoute(agents: Record<string, unknown> = SAMPLE_AGENTS): ApiRoute {
  return ({ method, url }) => {
    const match = AGENT_STATES.exec(url.pathname);
    if (!match) return undefined;
    if (method !== 'GET') return json(404, { error: 'not found' });
    const states = agents[match[1]!];
    return states ? json(200, states) : { status: 204 };
  };
}

export const standIn: ActionStandIn = { route: agentStatesRoute() };

export function startCxoneApiStandIn(isAuthorized: IsAuthorized, agents: Record<string, unknown> = SAMPLE_AGENTS): Promise<ApiStandIn> {
  return startApiStandIn(isAuthorized, firstRoute([agentStatesRoute(agents)]));
}

import { defineStandIn, firstRoute, startApiStandIn, type ActionStandIn, type ApiRoute, type ApiStandIn, type IsAuthorized } from '../../../tools/standIns/apiStandIn';
import { json } from '../../../tools/standIns/loopbackServer';

/**
 * The loopback stand-in for agentState: CXone's `GET …/InContactAPI/services/v27.0/cache/agentstate`,
 * answering `{ resultSet: { agentState: [...] } }` for every agent, as NICE's agent SDK reads it
 * (action.ts cites the files). Records carry the fields of the SDK's AgentStateResponse model
 * and only those `fields` asks for, changed after `updatedSince`. agentId comes as a number or a numeric string (the SDK
 * parses either). *Assumption:* 204 No Content when there are no agents (no NICE source).
 */

export const SAMPLE_AGENTS: ReadonlyArray<Record<string, unknown>> = [
  {
    agentId: 1234567,
    userId: '11e9a2b4-0d1c-4a8e-9f2b-3c4d5e6f7a8b',
    agentStateName: 'Unavailable',
    contactId: '',
    firstName: 'Ada',
    isActive: 'True',
    isOutbound: 'False',
    lastName: 'Lovelace',
    lastPollTime: '2026-11-26T12:05:00.000Z',
    lastUpdateTime: '2026-11-26T12:01:30.000Z',
    mediaName: '',
    outStateCode: 12,
    outStateDescription: 'Lunch',
    skillId: '',
    skillName: '',
    startDate: '2026-11-26T12:01:30.000Z',
    stationPhoneNumber: 5551234,
    teamId: 42,
    teamName: 'Tier 2',
    userName: 'ada.lovelace@example.com',
  },
  {
    agentId: '7654321',
    userId: '22f0b3c5-1e2d-4b9f-8a3c-4d5e6f7a8b9c',
    agentStateName: 'Available',
    contactId: '',
    firstName: 'Grace',
    isActive: 'True',
    isOutbound: 'False',
    lastName: 'Hopper',
    lastPollTime: '2026-11-26T12:05:00.000Z',
    lastUpdateTime: '2026-11-26T08:00:00.000Z',
    mediaName: '',
    outStateCode: 0,
    outStateDescription: '',
    skillId: '',
    skillName: '',
    startDate: '2026-11-26T08:00:00.000Z',
    stationPhoneNumber: 5557654,
    teamId: 42,
    teamName: 'Tier 2',
    userName: 'grace.hopper@example.com',
  },
];

const AGENT_STATE = /^\/InContactAPI\/services\/v\d+\.\d+\/cache\/agentstate$/i;

/** Whether the record changed after `updatedSince` (every record when the request gives none). */
function changedSince(record: Record<string, unknown>, updatedSince: string | null): boolean {
  return !updatedSince || Date.parse(String(record.lastUpdateTime)) > Date.parse(updatedSince);
}

/** Keeps only the fields the request names (all of them when it names none). */
function selected(record: Record<string, unknown>, fields: string | null): Record<string, unknown> {
  if (!fields) return record;
  const wanted = new Set(fields.split(','));
  return Object.fromEntries(Object.entries(record).filter(([field]) => wanted.has(field)));
}

export function agentStatesRoute(agents: ReadonlyArray<Record<string, unknown>> = SAMPLE_AGENTS): ApiRoute {
  return ({ method, url }) => {
    if (!AGENT_STATE.test(url.pathname)) return undefined;
    if (method !== 'GET') return json(404, { error: 'not found' });
    const changed = agents.filter((agent) => changedSince(agent, url.searchParams.get('updatedSince')));
    if (changed.length === 0) return { status: 204 };
    return json(200, { resultSet: { agentState: changed.map((agent) => selected(agent, url.searchParams.get('fields'))) } });
  };
}

export const standIn: ActionStandIn = defineStandIn(SAMPLE_AGENTS, agentStatesRoute);

export function startCxoneApiStandIn(isAuthorized: IsAuthorized, agents: ReadonlyArray<Record<string, unknown>> = SAMPLE_AGENTS): Promise<ApiStandIn> {
  return startApiStandIn(isAuthorized, firstRoute([agentStatesRoute(agents)]));
}

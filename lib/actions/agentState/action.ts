import * as z from 'zod';
import { defineAction } from '../../runtime/action';

/**
 * agentState: an agent's current state in NICE CXone, for a flow that routes to a
 * preferred agent only when they are available.
 *
 * Upstream: `GET {api_endpoint}/InContactAPI/services/v27.0/cache/agentstate?fields=…&updatedSince=…`,
 * the endpoint NICE's own agent SDK reads agent states from (nice-devone/nice-cxone-agent-sdk
 * @ abf046da283c2007a6d206e3cf92ecbd63f013e0):
 * - dist/core-sdk/src/constants/api-uri-constants.js: `AGENT_STATE_URI = '/InContactAPI/services/v27.0/cache/agentstate'`;
 * - dist/agent-sdk/src/lib/directory/provider/cxone-directory-provider.js (requestDirectoryData):
 *   base `acdApiBaseUri`, which is the tenant's `api_endpoint`
 *   (dist/common-sdk/src/lib/model/authenticate/cxone-configuration.js), query `fields` and
 *   `updatedSince` (the epoch on a first poll: every agent);
 * - dist/agent-sdk/src/lib/directory/adapter/cxone-directory-adapter.js reads `resultSet.agentState[]`;
 * - field names as in the SDK model AgentStateResponse (dist/common-sdk/src/lib/model/agent-state-response.d.ts):
 *   agentId, agentStateName ("Name of state for the Agent"), outStateCode, outStateDescription
 *   ("Name of Unavailable state"), startDate, lastUpdateTime.
 * It answers for every agent of the business unit, so the transform picks the agent by id.
 * The per-agent path used before (`/incontactapi/services/v27.0/agents/{agentId}/states`) is in
 * no NICE source found (research-17 §5), so it is not used.
 * The SDK's other variant, `/acd-apiservices/v1/agents/states`, sits behind a NICE feature toggle
 * and another base URI (apiFacadeBaseUri); the v33.0 path behind a tenant-segmentation toggle.
 */

export const CXONE_AGENT_STATE_PATH = '/InContactAPI/services/v27.0/cache/agentstate';
/** Only what the transform reads: every one is in the SDK's own `fields` list. */
export const AGENT_STATE_FIELDS = ['agentId', 'agentStateName', 'outStateCode', 'outStateDescription', 'startDate', 'lastUpdateTime'] as const;
/** The SDK's first-poll `updatedSince` (new Date(0).toISOString()): the states of every agent, not only recent changes. */
export const EVERY_AGENT_SINCE = new Date(0).toISOString();

const Input = z.object(
  {
    // A string, as data action input contracts carry ids; CXone agent ids are whole numbers.
    agentId: z
      .string({ error: (issue) => (issue.input === undefined ? 'agentId is required' : 'agentId must be a string') })
      .trim()
      .regex(/^[1-9]\d{0,11}$/, 'agentId must be a CXone agent id (a positive whole number, e.g. "1234567")'),
  },
  { error: 'input must be a JSON object like {"agentId": "1234567"}' },
);

/** The SDK parses agentId and outStateCode with parseInteger, so either a number or a numeric string may come. */
const NumberOrText = z.union([z.number(), z.string()]);

const AgentStateRecord = z.object({
  agentId: NumberOrText.nullish(),
  agentStateName: z.string({ error: 'agentStateName is required' }).min(1, 'agentStateName is required'),
  outStateCode: NumberOrText.nullish(),
  outStateDescription: z.string().nullish(),
  startDate: z.string().nullish(),
  lastUpdateTime: z.string().nullish(),
});

/** *Assumption:* CXone may answer 204 No Content when it has no states; the pipeline passes that as null. */
const AgentStates = z.union([
  z.null(),
  z.object({ resultSet: z.object({ agentState: z.array(AgentStateRecord).nullish() }).nullish() }),
]);

const Output = z.object({
  found: z.boolean(),
  agentId: z.string().optional(),
  state: z.string().optional(),
  /** The Unavailable reason (CXone "out state"), when the agent is unavailable. */
  reason: z.string().optional(),
  /** When the agent entered the state, as CXone gives it. */
  since: z.string().optional(),
});

type Input = z.infer<typeof Input>;
type Output = z.infer<typeof Output>;

export function summariseAgentState(response: z.infer<typeof AgentStates>, input: Input): Output {
  const state = response?.resultSet?.agentState?.find((record) => record.agentId != null && String(record.agentId).trim() === input.agentId);
  if (!state) return { found: false };
  const reason = state.outStateDescription?.trim();
  const since = state.startDate ?? state.lastUpdateTime;
  return {
    found: true,
    agentId: input.agentId,
    state: state.agentStateName,
    ...(reason && { reason }),
    ...(since && { since }),
  };
}

export const agentState = defineAction({
  name: 'agentState',
  description: "An agent's current NICE CXone state, the Unavailable reason and since when.",
  platform: 'nice-cxone',
  input: Input,
  request: () => ({ method: 'GET', path: CXONE_AGENT_STATE_PATH, query: { fields: AGENT_STATE_FIELDS.join(','), updatedSince: EVERY_AGENT_SINCE } }),
  response: AgentStates,
  transform: summariseAgentState,
  output: Output,
  timeoutMs: 3_000,
});

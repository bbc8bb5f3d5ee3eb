import * as z from 'zod';
import { defineAction, path } from '../../action';

/**
 * agentState: an agent's current state in NICE CXone, for a flow that routes to a
 * preferred agent only when they are available. CXone Real-Time Data API
 * `GET {api_endpoint}/incontactapi/services/v27.0/agents/{agentId}/states`.
 * The response shape (agentStates[] with agentStateName, outStateDescription, startDate)
 * is taken from a client generated from NICE's API specification; NICE's own reference
 * page could not be read here, so the shape is assumed and parsed leniently (README).
 */

export const CXONE_API_VERSION = 'v27.0';

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

const AgentStateRecord = z.object({
  agentId: z.union([z.number(), z.string()]).nullish(),
  agentStateId: z.number().nullish(),
  agentStateName: z.string({ error: 'agentStateName is required' }).min(1, 'agentStateName is required'),
  outStateId: z.number().nullish(),
  outStateDescription: z.string().nullish(),
  startDate: z.string().nullish(),
  lastUpdateTime: z.string().nullish(),
});

/** CXone answers 204 No Content when it has nothing for the agent: the pipeline passes that as null. */
const AgentStates = z.union([
  z.null(),
  z.object({
    agentStates: z
      .array(z.unknown())
      .nullish()
      .transform((states) => states?.[0])
      .pipe(AgentStateRecord.optional()),
  }),
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
  const state = response?.agentStates;
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
  request: ({ agentId }: Input) => ({ method: 'GET', path: path`/incontactapi/services/${CXONE_API_VERSION}/agents/${agentId}/states` }),
  response: AgentStates,
  transform: summariseAgentState,
  output: Output,
  timeoutMs: 3_000,
});

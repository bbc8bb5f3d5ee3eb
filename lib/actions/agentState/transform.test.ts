import { agentState, summariseAgentState } from './action';

/** agentState's transform without a network: CXone's agent list in, one agent's state out. */

describe('agentState transform', () => {
  it("picks the agent by id from CXone's list, whether the id comes as a number or a string, and reads the SDK model's fields", () => {
    const response = {
      resultSet: {
        agentState: [
          { agentId: 1, agentStateName: 'Available', outStateCode: 0, outStateDescription: '', startDate: '2026-11-26T08:00:00.000Z' },
          { agentId: '2', agentStateName: 'Unavailable', outStateCode: '7', outStateDescription: ' Training ', startDate: null, lastUpdateTime: '2026-11-26T09:15:00.000Z' },
          { agentId: 3, agentStateName: 'Working' },
        ],
      },
    };
    const parsed = agentState.response.parse(response);

    expect(summariseAgentState(parsed, { agentId: '1' })).toStrictEqual({ found: true, agentId: '1', state: 'Available', since: '2026-11-26T08:00:00.000Z' });
    expect(summariseAgentState(parsed, { agentId: '2' })).toStrictEqual({ found: true, agentId: '2', state: 'Unavailable', reason: 'Training', since: '2026-11-26T09:15:00.000Z' });
    expect(summariseAgentState(parsed, { agentId: '3' })).toStrictEqual({ found: true, agentId: '3', state: 'Working' });
    expect(summariseAgentState(parsed, { agentId: '4' })).toStrictEqual({ found: false });
    expect(summariseAgentState(agentState.response.parse({ resultSet: { agentState: [] } }), { agentId: '1' })).toStrictEqual({ found: false });
    expect(agentState.response.safeParse({ resultSet: { agentState: [{ agentId: 1, agentStateName: '' }] } }).success).toBe(false);
  });
});

import { agentState } from '../lib/actions/agentState';
import { createDirectHandler } from '../lib/directInvoke';

export const handler = createDirectHandler(agentState);

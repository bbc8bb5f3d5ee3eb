import { agentState } from '../lib/actions/agentState';
import { createDirectHandler } from '../lib/front/directInvoke';

export const handler = createDirectHandler(agentState);

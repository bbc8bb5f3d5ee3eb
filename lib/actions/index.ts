import type { AnyAction } from '../action';
import { agentState } from './agentState';
import { customerLookup } from './customerLookup';
import { queueEstimatedWait } from './queueEstimatedWait';

/** Every declared action: the HTTP front routes to these, and `npm run contracts` describes them. */
export const ACTIONS: readonly AnyAction[] = [customerLookup, queueEstimatedWait, agentState];

import { queueEstimatedWait } from '../lib/actions/queueEstimatedWait';
import { createDirectHandler } from '../lib/directInvoke';

export const handler = createDirectHandler(queueEstimatedWait);

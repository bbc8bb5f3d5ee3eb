import { queueEstimatedWait } from '../lib/actions/queueEstimatedWait';
import { createDirectHandler } from '../lib/front/directInvoke';

export const handler = createDirectHandler(queueEstimatedWait);

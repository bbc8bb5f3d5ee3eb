import { ACTIONS } from '../lib/actions';
import { createHttpHandler } from '../lib/front/httpFront';

export const handler = createHttpHandler(ACTIONS);

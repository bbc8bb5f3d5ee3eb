import { customerLookup } from '../lib/actions/customerLookup';
import { createDirectHandler } from '../lib/front/directInvoke';

export const handler = createDirectHandler(customerLookup);

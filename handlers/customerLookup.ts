import { customerLookup } from '../lib/actions/customerLookup';
import { createDirectHandler } from '../lib/directInvoke';

export const handler = createDirectHandler(customerLookup);

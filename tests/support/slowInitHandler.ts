import { customerLookup } from '../../lib/actions/customerLookup/action';
import { createDirectHandler } from '../../lib/front/directInvoke';

/**
 * customerLookup's handler behind an INIT that takes SLOW_INIT_MS (a large bundle, a slow
 * dependency), busy, as module loading is: tests/e2e/lambdaRuntime.test.ts checks that an on-demand
 * cold start's INIT counts against the action's timeout.
 */
const until = performance.timeOrigin + Number(process.env.SLOW_INIT_MS ?? 0);
while (Date.now() < until) {
  // INIT is busy loading.
}

export const handler = createDirectHandler(customerLookup);

import * as z from 'zod';
import { defineAction } from '../../lib/runtime/action';
import { createDirectHandler } from '../../lib/front/directInvoke';

/**
 * customerLookup's request with a transform that waits on an unref'd timer, as a library's
 * wait may: only the invocation's own hold of the event loop (lib/runtime/eventLoopHold.ts) keeps the
 * Lambda runtime from answering null meanwhile (tests/e2e/lambdaRuntime.test.ts).
 */
const unrefWait = defineAction({
  name: 'unrefWait',
  description: 'Looks a customer up and waits 100 ms on an unref timer before answering (tests only).',
  input: z.object({ phoneNumber: z.string() }),
  request: ({ phoneNumber }) => ({ method: 'GET', path: '/customers', query: { phone: phoneNumber } }),
  response: z.object({ data: z.array(z.object({ id: z.string() })) }),
  transform: async ({ data }) => {
    await new Promise((resolve) => setTimeout(resolve, 100).unref());
    return { customerId: data[0]?.id ?? 'none' };
  },
  output: z.object({ customerId: z.string() }),
  requiredConfig: ['UPSTREAM_BASE_URL'],
});

export const handler = createDirectHandler(unrefWait);

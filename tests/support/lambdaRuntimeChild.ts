/**
 * A child process that runs a handler the way the Lambda Node runtime does, for
 * tests/support/lambdaRuntime.ts. Nothing of its own keeps the event loop alive while an
 * invocation is pending, and a 'beforeExit' while one is pending answers it with `null`, as
 * the runtime interface client does (aws/aws-lambda-nodejs-runtime-interface-client,
 * src/Runtime.js `_setDefaultExitListener`: `postInvocationResponse(null, …)` for a handler
 * that is not an `async function`, a NodeJsExit error for one that is). The next batch of
 * invocations starts on the next turn of the loop, as the runtime's `scheduleIteration` does.
 *
 * argv[2]: the handler module, relative to the project root (e.g. handlers/customerLookup.ts);
 * env LAMBDA_RUNTIME_PLAN: JSON of the batches (see lambdaRuntime.ts). Each answer is written
 * to file descriptor 3 as a JSON line, so the function's own stdout (its logs) stays apart.
 */
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { createLambdaContext } from '../../tools/sandbox/lambdaContext';
import type { RuntimeAnswer, RuntimeInvocation } from './lambdaRuntime';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const [, , modulePath = ''] = process.argv;
const batches = JSON.parse(process.env.LAMBDA_RUNTIME_PLAN ?? '[]') as RuntimeInvocation[][];
const pending = new Map<string, RuntimeAnswer>();

function answer(result: RuntimeAnswer): void {
  writeSync(3, `${JSON.stringify(result)}\n`);
}

process.on('beforeExit', () => {
  // The runtime's default exit listener: the event loop emptied while the handler's promise was pending.
  for (const [id, waiting] of pending) {
    answer({ ...waiting, outcome: 'null' });
    pending.delete(id);
  }
});

async function runBatch(handler: Handler, batch: RuntimeInvocation[], batchIndex: number): Promise<void> {
  await Promise.all(
    batch.map(async (invocation, index) => {
      const context = createLambdaContext(invocation.functionName ?? 'bridge', invocation.timeoutMs ?? 6_000, invocation.clientContext);
      const id = `${batchIndex}.${index}`;
      const base: RuntimeAnswer = { batch: batchIndex, index, outcome: 'null' };
      pending.set(id, base);
      const startedAt = Date.now();
      let settled: RuntimeAnswer;
      try {
        settled = { ...base, outcome: 'ok', value: await handler(invocation.event, context) };
      } catch (error) {
        const { name, message, code } = error as { name?: string; message?: string; code?: string };
        settled = { ...base, outcome: 'error', error: { name, message, code } };
      }
      settled.elapsedMs = Date.now() - startedAt;
      // Answered already (null) when the loop emptied first: the late answer is recorded as such.
      if (pending.delete(id)) answer(settled);
      else answer({ ...settled, late: true });
    }),
  );
}

async function main(): Promise<void> {
  const { handler } = (await import(join(__dirname, '..', '..', modulePath))) as { handler: Handler };
  for (const [index, batch] of batches.entries()) {
    // scheduleIteration: the next invocation is fetched on the next turn of the loop.
    await new Promise((resolve) => setImmediate(resolve));
    await runBatch(handler, batch, index);
  }
}

void main();

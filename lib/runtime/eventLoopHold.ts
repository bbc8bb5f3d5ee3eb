/**
 * Keeps the event loop alive while work someone is waiting for is pending.
 *
 * The Lambda Node runtime answers an invocation with `null` (or, for an `async function`
 * handler, a NodeJsExit error) when the event loop empties while the handler's promise is
 * pending: its default 'beforeExit' listener posts that answer (aws/aws-lambda-nodejs-
 * runtime-interface-client, src/Runtime.js `_setDefaultExitListener`). During a retry's
 * back-off, a Retry-After or a wait for a token's budget nothing else may hold the loop:
 * idle keep-alive sockets are unref'd, and so are the timers that bound work which may
 * outlive its invocation (a shared fetch's deadline, lib/http/deadline.ts). So every invocation,
 * and every command-line run, holds the loop from start to settlement here: one shared timer
 * that is ref'd while anything is held and unref'd otherwise (a ref count, not a timer per
 * invocation: this runs on every warm invocation).
 */

/** Longest delay a Node timer takes (2^31 − 1 ms); it never needs to fire. */
const NEVER_MS = 2_147_483_647;

let held = 0;
let handle: NodeJS.Timeout | undefined;

function hold(): void {
  handle ??= setInterval(() => undefined, NEVER_MS);
  if (held++ === 0) handle.ref();
}

function release(): void {
  if (--held === 0) handle?.unref();
}

/** Runs `work` with the event loop held until the promise it returns settles. */
export async function whileHeld<T>(work: () => Promise<T>): Promise<T> {
  hold();
  try {
    return await work();
  } finally {
    release();
  }
}

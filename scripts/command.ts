/**
 * How every npm script runs its work: the event loop is held until the work settles (the
 * bridge's waits use timers and sockets that do not keep a process alive on their own, so a
 * back-off or an unreachable endpoint would otherwise end the process silently with exit code
 * 0: lib/runtime/eventLoopHold.ts), a failure prints its message and exits non-zero, and the process
 * exits with the work's own code once it is done, without waiting for idle connections.
 */
import { whileHeld } from '../lib/runtime/eventLoopHold';

/** Exit codes: 0 done, 1 the work failed, 2 the command line was wrong. */
export async function runCommand(work: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await whileHeld(work);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    code = 1;
  }
  process.exit(code);
}

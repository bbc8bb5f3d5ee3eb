import { EventEmitter } from 'node:events';
import { SHARED_FETCH_BUDGET_MS } from '../base/constants';
import { ErrorCode, TimeoutError } from '../base/errors';
import type { Log } from '../base/logger';

/**
 * What a step is told when its deadline passes: `aborted`, `reason`, an 'abort' event and
 * `onabort`, which is what undici (`signal`: an AbortSignal or an EventEmitter, its
 * Dispatcher docs) and the AWS SDK (`abortSignal`: `aborted` and `onabort`) read. Not an
 * AbortSignal: on Node 20 adding a listener to one costs about 5 µs, against about 0.1 µs on
 * an EventEmitter, and every request adds one.
 */
export class StepSignal extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((event: { type: 'abort' }) => void) | null = null;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
    this.onabort?.({ type: 'abort' });
  }
}

/**
 * The time an invocation may spend (docs/design.md §7): now + min(remaining Lambda time, action
 * timeout) − margin. Every network step runs through `run`, so a hung dependency becomes a
 * clean TIMEOUT naming the step before Lambda kills the container. It also carries the log
 * of the invocation it bounds (lib/base/logger.ts `invocationLog`): the steps it is handed to
 * write their lines there, so each line names the invocation.
 */
export class Deadline {
  /** `log`: the invocation's (`invocationLog`), or the shared logger for work outside any invocation (init, the doctor). */
  constructor(
    readonly atMs: number,
    readonly log: Log,
  ) {}

  static after(budgetMs: number, log: Log): Deadline {
    return new Deadline(Date.now() + budgetMs, log);
  }

  remainingMs(): number {
    return this.atMs - Date.now();
  }

  /**
   * The bound of a request shared by concurrent invocations (secret, token, discovery): the
   * starter's deadline or SHARED_FETCH_BUDGET_MS, whichever is later, so that the starter
   * giving up does not fail invocations that joined it with more time. Each invocation still
   * waits only until its own deadline. The shared work's lines carry the starter's keys.
   */
  forSharedWork(): Deadline {
    return Deadline.after(Math.max(this.remainingMs(), SHARED_FETCH_BUDGET_MS), this.log);
  }

  timeoutError(step: string): TimeoutError {
    return new TimeoutError(
      ErrorCode.TIMEOUT,
      `${step} timed out: the invocation's deadline was reached (raise ACTION_TIMEOUT_MS or the Lambda timeout, or check that ${step} answers)`,
    );
  }

  /**
   * Runs `work` with a signal that aborts at the deadline. Rejects with TIMEOUT at the
   * deadline even if `work` ignores its signal; `work`'s own later failure is then ignored.
   */
  run<T>(step: string, work: (signal: StepSignal) => Promise<T>): Promise<T> {
    const remaining = this.remainingMs();
    if (remaining <= 0) return Promise.reject(this.timeoutError(step));
    const signal = new StepSignal();
    // One promise and one timer per step, no Promise.race: this runs on every network step of the warm path.
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const timeout = this.timeoutError(step);
        reject(timeout);
        signal.abort(timeout);
      }, remaining);
      // Unref'd: the bound of a shared fetch may outlive the invocations that waited on it and must not keep a process alive. An invocation holds the event loop itself (lib/runtime/eventLoopHold.ts).
      timer.unref();
      const settle = () => clearTimeout(timer);
      let working: Promise<T>;
      try {
        working = work(signal);
      } catch (error) {
        settle();
        reject(error);
        return;
      }
      working.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          // After the deadline this changes nothing: the timer has already rejected with TIMEOUT.
          settle();
          reject(error);
        },
      );
    });
  }
}

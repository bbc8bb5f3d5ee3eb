import { SHARED_FETCH_BUDGET_MS } from './constants';
import { ErrorCode, TimeoutError } from './errors';
import { logger, type Log } from './logger';

/**
 * The time an invocation may spend (SPEC §7): now + min(remaining Lambda time, action
 * timeout) − margin. Every network step runs through `run`, so a hung dependency becomes a
 * clean TIMEOUT naming the step before Lambda kills the container. It also carries the log
 * of the invocation it bounds (lib/logger.ts `invocationLog`): the steps it is handed to
 * write their lines there, so each line names the invocation.
 */
export class Deadline {
  constructor(
    readonly atMs: number,
    readonly log: Log = logger,
  ) {}

  static after(budgetMs: number, log: Log = logger): Deadline {
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
  async run<T>(step: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const remaining = this.remainingMs();
    if (remaining <= 0) throw this.timeoutError(step);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(this.timeoutError(step));
      }, remaining);
      timer.unref();
    });
    const working = work(controller.signal);
    working.catch(() => undefined);
    try {
      return await Promise.race([working, expired]);
    } catch (error) {
      throw controller.signal.aborted ? this.timeoutError(step) : error;
    } finally {
      clearTimeout(timer);
    }
  }
}

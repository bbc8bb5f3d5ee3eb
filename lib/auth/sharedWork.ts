import type { Deadline } from '../deadline';

/**
 * A request shared by concurrent invocations (secret, token, discovery). It runs to its own
 * bound (Deadline.forSharedWork), so the invocation that started it giving up does not fail
 * the others; each waits only until its own deadline. When every waiter has given up on
 * it, it is abandoned: the next invocation starts a fresh request instead of joining one
 * that is stuck.
 */
export class SharedWork<T> {
  readonly promise: Promise<T>;
  #waiters = 0;
  #settled = false;

  constructor(start: () => Promise<T>, private readonly onAbandoned: () => void) {
    this.promise = start();
    const settle = () => {
      this.#settled = true;
    };
    this.promise.then(settle, settle);
  }

  async wait(step: string, deadline: Deadline): Promise<T> {
    this.#waiters++;
    try {
      return await deadline.run(step, () => this.promise);
    } finally {
      if (--this.#waiters === 0 && !this.#settled) this.onAbandoned();
    }
  }
}

import type { Deadline } from '../deadline';
import { SharedWork } from './sharedWork';

/**
 * One request at a time for a shared value: callers that arrive while it is under way
 * share it; a failure is handed to every waiter and then forgotten, so the next caller
 * tries again (no poisoned cache), and a request every waiter gave up on is abandoned.
 */
export class SingleFlight<T> {
  #work?: SharedWork<T>;

  /** Runs `start` once for all concurrent callers; each waits for it until its own deadline. */
  share(step: string, deadline: Deadline, start: (shared: Deadline) => Promise<T>): Promise<T> {
    if (!this.#work) {
      const forget = () => {
        if (this.#work === work) this.#work = undefined;
      };
      const work: SharedWork<T> = new SharedWork(() => start(deadline.forSharedWork()), forget);
      this.#work = work;
      work.promise.then(forget, forget);
    }
    return this.#work.wait(step, deadline);
  }
}

/**
 * One request at a time for a shared value: callers that arrive while it is under way
 * share its promise; a failure is handed to every waiter and then forgotten, so the next
 * caller tries again (no poisoned cache).
 */
export class SingleFlight<T> {
  #inflight?: Promise<T>;

  run(start: () => Promise<T>): Promise<T> {
    if (!this.#inflight) {
      const inflight = start();
      this.#inflight = inflight;
      const clear = () => {
        if (this.#inflight === inflight) this.#inflight = undefined;
      };
      inflight.then(clear, clear);
    }
    return this.#inflight;
  }
}

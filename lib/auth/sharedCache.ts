import type { Deadline } from '../http/deadline';

/**
 * The one cache under the token source: secrets, tokens and discovery documents (as
 * Powertools' BaseProvider keeps one map of expirable values and each provider writes only
 * its fetch). Per key it holds the last value and at most one fetch under way:
 * - a value is served while `isFresh` says so;
 * - concurrent callers share one fetch (Middy's habit: the cache keeps the promise);
 * - a failed fetch is handed to every waiter and forgotten: failures are never cached;
 * - the fetch runs to its own bound (Deadline.forSharedWork), so the caller that started it
 *   giving up does not fail the others; each waiter waits only until its own deadline;
 * - a fetch every waiter gave up on is dropped, so the next caller starts afresh instead of
 *   joining one that is stuck.
 */

class Flight<V> {
  readonly promise: Promise<V>;
  #waiters = 0;
  #settled = false;

  constructor(start: () => Promise<V>, private readonly onAbandoned: () => void) {
    this.promise = start();
    const settle = () => {
      this.#settled = true;
    };
    this.promise.then(settle, settle);
  }

  async wait(step: string, deadline: Deadline): Promise<V> {
    this.#waiters++;
    try {
      return await deadline.run(step, () => this.promise);
    } finally {
      if (--this.#waiters === 0 && !this.#settled) this.onAbandoned();
    }
  }
}

interface Slot<V> {
  value?: V;
  flight?: Flight<V>;
}

export class SharedCache<K, V> {
  readonly #slots = new Map<K, Slot<V>>();

  /** `isFresh` decides how long a value is served; by default for the container's life. */
  constructor(private readonly isFresh: (value: V) => boolean = () => true) {}

  /** The value held for `key` while it is fresh. */
  peek(key: K): V | undefined {
    const value = this.#slots.get(key)?.value;
    return value !== undefined && this.isFresh(value) ? value : undefined;
  }

  /** The last value held for `key`, fresh or not (to serve stale while a refresh fails). */
  latest(key: K): V | undefined {
    return this.#slots.get(key)?.value;
  }

  /** Waits for the fetch under way for `key`, if there is one. */
  join(key: K, step: string, deadline: Deadline): Promise<V> | undefined {
    return this.#slots.get(key)?.flight?.wait(step, deadline);
  }

  /** A fresh value, else the fetch under way, else a new one shared by concurrent callers. */
  get(key: K, step: string, deadline: Deadline, fetch: (shared: Deadline) => Promise<V>): Promise<V> {
    const fresh = this.peek(key);
    return fresh !== undefined ? Promise.resolve(fresh) : this.fetch(key, step, deadline, fetch);
  }

  /** Fetches whatever is held: joins the fetch under way or starts one. */
  fetch(key: K, step: string, deadline: Deadline, fetch: (shared: Deadline) => Promise<V>): Promise<V> {
    const slot = this.#slot(key);
    if (!slot.flight) {
      const flight: Flight<V> = new Flight(
        () => fetch(deadline.forSharedWork()),
        () => this.#land(slot, flight),
      );
      slot.flight = flight;
      flight.promise.then(
        (value) => {
          this.#land(slot, flight);
          slot.value = value;
        },
        () => this.#land(slot, flight),
      );
    }
    return slot.flight.wait(step, deadline);
  }

  set(key: K, value: V): void {
    this.#slot(key).value = value;
  }

  /** Forgets `value` under every key that holds it (only that value: a newer one stays), e.g. a token the upstream rejected. */
  forget(value: V): void {
    for (const slot of this.#slots.values()) if (slot.value === value) slot.value = undefined;
  }

  #slot(key: K): Slot<V> {
    let slot = this.#slots.get(key);
    if (!slot) this.#slots.set(key, (slot = {}));
    return slot;
  }

  /** The flight is over (settled or abandoned): the next caller may start another. */
  #land(slot: Slot<V>, flight: Flight<V>): void {
    if (slot.flight === flight) slot.flight = undefined;
  }
}

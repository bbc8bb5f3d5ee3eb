import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { CIRCUIT_FAILURE_THRESHOLD, CIRCUIT_OPEN_MS } from '../base/constants';
import { BridgeError, ErrorCode } from '../base/errors';
import type { Log } from '../base/logger';

/**
 * A circuit breaker per dependency and container (cockatiel's ConsecutiveBreaker): after
 * CIRCUIT_FAILURE_THRESHOLD availability failures in a row, calls fail at once with
 * CIRCUIT_OPEN for CIRCUIT_OPEN_MS, then one trial call decides whether to close it. A data
 * action waiting on a dead dependency only holds the caller on the line; failing fast lets
 * the flow take its failure path, and spares a struggling dependency.
 */

/** Only unavailability counts: a rejected credential or bad input says nothing about the dependency's health. */
const AVAILABILITY_FAILURES = new Set<string>([
  ErrorCode.TOKEN_UNAVAILABLE,
  ErrorCode.UPSTREAM_ERROR,
  ErrorCode.UPSTREAM_RATE_LIMITED,
  ErrorCode.TIMEOUT,
]);

export function isAvailabilityFailure(error: unknown): boolean {
  if (!(error instanceof BridgeError) || !AVAILABILITY_FAILURES.has(error.code)) return false;
  // An upstream 4xx other than 429 is an answer, not an outage.
  return error.code !== ErrorCode.UPSTREAM_ERROR || error.status === undefined || error.status >= 500;
}

export class DependencyBreaker {
  readonly #policy: CircuitBreakerPolicy;
  /** A change of state not yet logged: written by the call that sees it, in its invocation's log. */
  #unreported?: 'open' | 'closed';

  /** `isFailure`: what counts against the dependency (by default isAvailabilityFailure). */
  constructor(
    readonly dependency: string,
    isFailure: (error: unknown) => boolean = isAvailabilityFailure,
  ) {
    this.#policy = circuitBreaker(handleWhen(isFailure), {
      halfOpenAfter: CIRCUIT_OPEN_MS,
      breaker: new ConsecutiveBreaker(CIRCUIT_FAILURE_THRESHOLD),
    });
    // cockatiel emits these inside the call whose outcome changed the state; that call reports them on its way out.
    this.#policy.onBreak(() => (this.#unreported = 'open'));
    this.#policy.onReset(() => (this.#unreported = 'closed'));
  }

  /** Runs `work` through the breaker; `log` is the invocation's, where a change of state it causes is written. */
  async run<T>(log: Log, work: () => Promise<T>): Promise<T> {
    try {
      return await this.#policy.execute(work);
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new BridgeError(
          ErrorCode.CIRCUIT_OPEN,
          `${this.dependency} failed ${CIRCUIT_FAILURE_THRESHOLD} times in a row; calls to it are paused for up to ${CIRCUIT_OPEN_MS / 1000} s`,
          { cause: error },
        );
      }
      throw error;
    } finally {
      if (this.#unreported) this.#report(log, this.#unreported);
    }
  }

  #report(log: Log, state: 'open' | 'closed'): void {
    this.#unreported = undefined;
    const { dependency } = this;
    if (state === 'open') {
      log.warn({ event: 'circuit_open', dependency, openMs: CIRCUIT_OPEN_MS }, `${dependency} failed ${CIRCUIT_FAILURE_THRESHOLD} times in a row: failing fast for ${CIRCUIT_OPEN_MS / 1000} s`);
    } else {
      log.info({ event: 'circuit_closed', dependency }, `${dependency} answers again`);
    }
  }
}

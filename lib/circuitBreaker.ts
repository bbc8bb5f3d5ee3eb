import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { CIRCUIT_FAILURE_THRESHOLD, CIRCUIT_OPEN_MS } from './constants';
import { BridgeError, ErrorCode } from './errors';
import { logger } from './logger';

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

  constructor(readonly dependency: string) {
    this.#policy = circuitBreaker(handleWhen(isAvailabilityFailure), {
      halfOpenAfter: CIRCUIT_OPEN_MS,
      breaker: new ConsecutiveBreaker(CIRCUIT_FAILURE_THRESHOLD),
    });
    this.#policy.onBreak(() =>
      logger.warn({ event: 'circuit_open', dependency, openMs: CIRCUIT_OPEN_MS }, `${dependency} failed ${CIRCUIT_FAILURE_THRESHOLD} times in a row: failing fast for ${CIRCUIT_OPEN_MS / 1000} s`),
    );
    this.#policy.onReset(() => logger.info({ event: 'circuit_closed', dependency }, `${dependency} answers again`));
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
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
    }
  }
}

import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_SERVICE } from '../base/constants';
import type { UpstreamObservation } from './upstream';

/**
 * One CloudWatch embedded-metric-format line per invocation, through Powertools for AWS
 * Lambda Metrics: dimensions `service` and `action` only, so no metric or dimension ever
 * holds a secret, a token or an input value. Outcomes are counted by stable error code
 * (`Error_<CODE>`: a fixed set of names). serverless.yml's alarms and dashboard read these
 * (tools/codegen/deployConfig.ts).
 */

export interface InvocationOutcome {
  /** The error code; undefined when the invocation answered. */
  code?: string;
  durationMs: number;
  observation: UpstreamObservation;
  /** The first invocation of this container. */
  coldStart: boolean;
}

export class InvocationMetrics {
  readonly #metrics: Metrics;

  constructor(namespace: string, action: string) {
    this.#metrics = new Metrics({ namespace, serviceName: METRICS_SERVICE, defaultDimensions: { action } });
  }

  publish({ code, durationMs, observation, coldStart }: InvocationOutcome): void {
    const metrics = this.#metrics;
    // Counts are written when they happened: CloudWatch sums a missing count as none (the
    // dashboard and alarms use Sum, missing data not breaching), and each addMetric costs
    // Powertools a few µs of the warm path (`npm run bench`), so a warm invocation writes 5.
    const count = (name: string, value: number) => value > 0 && metrics.addMetric(name, MetricUnit.Count, value);
    count('Invocations', 1);
    // Always, 0 or 1: the error rate the alarms watch is Errors / Invocations.
    metrics.addMetric('Errors', MetricUnit.Count, code ? 1 : 0);
    if (code) count(`Error_${code}`, 1);
    metrics.addMetric('Duration', MetricUnit.Milliseconds, durationMs);
    if (observation.upstreamMs !== undefined) metrics.addMetric('UpstreamLatency', MetricUnit.Milliseconds, observation.upstreamMs);
    count('TokenRequests', observation.tokenRequests ?? 0);
    count('SecretFetches', observation.secretCacheHit === false ? 1 : 0);
    count('TokenCacheHits', observation.tokenCacheHit ? 1 : 0);
    count('TokenLimited429s', observation.tokenLimited ?? 0);
    count('ColdStart', coldStart ? 1 : 0);
    // Only when the secret has a client certificate; its alarm (tools/codegen/certAlarms.ts) reads the Minimum.
    if (observation.clientCertDaysLeft !== undefined) metrics.addMetric('ClientCertDaysLeft', MetricUnit.Count, observation.clientCertDaysLeft);
    metrics.publishStoredMetrics();
  }
}

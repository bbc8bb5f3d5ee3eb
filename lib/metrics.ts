import { METRICS_SERVICE } from './constants';
import type { UpstreamObservation } from './upstream';

/**
 * One CloudWatch embedded-metric-format line per invocation, written to stdout as Powertools
 * for AWS Lambda Metrics writes it (same fields, order and units; POWERTOOLS_METRICS_DISABLED
 * and POWERTOOLS_DEV honoured as Powertools does): dimensions `service` and `action` only, so
 * no metric or dimension ever holds a secret, a token or an input value. Outcomes are counted
 * by stable error code (`Error_<CODE>`: a fixed set of names). serverless.yml's alarms and
 * dashboard read these (lib/codegen/deployConfig.ts).
 *
 * Built here rather than through Powertools' Metrics: its store, validation and serialisation
 * cost 27 µs per invocation (npm run bench's warm path is about 100 µs of the bridge's own
 * work); this writes the same line in about 3 µs. The line's head (namespace, dimensions, the
 * metric names and units) depends only on which metrics are present, so each shape's head is
 * made once and only the timestamp and values are written per invocation.
 */

export interface InvocationOutcome {
  /** The error code; undefined when the invocation answered. */
  code?: string;
  durationMs: number;
  observation: UpstreamObservation;
  /** The first invocation of this container. */
  coldStart: boolean;
}

type Unit = 'Count' | 'Milliseconds';

const TRUE = new Set(['1', 'y', 'yes', 't', 'true', 'on']);
const FALSE = new Set(['0', 'n', 'no', 'f', 'false', 'off']);

/** Powertools' rule: POWERTOOLS_METRICS_DISABLED when set, else off in POWERTOOLS_DEV mode. */
function disabledByEnv(env: NodeJS.ProcessEnv): boolean {
  const flag = (name: string) => {
    const value = env[name]?.trim().toLowerCase();
    return value === undefined || value === '' ? undefined : TRUE.has(value) ? true : FALSE.has(value) ? false : undefined;
  };
  return flag('POWERTOOLS_METRICS_DISABLED') ?? flag('POWERTOOLS_DEV') ?? false;
}

type LineSink = (line: string) => void;

const writeToStdout: LineSink = (line) => {
  process.stdout.write(line);
};
let sink: LineSink = writeToStdout;

/** Sends the EMF lines to `capture` instead of stdout until the returned function is called (npm run bench). */
export function redirectMetrics(capture: LineSink): () => void {
  sink = capture;
  return () => {
    sink = writeToStdout;
  };
}

export class InvocationMetrics {
  readonly #namespace: string;
  readonly #action: string;
  readonly #disabled: boolean;
  /** Per shape (which optional metrics are present): the line up to the timestamp, and from it to the values. */
  readonly #heads = new Map<string, { before: string; after: string }>();

  constructor(namespace: string, action: string, env: NodeJS.ProcessEnv = process.env) {
    this.#namespace = namespace;
    this.#action = action;
    this.#disabled = disabledByEnv(env);
  }

  #head(shape: string, metrics: ReadonlyArray<readonly [string, Unit]>): { before: string; after: string } {
    let head = this.#heads.get(shape);
    if (!head) {
      const definitions = metrics.map(([Name, Unit]) => ({ Name, Unit }));
      const cloudWatch = JSON.stringify([{ Namespace: this.#namespace, Dimensions: [['service', 'action']], Metrics: definitions }]);
      head = {
        before: '{"_aws":{"Timestamp":',
        after: `,"CloudWatchMetrics":${cloudWatch}},${JSON.stringify({ service: METRICS_SERVICE, action: this.#action }).slice(1, -1)}`,
      };
      this.#heads.set(shape, head);
    }
    return head;
  }

  publish({ code, durationMs, observation, coldStart }: InvocationOutcome): void {
    if (this.#disabled) return;
    const metrics: Array<readonly [string, Unit]> = [];
    const values: number[] = [];
    const add = (name: string, unit: Unit, value: number) => {
      metrics.push([name, unit]);
      values.push(value);
    };
    add('Invocations', 'Count', 1);
    // Always present, 0 or 1: the average is the error rate the alarms watch.
    add('Errors', 'Count', code ? 1 : 0);
    if (code) add(`Error_${code}`, 'Count', 1);
    add('Duration', 'Milliseconds', durationMs);
    if (observation.upstreamMs !== undefined) add('UpstreamLatency', 'Milliseconds', observation.upstreamMs);
    add('TokenRequests', 'Count', observation.tokenRequests ?? 0);
    if (observation.secretCacheHit !== undefined) add('SecretFetches', 'Count', observation.secretCacheHit ? 0 : 1);
    if (observation.tokenCacheHit !== undefined) add('TokenCacheHits', 'Count', observation.tokenCacheHit ? 1 : 0);
    add('TokenLimited429s', 'Count', observation.tokenLimited ?? 0);
    add('ColdStart', 'Count', coldStart ? 1 : 0);
    const shape = `${code ?? ''}|${observation.upstreamMs !== undefined}|${observation.secretCacheHit !== undefined}|${observation.tokenCacheHit !== undefined}`;
    const { before, after } = this.#head(shape, metrics);
    let line = before + Date.now() + after;
    for (let i = 0; i < metrics.length; i++) line += `,"${metrics[i]![0]}":${JSON.stringify(values[i])}`;
    sink(`${line}}\n`);
  }
}

import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import { SecretText } from './secretText';

/**
 * Structured JSON logging (SPEC §10) with pino. Values that are secret are held in
 * SecretText and print as "[redacted]" by construction; as a second line of defence, every
 * logged object is walked and the values of well-known secret keys are replaced at any
 * depth (pino's own redaction takes fixed paths only).
 */

const SENSITIVE_KEY = /^(authorization|proxy-authorization|client[-_]?secret|access[-_]?token|refresh[-_]?token|id[-_]?token|password|access[-_]?key[-_]?secret|secret[-_]?string|(x-)?api[-_]?keys?|hmac[-_]?keys?|x-bridge-signature|cookie|set-cookie)$/i;
const REDACTED = '[redacted]';

/** A copy of `value` with sensitive keys' values replaced, at any depth; cycles are cut. */
export function redactDeep(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  // A SecretText prints itself as "[redacted]"; anything else with toJSON is walked as it would print.
  if (value instanceof SecretText) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (value instanceof Error) {
    const { name, message, stack } = value;
    const code = (value as { code?: unknown }).code;
    return redactDeep({ name, message, stack, ...(code !== undefined && { code }) }, seen);
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return redactDeep((value as { toJSON(): unknown }).toJSON(), seen);
  if (Array.isArray(value)) {
    // Headers as [name, value] pairs.
    if (value.length === 2 && typeof value[0] === 'string' && SENSITIVE_KEY.test(value[0])) return [value[0], REDACTED];
    return value.map((item) => redactDeep(item, seen));
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = SENSITIVE_KEY.test(key) ? REDACTED : redactDeep(item, seen);
  return copy;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What names an invocation on each of its lines (SPEC §10). */
export interface LogKeys {
  readonly correlationId?: string;
  readonly organizationId?: string;
}

/**
 * The keys of the invocation whose work is running, as Powertools Logger's
 * `injectLambdaContext` keeps them: AsyncLocalStorage follows every await, timer and socket
 * callback started inside `withLogKeys`, so a line written deep in the secret cache or the
 * circuit breaker is stamped without passing anything down. A fetch shared by several
 * invocations (lib/auth/sharedCache.ts) runs in the context of the invocation that started
 * it, so its lines (retries, stale secret, circuit changes) carry that invocation's id, even
 * for the waiters that joined it later. Lines written outside any invocation (cold-start
 * configuration errors, the init-phase prefetch) carry none. Cost: on Node 20 the store is
 * carried by async hooks, a small charge on every promise of the process (measured at
 * about 5-20 µs per warm invocation on loopback); a line pays one lookup and one copy.
 */
const invocationKeys = new AsyncLocalStorage<LogKeys>();

/** The keys of an invocation as one object, made once per invocation: absent values are left out, not undefined. */
export function logKeysOf(correlationId: string | undefined, organizationId?: string): LogKeys {
  return { ...(correlationId && { correlationId }), ...(organizationId && { organizationId }) };
}

/** Runs `work` so that every line it logs, synchronously or after any await, carries `keys`. */
export function withLogKeys<T>(keys: LogKeys, work: () => T): T {
  return invocationKeys.run(keys, work);
}

const NO_KEYS: LogKeys = Object.freeze({});

/**
 * The line's own fields win over the invocation's keys. pino's default strategy would
 * Object.assign the line into the mixin's result, i.e. into the shared store; this copies
 * instead, and only inside an invocation.
 */
function mergeLogKeys(line: object, keys: object): object {
  return keys === NO_KEYS ? line : { ...keys, ...line };
}

type LineSink = (line: string) => void;

const writeToStdout: LineSink = (line) => {
  process.stdout.write(line);
};
let sink: LineSink = writeToStdout;

export const logger = pino(
  {
    level: 'info',
    base: undefined,
    messageKey: 'message',
    // Epoch milliseconds: cheaper than an ISO string on every line, and CloudWatch stamps lines itself.
    timestamp: pino.stdTimeFunctions.epochTime,
    // Called only for lines at an enabled level; redaction (formatters.log) runs after the merge.
    mixin: () => invocationKeys.getStore() ?? NO_KEYS,
    mixinMergeStrategy: mergeLogKeys,
    formatters: { level: (label) => ({ level: label }), log: (object) => redactDeep(object) as Record<string, unknown> },
  },
  { write: (line: string) => sink(line) },
);

export function setLogLevel(level: LogLevel): void {
  logger.level = level;
}

/**
 * Sends log lines to `capture` instead of stdout until the returned function is called.
 * Tests use it to silence the console and to assert on what was logged.
 */
export function redirectLogs(capture: LineSink): () => void {
  sink = capture;
  return () => {
    sink = writeToStdout;
  };
}

import pino from 'pino';
import { SecretText } from './secretText';

/**
 * Structured JSON logging (docs/design.md §10) with pino. Values that are secret are held in
 * SecretText and print as "[redacted]" by construction; as a second line of defence, the
 * values of well-known secret keys are replaced at any depth of every logged object (pino's
 * own redaction takes fixed paths only).
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

/**
 * Whether a line needs the walk: a line of primitive values under ordinary keys (the
 * invocation line) is written as it is, saving the copy (about 2 µs a line).
 */
function needsRedaction(line: Record<string, unknown>): boolean {
  for (const key of Object.keys(line)) {
    const value = line[key];
    if (SENSITIVE_KEY.test(key) || (typeof value === 'object' && value !== null)) return true;
  }
  return false;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What names an invocation on each of its lines (docs/design.md §10). */
export interface LogKeys {
  readonly correlationId?: string;
  readonly organizationId?: string;
}

/** The keys of an invocation as one object, made once per invocation: absent values are left out, not undefined. */
export function logKeysOf(correlationId: string | undefined, organizationId?: string): LogKeys {
  return { ...(correlationId && { correlationId }), ...(organizationId && { organizationId }) };
}

/** A line's fields: a plain record (an Error goes under `err`, where pino writes its message and stack). */
export type LogFields = Record<string, unknown>;

/** Where a line goes: the shared logger, or one that stamps an invocation's keys (`invocationLog`). */
export interface Log {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
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
    formatters: { level: (label) => ({ level: label }), log: (object) => (needsRedaction(object) ? (redactDeep(object) as Record<string, unknown>) : object) },
  },
  { write: (line: string) => sink(line) },
);

/**
 * The log of one invocation: each line carries its keys, and a line's own fields win. It
 * travels with the invocation's deadline (lib/http/deadline.ts), which every step that can log
 * is given, so a line written deep in the secret cache, the retry loop or the circuit
 * breaker is stamped without a global. A fetch shared by several invocations runs under
 * the deadline of the one that started it (Deadline.forSharedWork), so its lines carry
 * that invocation's keys. Explicit rather than AsyncLocalStorage: on Node 20 the store is
 * carried by a hook on every promise of the process, which cost about 35 µs of the warm
 * path's own work (`npm run bench`), for lines that are written rarely.
 */
export function invocationLog(keys: LogKeys): Log {
  return keys.correlationId === undefined && keys.organizationId === undefined ? logger : new KeyedLog(keys);
}

class KeyedLog implements Log {
  constructor(private readonly keys: LogKeys) {}

  debug(fields: LogFields, message: string): void {
    this.#write('debug', fields, message);
  }

  info(fields: LogFields, message: string): void {
    this.#write('info', fields, message);
  }

  warn(fields: LogFields, message: string): void {
    this.#write('warn', fields, message);
  }

  error(fields: LogFields, message: string): void {
    this.#write('error', fields, message);
  }

  #write(level: LogLevel, fields: LogFields, message: string): void {
    // Object.assign, not a spread: see lineOf in lib/runtime/invocation.ts.
    if (logger.isLevelEnabled(level)) logger[level](Object.assign({}, this.keys, fields), message);
  }
}

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

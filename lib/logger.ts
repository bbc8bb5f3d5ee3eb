import pino from 'pino';

/**
 * Structured JSON logging (SPEC §10) with pino. Values that are secret are held in
 * SecretText and print as "[redacted]" by construction; as a second line of defence, every
 * logged object is walked and the values of well-known secret keys are replaced at any
 * depth (pino's own redaction takes fixed paths only).
 */

const SENSITIVE_KEY = /^(authorization|proxy-authorization|client_?secret|access_?token|refresh_?token|id_?token|password|access_?key_?secret|secret_?string|api_?keys?|hmac_?keys?|x-api-key|x-bridge-signature|cookie)$/i;
const REDACTED = '[redacted]';

/** A copy of `value` with sensitive keys' values replaced, at any depth; cycles are cut. */
export function redactDeep(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  // SecretText and friends decide for themselves how they print.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, seen));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = SENSITIVE_KEY.test(key) ? REDACTED : redactDeep(item, seen);
  return copy;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
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

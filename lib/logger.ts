import pino from 'pino';

/**
 * Structured JSON logging (SPEC §10) with pino. Values that are secret are held in
 * SecretText and print as "[redacted]" by construction; the redaction paths below are the
 * second line of defence for plain strings under well-known keys, at any depth we log.
 */

const SENSITIVE_KEYS = [
  'authorization',
  'Authorization',
  'client_secret',
  'clientSecret',
  'access_token',
  'accessToken',
  'refresh_token',
  'id_token',
  'password',
  'accessKeySecret',
  'SecretString',
];
const REDACT_DEPTH = 4;

function redactPaths(): string[] {
  const paths: string[] = [];
  for (let depth = 0; depth < REDACT_DEPTH; depth++) {
    const prefix = '*.'.repeat(depth);
    for (const key of SENSITIVE_KEYS) paths.push(`${prefix}${key}`);
  }
  return paths;
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
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: redactPaths(), censor: '[redacted]' },
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

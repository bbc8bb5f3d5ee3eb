import { redirectLogs } from '../../lib/base/logger';

export interface CapturedLogs {
  lines: string[];
  /** Parsed log records. */
  records(): Array<Record<string, unknown>>;
  restore(): void;
}

/** Every line captured in the running test, for the suite-wide canary scan (tests/setup/canaries.ts). */
const capturedInTest: string[] = [];

export function drainCapturedLines(): string[] {
  return capturedInTest.splice(0, capturedInTest.length);
}

/** Lines another process wrote (a child running a handler or a command): scanned for canaries like the test's own. */
export function scanLinesOf(text: string): void {
  capturedInTest.push(...text.split('\n').filter((line) => line.startsWith('{')));
}

/** Silences the console and keeps every log line for assertions (STYLE §9). */
export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const restore = redirectLogs((line) => {
    lines.push(line);
    capturedInTest.push(line);
  });
  return { lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>), restore };
}

import { redirectLogs } from '../../lib/logger';

export interface CapturedLogs {
  lines: string[];
  /** Parsed log records. */
  records(): Array<Record<string, unknown>>;
  restore(): void;
}

/** Silences the console and keeps every log line for assertions (STYLE §9). */
export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const restore = redirectLogs((line) => lines.push(line));
  return { lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>), restore };
}

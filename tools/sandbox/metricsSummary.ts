/**
 * What `npm start` prints from the embedded-metric-format lines the handlers wrote (one per
 * invocation, lib/runtime/metrics.ts): per action, invocations, errors by code, median duration,
 * token requests, secret fetches and cold starts — as CloudWatch would aggregate them.
 */

interface EmfRecord {
  action?: string;
  Invocations?: number;
  Errors?: number;
  Duration?: number;
  TokenRequests?: number;
  SecretFetches?: number;
  ColdStart?: number;
  [name: string]: unknown;
}

const isEmf = (line: string) => line.includes('"_aws"') && line.includes('"CloudWatchMetrics"');

/**
 * Hands the EMF lines Powertools writes to stdout to `onWrite` instead of printing them, until
 * the returned function is called; every other write goes through. The sandbox keeps them for
 * its summary, the bench drops them (their making is measured, not their printing), tests
 * read them.
 */
export function captureEmfWrites(onWrite: (text: string) => void): () => void {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (!isEmf(text)) return write(chunk, ...(rest as []));
    onWrite(text);
    return true;
  }) as typeof process.stdout.write;
  return () => {
    process.stdout.write = write;
  };
}

/** The EMF lines among captured stdout text (each write may hold several lines). */
export function emfRecords(written: readonly string[]): EmfRecord[] {
  return written
    .flatMap((chunk) => chunk.split('\n'))
    .filter(isEmf)
    .map((line) => JSON.parse(line) as EmfRecord);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export function summariseMetrics(records: readonly EmfRecord[]): string[] {
  const byAction = new Map<string, EmfRecord[]>();
  for (const record of records) {
    const action = record.action ?? '(unknown)';
    byAction.set(action, [...(byAction.get(action) ?? []), record]);
  }
  const sum = (list: EmfRecord[], name: keyof EmfRecord) => list.reduce((total, record) => total + (typeof record[name] === 'number' ? (record[name] as number) : 0), 0);
  return [...byAction].map(([action, list]) => {
    const errorCodes = new Map<string, number>();
    for (const record of list) {
      for (const [name, value] of Object.entries(record)) if (name.startsWith('Error_') && typeof value === 'number') errorCodes.set(name.slice(6), (errorCodes.get(name.slice(6)) ?? 0) + value);
    }
    const errors = [...errorCodes].map(([code, count]) => `${count} ${code}`).join(', ');
    return (
      `${action}: ${sum(list, 'Invocations')} invocations, ${sum(list, 'Errors')} errors${errors ? ` (${errors})` : ''}, ` +
      `median ${median(list.map((record) => record.Duration ?? 0)).toFixed(1)} ms, ${sum(list, 'TokenRequests')} token requests, ` +
      `${sum(list, 'SecretFetches')} secret fetches, ${sum(list, 'ColdStart')} cold starts`
    );
  });
}

/** Small statistics for npm run bench: percentiles of samples in milliseconds. */

export interface Summary {
  p50: number;
  p99: number;
  mean: number;
  n: number;
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index]!;
}

/** The middle value, or the mean of the two middle ones (bench:instructions takes it of a few repeated counts). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle) ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!;
}

export function summarise(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean, n: sorted.length };
}

/** Runs `work` `count` times one after another and returns each duration in ms. */
export async function timeSequential(count: number, work: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await work();
    samples.push(performance.now() - started);
  }
  return samples;
}

export const ms = (value: number, digits = 3) => `${value.toFixed(digits)} ms`;
export const ratio = (value: number) => `${value.toFixed(2)}×`;

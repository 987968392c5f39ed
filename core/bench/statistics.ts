/**
 * The bench's descriptive statistics over per-cycle samples.
 *
 * Percentiles use the nearest-rank method: p-th percentile of n sorted samples is the
 * sample at rank ceil(p/100 * n) (1-based). It always returns a value that was measured
 * (no interpolation between two cycles), p100 is the maximum, and for the handful of
 * cycles a quick bench runs it is the conservative choice (p95 of 10 samples is the max).
 */

export interface Summary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  readonly min: number;
}

function checked(samples: readonly number[]): void {
  for (const s of samples) {
    if (!Number.isFinite(s)) throw new RangeError(`statistics over a non-finite sample: ${s}`);
  }
}

/** Nearest-rank percentile, p in [0, 100]. NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  checked(samples);
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

export function mean(samples: readonly number[]): number {
  checked(samples);
  if (samples.length === 0) return Number.NaN;
  let sum = 0;
  for (const s of samples) sum += s;
  return sum / samples.length;
}

export function summarize(samples: readonly number[]): Summary {
  checked(samples);
  if (samples.length === 0) return { count: 0, mean: Number.NaN, p50: Number.NaN, p95: Number.NaN, max: Number.NaN, min: Number.NaN };
  let max = -Infinity;
  let min = Infinity;
  for (const s of samples) {
    if (s > max) max = s;
    if (s < min) min = s;
  }
  return { count: samples.length, mean: mean(samples), p50: percentile(samples, 50), p95: percentile(samples, 95), max, min };
}

/** a / b, or null when b is zero or either is not finite (a ratio that does not exist is not Infinity). */
export function ratio(a: number, b: number): number | null {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

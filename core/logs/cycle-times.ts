/**
 * Cycle durations for mean, p95 and max in bounded memory: exact while there are few (the
 * first 4096 are kept and sorted on demand), then a log-scale histogram with buckets 1% wide,
 * so a log of any length costs the same. p95 is nearest-rank.
 */
const EXACT_LIMIT = 4096;
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Buckets cover 1 ms to about 1.2e7 s; shorter goes to bucket 0, longer to the last. */
const BUCKETS = 2400;

export class CycleTimes {
  #count = 0;
  #sum = 0;
  #max = 0;
  #exact: number[] | undefined = [];
  readonly #buckets = new Uint32Array(BUCKETS);

  add(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    this.#count++;
    this.#sum += seconds;
    if (seconds > this.#max) this.#max = seconds;
    const ms = seconds * 1000;
    const index = ms <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms) / LOG_GROWTH));
    this.#buckets[index] = (this.#buckets[index] ?? 0) + 1;
    if (this.#exact !== undefined) {
      if (this.#exact.length < EXACT_LIMIT) this.#exact.push(seconds);
      else this.#exact = undefined;
    }
  }

  get count(): number {
    return this.#count;
  }

  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  get max(): number {
    return this.#max;
  }

  /** The nearest-rank quantile q in (0, 1]: exact for up to 4096 cycles, within 1% above. */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#count));
    if (this.#exact !== undefined) {
      const sorted = [...this.#exact].sort((a, b) => a - b);
      return sorted[rank - 1] ?? this.#max;
    }
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#buckets[i] ?? 0;
      if (seen >= rank) return Math.min(this.#max, GROWTH ** i / 1000);
    }
    return this.#max;
  }
}

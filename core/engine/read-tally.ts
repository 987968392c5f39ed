/**
 * Read statistics of a read path, per cycle and since start, in the shape read-path.ts
 * defines. The legacy strategies count hits and misses of per-monitor reads (no batched
 * loads); the snapshot read path adds whole cycles' figures.
 */
import type { ReadStats } from "./read-path.ts";

const ZERO: ReadStats = { hits: 0, misses: 0, loads: 0, coalesced: 0 };

export class ReadTally {
  #cycle: ReadStats = ZERO;
  #total: ReadStats = ZERO;

  hit(): void {
    this.add({ hits: 1, misses: 0, loads: 0, coalesced: 0 });
  }

  miss(): void {
    this.add({ hits: 0, misses: 1, loads: 0, coalesced: 0 });
  }

  cycle(): ReadStats {
    return this.#cycle;
  }

  total(): ReadStats {
    return this.#total;
  }

  resetCycle(): void {
    this.#cycle = ZERO;
  }

  add(d: ReadStats): void {
    const sum = (a: ReadStats): ReadStats => ({
      hits: a.hits + d.hits,
      misses: a.misses + d.misses,
      loads: a.loads + d.loads,
      coalesced: a.coalesced + d.coalesced,
    });
    this.#cycle = sum(this.#cycle);
    this.#total = sum(this.#total);
  }
}

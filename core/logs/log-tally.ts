/**
 * What `validate` concludes from the facts the format readers report: the indicators (each
 * with its count and first occurrence), the benchmarks measured against their limits, and
 * the verdict. The readers say what a line means; this decides whether it is bad.
 */
import { CycleTimes } from "./cycle-times.ts";

export interface ValidateLimits {
  /** A single cycle longer than this is a `slow-cycle`; p95 and max are held to it. */
  readonly maxCycleS: number;
  /** The mean cycle time must not exceed this. */
  readonly maxCycleAvgS: number;
  /** Cache hits / lookups over the whole input must reach this. */
  readonly minHitRate: number;
  /** Mean exchange API calls per cycle must not exceed this. */
  readonly maxCalls: number;
}

export const DEFAULT_LIMITS: ValidateLimits = { maxCycleS: 20, maxCycleAvgS: 8, minHitRate: 0.7, maxCalls: 30 };

export const INDICATOR_IDS = ["uncached-fetch", "slow-cycle", "pool-warning", "no-cache-hits", "unprotected", "stop-refused"] as const;
export type IndicatorId = (typeof INDICATOR_IDS)[number];

export interface LineRef {
  readonly file: string;
  readonly line: number;
  readonly text: string;
}

/** Where the reader is: the text is decoded only when an indicator first needs it. */
export interface LinePosition {
  readonly file: string;
  readonly line: number;
  text(): string;
}

export interface Indicator {
  readonly id: IndicatorId;
  readonly count: number;
  readonly first: LineRef | null;
}

export type BenchmarkId = "cycle-mean-s" | "cycle-p95-s" | "cycle-max-s" | "cache-hit-rate" | "calls-per-cycle";

export interface Benchmark {
  readonly id: BenchmarkId;
  readonly limit: number;
  readonly value: number;
  readonly pass: boolean;
}

export interface ValidationReport {
  readonly files: number;
  readonly lines: number;
  readonly unparsed: number;
  readonly indicators: Indicator[];
  readonly benchmarks: Benchmark[];
  readonly verdict: "pass" | "fail";
}

const MAX_TEXT = 400;

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export class LogTally {
  readonly limits: ValidateLimits;
  readonly #counts = new Map<IndicatorId, number>();
  readonly #first = new Map<IndicatorId, LineRef>();
  readonly #cycles = new CycleTimes();
  #firstCycle: LineRef | null = null;
  #hitLines = 0;
  #hits = 0;
  #misses = 0;
  #callCycles = 0;
  #callSum = 0;

  constructor(limits: ValidateLimits) {
    this.limits = limits;
  }

  #mark(id: IndicatorId, at: LinePosition): void {
    this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
    if (!this.#first.has(id)) this.#first.set(id, refOf(at));
  }

  /** A read of orders or positions that took nothing from a cache. */
  uncachedFetch(at: LinePosition): void {
    this.#mark("uncached-fetch", at);
  }

  /** The HTTP connection pool is full or overloaded. */
  poolWarning(at: LinePosition): void {
    this.#mark("pool-warning", at);
  }

  /** A position Warden reported unprotected (an alert, or a cycle that ended with one). */
  unprotected(at: LinePosition): void {
    this.#mark("unprotected", at);
  }

  /** The exchange refused a stop Warden placed. */
  stopRefused(at: LinePosition): void {
    this.#mark("stop-refused", at);
  }

  /** Evidence that the cache served something (for `no-cache-hits`). */
  cacheHitSeen(): void {
    this.#hitLines++;
  }

  /** Lookups for the hit rate: served from cache, or fetched from the exchange. */
  lookups(hits: number, misses: number): void {
    if (Number.isFinite(hits) && hits > 0) this.#hits += hits;
    if (Number.isFinite(misses) && misses > 0) this.#misses += misses;
  }

  /** One completed cycle; `calls` when the log says how many API calls it made. */
  cycle(seconds: number, at: LinePosition, calls?: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) return;
    this.#cycles.add(seconds);
    if (this.#firstCycle === null) this.#firstCycle = refOf(at);
    if (seconds > this.limits.maxCycleS) this.#mark("slow-cycle", at);
    if (calls !== undefined && Number.isFinite(calls) && calls >= 0) {
      this.#callCycles++;
      this.#callSum += calls;
    }
  }

  report(files: number, lines: number, unparsed: number): ValidationReport {
    const cycles = this.#cycles.count;
    const noHits = cycles > 0 && this.#hitLines === 0 && this.#hits === 0;
    if (noHits) {
      this.#counts.set("no-cache-hits", cycles);
      if (this.#firstCycle !== null) this.#first.set("no-cache-hits", this.#firstCycle);
    }
    const indicators: Indicator[] = INDICATOR_IDS.map((id) => ({
      id,
      count: this.#counts.get(id) ?? 0,
      first: this.#first.get(id) ?? null,
    }));
    const l = this.limits;
    const benchmarks: Benchmark[] = [];
    const atMost = (id: BenchmarkId, value: number, limit: number) => benchmarks.push({ id, limit, value, pass: value <= limit });
    if (cycles > 0) {
      atMost("cycle-mean-s", round(this.#cycles.mean, 3), l.maxCycleAvgS);
      atMost("cycle-p95-s", round(this.#cycles.quantile(0.95), 3), l.maxCycleS);
      atMost("cycle-max-s", round(this.#cycles.max, 3), l.maxCycleS);
    }
    const lookups = this.#hits + this.#misses;
    if (lookups > 0) {
      const rate = round(this.#hits / lookups, 4);
      benchmarks.push({ id: "cache-hit-rate", limit: l.minHitRate, value: rate, pass: rate >= l.minHitRate });
    }
    if (this.#callCycles > 0) atMost("calls-per-cycle", round(this.#callSum / this.#callCycles, 2), l.maxCalls);
    const failed = indicators.some((i) => i.count > 0) || benchmarks.some((b) => !b.pass);
    return { files, lines, unparsed, indicators, benchmarks, verdict: failed ? "fail" : "pass" };
  }
}

function refOf(at: LinePosition): LineRef {
  const text = at.text();
  return { file: at.file, line: at.line, text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}...` : text };
}

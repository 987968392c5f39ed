/**
 * What the bench records for one strategy's cycle, and the strategy's figures made from
 * those records. Cycle time is real wall time (the simulator's latency is real waiting).
 */
// the bench's strategies are the read paths: naive, ttl, warden and stream
import type { ReadPathName as StrategyName } from "../engine/read-path.ts";
import type { LatencyProfile } from "../sim/latency.ts";
import type { ClientModel } from "./session-port.ts";
import { latencyFloorSamples, type CycleFloor } from "./floor.ts";
import type { LiveFigures } from "./live-figures.ts";
import { mean, percentile, summarize, type Summary } from "./statistics.ts";

export interface CycleSample {
  readonly cycle: number;
  /** The engine's cycle failed (its error); its time and calls still count. */
  readonly error?: string;
  readonly monitors: number;
  readonly due: number;
  /** Wall time of the engine cycle, ms. */
  readonly durationMs: number;
  /** REST calls the adapters counted (their requestStats) during the cycle. */
  readonly restCalls: number;
  /** Of those, the stream's audits (0 for the polling strategies). */
  readonly auditCalls: number;
  /** GET requests through the meter during the cycle (reads), and the others (writes). */
  readonly readCalls: number;
  readonly writeCalls: number;
  /** Entries the simulator appended to its own request log during the cycle. */
  readonly simRequests: number;
  readonly hits: number;
  readonly misses: number;
  /** Process CPU during the cycle, and the part of it spent inside the simulator. */
  readonly processCpuMicros: number;
  readonly simCpuMicros: number;
  /** Wide CPU: process CPU minus the simulator's side of the wire (engine + adapter + ccxt). */
  readonly cpuMicros: number;
  /** The engine's own CPU (CycleReport.engineCpuMicros), apart from ccxt and the transport. */
  readonly engineCpuMicros: number;
  readonly rssBytes: number;
  readonly poolWarnings: number;
  readonly peakInFlight: number;
  /** The floor at the start of this cycle, from the simulator's state. */
  readonly floor: CycleFloor;
}

export interface StrategyFigures {
  readonly strategy: StrategyName;
  /** The exchange client model its session used (set by the document; absent in bare figures). */
  readonly client?: ClientModel;
  readonly cycles: number;
  readonly failedCycles: number;
  /** The first failure's message, if any. */
  readonly firstError?: string;
  readonly monitors: number;
  readonly cycleMs: Summary;
  /** Cycle time over the cycles that wrote nothing (reads only: what the latency floor describes). */
  readonly cycleMsReadOnly: Summary;
  /** Cycle time over the cycles that wrote (each write adds its round trips after the reads). */
  readonly cycleMsWithWrites: Summary;
  readonly calls: {
    readonly mean: number;
    readonly max: number;
    readonly readsMean: number;
    readonly writesMean: number;
    readonly total: number;
    /** Over the cycles that wrote nothing: the most reads any made beyond its own floor (0: every one at the floor). */
    readonly readOnlyReadsOverFloorMax: number | null;
  };
  /** Requests the simulator logged during the cycles (must equal calls.total). */
  readonly simRequests: number;
  readonly hits: number;
  readonly misses: number;
  /** hits / (hits + misses); null when no monitor was read. */
  readonly hitRate: number | null;
  /** WIDE CPU per cycle (engine + adapter + ccxt, minus transport and simulator), all cycles: a figure. */
  readonly cpuMs: { readonly mean: number; readonly p95: number; readonly max: number; readonly perMonitorMean: number; readonly processMean: number };
  /** The engine's own CPU per cycle: all cycles, and the steady cycles (see STEADY_FROM_CYCLE) the gate reads. */
  readonly engineCpuMs: {
    readonly mean: number;
    readonly max: number;
    readonly steadyMean: number;
    readonly steadyP95: number;
    readonly steadyCycles: number;
    /** The first steady cycle (1-based position in this strategy's run). */
    readonly steadyFrom: number;
    readonly steadyPerMonitorMean: number;
  };
  readonly peakRssBytes: number;
  readonly poolWarnings: number;
  readonly peakInFlight: number;
  /** Fill-to-reaction, REST between audits and per minute, the stream's messages (live-figures.ts); set by the document when the session kept a timeline. */
  readonly live?: LiveFigures;
  /** Per cycle, for charts. */
  readonly series: { readonly durationMs: readonly number[]; readonly calls: readonly number[]; readonly hitRate: readonly (number | null)[]; readonly cpuMs: readonly number[]; readonly engineCpuMs: readonly number[] };
}

/** Reads beyond the cycle's own floor, most over the read-only cycles; null when none only read. */
function overFloor(samples: readonly CycleSample[]): number | null {
  const over = samples.filter((c) => c.writeCalls === 0 && c.readCalls > 0).map((c) => c.readCalls - c.floor.calls);
  return over.length === 0 ? null : maxOf(over);
}

function maxOf(xs: readonly number[]): number {
  return xs.reduce((m, x) => Math.max(m, x), xs.length === 0 ? Number.NaN : -Infinity);
}

/**
 * Steady cycles: from this cycle on (when the run has at least twice as many). The first
 * cycles pay one-off costs: the engine discovers and decides every monitor for the first
 * time, and the JIT is cold.
 */
export const STEADY_FROM_CYCLE = 3;

function steadyOf(samples: readonly CycleSample[]): { from: number; cycles: readonly CycleSample[] } {
  const from = samples.length >= 2 * STEADY_FROM_CYCLE ? STEADY_FROM_CYCLE : 1;
  return { from, cycles: samples.slice(from - 1) };
}

export function figuresOf(strategy: StrategyName, samples: readonly CycleSample[]): StrategyFigures {
  const hits = samples.reduce((s, c) => s + c.hits, 0);
  const misses = samples.reduce((s, c) => s + c.misses, 0);
  const calls = samples.map((c) => c.restCalls);
  const cpu = summarize(samples.map((c) => c.cpuMicros / 1000));
  const monitors = maxOf(samples.map((c) => c.monitors));
  const failed = samples.filter((c) => c.error !== undefined);
  const steady = steadyOf(samples);
  const engineAll = samples.map((c) => c.engineCpuMicros / 1000);
  const engineSteady = summarize(steady.cycles.map((c) => c.engineCpuMicros / 1000));
  return {
    strategy,
    cycles: samples.length,
    failedCycles: failed.length,
    ...(failed[0]?.error !== undefined ? { firstError: failed[0].error } : {}),
    monitors: Number.isFinite(monitors) ? monitors : 0,
    cycleMs: summarize(samples.map((c) => c.durationMs)),
    cycleMsReadOnly: summarize(samples.filter((c) => c.writeCalls === 0).map((c) => c.durationMs)),
    cycleMsWithWrites: summarize(samples.filter((c) => c.writeCalls > 0).map((c) => c.durationMs)),
    calls: {
      mean: mean(calls),
      max: maxOf(calls),
      readsMean: mean(samples.map((c) => c.readCalls)),
      writesMean: mean(samples.map((c) => c.writeCalls)),
      total: calls.reduce((s, x) => s + x, 0),
      readOnlyReadsOverFloorMax: overFloor(samples),
    },
    simRequests: samples.reduce((s, c) => s + c.simRequests, 0),
    hits,
    misses,
    hitRate: hits + misses === 0 ? null : hits / (hits + misses),
    cpuMs: {
      mean: cpu.mean,
      p95: cpu.p95,
      max: cpu.max,
      perMonitorMean: mean(samples.map((c) => (c.monitors > 0 ? c.cpuMicros / 1000 / c.monitors : 0))),
      processMean: mean(samples.map((c) => c.processCpuMicros / 1000)),
    },
    engineCpuMs: {
      mean: mean(engineAll),
      max: maxOf(engineAll),
      steadyMean: engineSteady.mean,
      steadyP95: engineSteady.p95,
      steadyCycles: steady.cycles.length,
      steadyFrom: steady.from,
      steadyPerMonitorMean: mean(steady.cycles.map((c) => (c.monitors > 0 ? c.engineCpuMicros / 1000 / c.monitors : 0))),
    },
    peakRssBytes: maxOf(samples.map((c) => c.rssBytes)),
    poolWarnings: samples.reduce((s, c) => s + c.poolWarnings, 0),
    peakInFlight: maxOf(samples.map((c) => c.peakInFlight)),
    series: {
      durationMs: samples.map((c) => c.durationMs),
      calls,
      hitRate: samples.map((c) => (c.hits + c.misses === 0 ? null : c.hits / (c.hits + c.misses))),
      cpuMs: samples.map((c) => c.cpuMicros / 1000),
      engineCpuMs: engineAll,
    },
  };
}

export interface FloorFigures {
  readonly callsMean: number;
  readonly callsMax: number;
  /** With the empty page a cursor-following client is forced to read after each non-empty listing. */
  readonly callsFollowingCursorMean: number;
  /** The median-based latency floor (longest listing's pages x median latency), mean and max over the cycles. */
  readonly latencyMsMean: number;
  readonly latencyMsMax: number;
  /** The latency floor's distribution (floor.ts, seeded Monte Carlo over the cycles' shapes): p50 and p95. */
  readonly latencyMsP50: number;
  readonly latencyMsP95: number;
}

/** The floor over these cycles; the latency distribution is drawn under `profile` with `seed`. */
export function floorOf(samples: readonly CycleSample[], profile: LatencyProfile, seed: number): FloorFigures {
  const draws = latencyFloorSamples(samples.map((c) => c.floor), profile, seed);
  return {
    callsMean: mean(samples.map((c) => c.floor.calls)),
    callsMax: maxOf(samples.map((c) => c.floor.calls)),
    callsFollowingCursorMean: mean(samples.map((c) => c.floor.callsFollowingCursor)),
    latencyMsMean: mean(samples.map((c) => c.floor.latencyMs)),
    latencyMsMax: maxOf(samples.map((c) => c.floor.latencyMs)),
    latencyMsP50: percentile(draws, 50),
    latencyMsP95: percentile(draws, 95),
  };
}

/**
 * The measuring harness: every strategy gets a FRESH simulator and engine on the same
 * scenario, price path, latency model and seed, and the strategies run side by side in
 * one process, interleaved cycle by cycle: cycle 1 of each strategy, then cycle 2 of
 * each, with the order rotated every cycle.
 *
 * Why interleaved and one at a time (not concurrently, not one strategy after the other):
 * running them concurrently would make them compete for the one event loop and the
 * connection meter, so one strategy's traffic would lengthen another's cycles; running one
 * strategy to completion and then the next lets a burst of machine noise (another process,
 * CPU frequency, GC of a previous run) land on one strategy only. Interleaving spreads any
 * noise over all strategies in the same minutes, and rotating the order removes the bias
 * of always going first (a warmer JIT, a fresher heap). Ratios stay true on a noisy machine.
 *
 * Per cycle it records the engine's wall time (latency is real waiting; the price step
 * after the cycle is not part of it), the adapters' REST calls, the
 * meter's reads/writes, in-flight peak and pool warnings, the simulator's own log entries,
 * read hits/misses, CPU and RSS. CPU: process.cpuUsage over the cycle, minus the CPU spent
 * on the simulator's side of the wire (measured by the session: the simulator's request
 * handling and matching, and with zero latency the isolated msw transport); what remains is
 * the engine, the adapters and ccxt (with latency, msw too): the WIDE figure. The engine's own
 * CPU (CycleReport.engineCpuMicros: discover, decide, announce, schedule, save; not ccxt or
 * the transport) is recorded beside it and is what the CPU gate reads. RSS is the whole process's (all strategies' sessions are alive at once), read
 * after each cycle of the strategy: compare it between runs, not between strategies.
 */
// the bench's strategies are the read paths: naive, ttl, warden and stream
import type { ReadPathName as StrategyName } from "../engine/read-path.ts";
import type { LatencyProfile } from "../sim/latency.ts";
import type { Scenario } from "../sim/scenario-schema.ts";
import { cpuMicros, rssBytes } from "../runtime.ts";
import { cycleFloor } from "./floor.ts";
import type { CycleSample } from "./cycle-sample.ts";
import type { BenchSession, ClientModel, OpenSession, SessionOptions, SessionTimeline } from "./session-port.ts";

export interface HarnessOptions {
  readonly strategies: readonly StrategyName[];
  /** Cycles per strategy (a strategy also stops when the price path ends). */
  readonly cycles: number;
  /** Fewer cycles for some strategies (naive is slow by design). */
  readonly cyclesFor?: Partial<Record<StrategyName, number>>;
  readonly latency: LatencyProfile;
  readonly seed: number;
  readonly open: OpenSession;
  /** Extra fetch wrapper per strategy (tests slow one strategy down with it). */
  readonly fetchFor?: Partial<Record<StrategyName, (f: typeof fetch) => typeof fetch>>;
  /**
   * naive and ttl model the old system's client (ccxt's throttle on, one instance per
   * account); warden always runs with it off. Default true; false runs the legacy
   * strategies unthrottled too (for comparison only).
   */
  readonly legacyThrottle?: boolean;
  /** Called after each measured cycle (progress on a TTY). */
  readonly onCycle?: (strategy: StrategyName, sample: CycleSample, done: number, total: number) => void;
}

export interface HarnessRun {
  readonly samples: Readonly<Partial<Record<StrategyName, readonly CycleSample[]>>>;
  /** The client model each strategy's session used. */
  readonly clients: Readonly<Partial<Record<StrategyName, ClientModel>>>;
  /** Each session's fills, reactions and stream figures, when it measures them. */
  readonly timelines?: Readonly<Partial<Record<StrategyName, SessionTimeline>>>;
}

/** Whether a strategy's session models the old system's throttled ccxt client. */
export function usesLegacyClient(strategy: StrategyName, legacyThrottle = true): boolean {
  return (strategy === "naive" || strategy === "ttl") && legacyThrottle;
}

/** Measure one cycle of one session. */
export async function measureCycle(session: BenchSession, index: number, latency: LatencyProfile): Promise<CycleSample> {
  const floor = cycleFloor(session.accountCounts(), latency);
  const pool0 = session.pool.counts();
  session.pool.resetPeak();
  const sim0 = session.simRequests();
  const simCpu0 = session.simCpuMicros();
  const cpu0 = cpuMicros();
  const report = await session.cycle();
  const processCpuMicros = cpuMicros() - cpu0;
  const simCpuMicros = session.simCpuMicros() - simCpu0;
  const pool1 = session.pool.counts();
  const sample: CycleSample = {
    cycle: index,
    ...(report.error !== undefined ? { error: report.error } : {}),
    monitors: report.monitors,
    due: report.due,
    durationMs: report.durationMs,
    restCalls: report.restCalls,
    auditCalls: report.auditCalls ?? 0,
    readCalls: pool1.reads - pool0.reads,
    writeCalls: pool1.writes - pool0.writes,
    simRequests: session.simRequests() - sim0,
    hits: report.hits,
    misses: report.misses,
    engineCpuMicros: report.engineCpuMicros,
    processCpuMicros,
    simCpuMicros,
    cpuMicros: Math.max(0, processCpuMicros - simCpuMicros),
    rssBytes: rssBytes(),
    poolWarnings: pool1.poolWarnings - pool0.poolWarnings,
    peakInFlight: pool1.peakInFlight,
    floor,
  };
  return sample;
}

export async function runHarness(scenario: Scenario, opts: HarnessOptions): Promise<HarnessRun> {
  if (opts.strategies.length === 0) throw new RangeError("the bench needs at least one strategy");
  const sessions = new Map<StrategyName, BenchSession>();
  const samples = new Map<StrategyName, CycleSample[]>();
  const target = (s: StrategyName): number => Math.min(opts.cycles, opts.cyclesFor?.[s] ?? opts.cycles);
  const total = opts.strategies.reduce((n, s) => n + target(s), 0);
  let done = 0;
  const timelines: Partial<Record<StrategyName, SessionTimeline>> = {};
  try {
    for (const strategy of opts.strategies) {
      const wrap = opts.fetchFor?.[strategy];
      const legacyClient = usesLegacyClient(strategy, opts.legacyThrottle);
      const sessionOpts: SessionOptions = { strategy, latency: opts.latency, seed: opts.seed, legacyClient, ...(wrap ? { fetch: wrap } : {}) };
      sessions.set(strategy, await opts.open(scenario, sessionOpts));
      samples.set(strategy, []);
    }
    for (let c = 0; ; c++) {
      const rotation = c % opts.strategies.length;
      const order = [...opts.strategies.slice(rotation), ...opts.strategies.slice(0, rotation)];
      let ran = false;
      for (const strategy of order) {
        const session = sessions.get(strategy) as BenchSession;
        const mine = samples.get(strategy) as CycleSample[];
        if (mine.length >= target(strategy) || session.finished()) continue;
        const sample = await measureCycle(session, c + 1, opts.latency);
        mine.push(sample);
        done += 1;
        ran = true;
        opts.onCycle?.(strategy, sample, done, total);
      }
      if (!ran) break;
    }
    for (const [s, session] of sessions) {
      const t = session.timeline?.();
      if (t !== undefined) timelines[s] = t;
    }
  } finally {
    for (const s of sessions.values()) await s.close();
  }
  const clients: Partial<Record<StrategyName, ClientModel>> = {};
  for (const [s, session] of sessions) clients[s] = session.client;
  return { samples: Object.fromEntries(samples), clients, timelines };
}

/**
 * `warden bench` as a function: pick the scenario (a fixture, a file, or one generated
 * for N monitors), run the harness over the strategies, and build the document; with
 * several monitor counts, run each as a point of the scaling sweep.
 */
// the bench's strategies are the read paths: naive, ttl, warden and stream
import type { ReadPathName as StrategyName } from "../engine/read-path.ts";
import type { LatencyProfile } from "../sim/latency.ts";
import { parseLatencyProfile } from "../sim/latency.ts";
import { loadScenario } from "../sim/scenario.ts";
import { generateScenario } from "../sim/scenario-gen.ts";
import type { Scenario } from "../sim/scenario-schema.ts";
import { floorOf } from "./cycle-sample.ts";
import type { CycleSample } from "./cycle-sample.ts";
import { buildDocument, figuresOfRun, type BenchDocument } from "./document.ts";
import type { SweepPoint } from "./gates.ts";
import { runHarness, type HarnessRun } from "./harness.ts";
import type { OpenSession } from "./session-port.ts";

export const ALL_STRATEGIES: readonly StrategyName[] = ["naive", "ttl", "warden", "stream"];
export const DEFAULT_SCENARIO = "demo-30";
export const DEFAULT_CYCLES = 60;
/**
 * --quick: enough cycles for a p95 that is not simply the maximum, and for fills to react
 * to: demo-30's first fill is at step 43 and its take-profits at steps 88-90, so warden and
 * stream play 92 cycles (18 fills to answer); few enough for CI; the legacy strategies run
 * fewer: with the old system's throttled client a naive cycle on demo-30 is ~8 s (main's
 * ~80 reads 100 ms apart), and so is each ttl cycle whose entries expired. Their medians are
 * what the ratios use (naive's cycles vary by well under 1%); ttl is not gated.
 */
export const QUICK_CYCLES = 92;
/** --quick: warden's own gates read its first 40 cycles, the window they were set for (demo-30's steps before its first fill). */
export const QUICK_WARDEN_GATE_CYCLES = 40;
export const QUICK_TTL_CYCLES = 8;
export const QUICK_NAIVE_CYCLES = 4;
/**
 * The legacy strategies run up to this many monitors: naive at 300 monitors sends some
 * 3,800 reads per cycle, over a minute per cycle at Bybit's 50 reads/s per endpoint.
 */
export const SWEEP_LEGACY_MAX_MONITORS = 100;
export const SWEEP_LEGACY_CYCLES = 3;

export interface BenchOptions {
  /** Fixture name or file; ignored when `monitors` is given. */
  readonly scenario?: string;
  /** One count: a generated scenario of that many monitors; several: the scaling sweep. */
  readonly monitors?: readonly number[];
  /** Default: all three, but only warden above SWEEP_LEGACY_MAX_MONITORS monitors. */
  readonly strategies?: readonly StrategyName[];
  readonly cycles?: number;
  readonly quick?: boolean;
  readonly latency?: LatencyProfile;
  readonly seed?: number;
  /**
   * naive and ttl model the old system's client, ccxt's throttle on (default true); false
   * runs them unthrottled too, a faster "naive" than the system they stand for (comparison only).
   */
  readonly legacyThrottle?: boolean;
  readonly open: OpenSession;
  readonly fetchFor?: Partial<Record<StrategyName, (f: typeof fetch) => typeof fetch>>;
  readonly onProgress?: (line: string) => void;
}

interface Plan {
  readonly scenario: Scenario;
  readonly latency: LatencyProfile;
  readonly seed: number;
  readonly cycles: number;
  readonly cyclesFor: Partial<Record<StrategyName, number>>;
}

function legacyCap(opts: BenchOptions, cycles: number, monitors: number | undefined): Partial<Record<StrategyName, number>> {
  const out: Partial<Record<StrategyName, number>> = {};
  if (opts.quick) {
    out.naive = Math.min(cycles, QUICK_NAIVE_CYCLES);
    out.ttl = Math.min(cycles, QUICK_TTL_CYCLES);
  }
  if (monitors !== undefined && monitors >= 100) {
    out.naive = Math.min(out.naive ?? cycles, SWEEP_LEGACY_CYCLES);
    out.ttl = Math.min(out.ttl ?? cycles, Math.max(SWEEP_LEGACY_CYCLES * 2, 6));
  }
  return out;
}

function plan(opts: BenchOptions, monitors: number | undefined): Plan {
  const seedOpt = opts.seed;
  const scenario =
    monitors === undefined
      ? loadScenario(opts.scenario ?? DEFAULT_SCENARIO)
      : generateScenario({ monitors, seed: seedOpt ?? 1, ...(opts.latency ? { latency: opts.latency } : {}) });
  const latency = opts.latency ?? parseLatencyProfile(scenario.latency) ?? "recorded";
  const seed = seedOpt ?? scenario.seed;
  const cycles = opts.cycles ?? (opts.quick ? QUICK_CYCLES : DEFAULT_CYCLES);
  return { scenario, latency, seed, cycles, cyclesFor: legacyCap(opts, cycles, monitors) };
}

async function runPlan(p: Plan, strategies: readonly StrategyName[], opts: BenchOptions): Promise<HarnessRun> {
  const label = p.scenario.name;
  return runHarness(p.scenario, {
    strategies,
    cycles: p.cycles,
    cyclesFor: p.cyclesFor,
    latency: p.latency,
    seed: p.seed,
    open: opts.open,
    ...(opts.legacyThrottle !== undefined ? { legacyThrottle: opts.legacyThrottle } : {}),
    ...(opts.fetchFor ? { fetchFor: opts.fetchFor } : {}),
    onCycle: (s: StrategyName, sample: CycleSample, done: number, total: number) =>
      opts.onProgress?.(`${label}: ${done}/${total} cycles (${s} cycle ${sample.cycle}: ${sample.durationMs.toFixed(0)} ms, ${sample.restCalls} calls)`),
  });
}

export async function runBench(opts: BenchOptions): Promise<BenchDocument> {
  const sizes = opts.monitors ?? [];
  const strategiesAt = (n: number | undefined): readonly StrategyName[] =>
    opts.strategies ?? ALL_STRATEGIES.filter((s) => s === "warden" || n === undefined || n <= SWEEP_LEGACY_MAX_MONITORS);
  const all = opts.strategies ?? ALL_STRATEGIES;
  const first = plan(opts, sizes[0]);
  const firstStrategies = sizes.length > 1 ? all.filter((s) => s === "warden" || (sizes[0] ?? 0) <= SWEEP_LEGACY_MAX_MONITORS) : strategiesAt(sizes[0]);
  const firstRun = await runPlan(first, firstStrategies, opts);
  const info = {
    name: first.scenario.name,
    accounts: Object.keys(first.scenario.accounts).filter((a) => first.scenario.accounts[a as "main" | "mirror"] !== undefined),
    latency: first.latency,
    seed: first.seed,
    cycles: first.cycles,
    ...(opts.quick === true && opts.cycles === undefined ? { wardenGateCycles: QUICK_WARDEN_GATE_CYCLES } : {}),
  };
  if (sizes.length <= 1) {
    const doc = buildDocument(info, firstRun, firstStrategies);
    if (firstStrategies.length === all.length) return doc;
    return { ...doc, notes: [...doc.notes, `naive and ttl are not run above ${SWEEP_LEGACY_MAX_MONITORS} monitors unless --strategies names them`] };
  }
  const points: SweepPoint[] = [pointOf(sizes[0] as number, firstRun, firstStrategies, first)];
  for (const n of sizes.slice(1)) {
    const strategies = all.filter((s) => s === "warden" || n <= SWEEP_LEGACY_MAX_MONITORS);
    const p = plan(opts, n);
    const run = await runPlan(p, strategies, opts);
    points.push(pointOf(n, run, strategies, p));
  }
  const doc = buildDocument(info, firstRun, firstStrategies, points);
  const skipped = sizes.filter((n) => n > SWEEP_LEGACY_MAX_MONITORS);
  if (skipped.length === 0 || !all.some((s) => s !== "warden")) return doc;
  return { ...doc, notes: [...doc.notes, `sweep: naive and ttl are not run above ${SWEEP_LEGACY_MAX_MONITORS} monitors (${skipped.join(", ")}): minutes of Bybit rate limits per cycle`] };
}

function pointOf(monitors: number, run: HarnessRun, strategies: readonly StrategyName[], p: Plan): SweepPoint {
  const samples = run.samples.warden ?? strategies.map((s) => run.samples[s]).find((x) => x !== undefined) ?? [];
  return { monitors, figures: figuresOfRun(run, strategies), floor: floorOf(samples, p.latency, p.seed) };
}

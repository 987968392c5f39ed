/**
 * The bench's result as one JSON document (`--json`), from which the table and the HTML
 * report are rendered: { scenario, strategies, floor, ratios, gates, sweep? }.
 */
// the bench's strategies are the read paths: naive, ttl, warden and stream
import type { ReadPathName as StrategyName } from "../engine/read-path.ts";
import type { LatencyProfile } from "../sim/latency.ts";
import { figuresOf, floorOf, type CycleSample, type FloorFigures, type StrategyFigures } from "./cycle-sample.ts";
import { OLD_MONITORS, REACTION_SLACK_MS, gatesOf, ratiosOf, streamGates, sweepGates, type Gate, type Ratios, type SweepPoint } from "./gates.ts";
import type { HarnessRun } from "./harness.ts";
import { liveFiguresOf } from "./live-figures.ts";
import { latencyPercentileMs } from "../sim/latency.ts";

/** How fill-to-reaction is measured, said wherever it is shown. */
export const REACTION_NOTES = [
  "fill-to-reaction: from the venue's fill (an entry that grew a position, or its first take-profit) to the venue RECEIVING the first stop write on that account and symbol; both ends stamped at the venue in real time",
  "fill-to-reaction, stream: all measured (the step, the stream's pushes, the engine woken at once, the write's way to the venue)",
  "fill-to-reaction, polling: a live poll comes every intervalMs (2 s) and a fill lands at a seeded uniform point of it: the wait to the next poll is MODELLED, intervalMs x (1 - u) (+ intervalMs per poll that passed without reacting); from that poll's start to the write's arrival is measured",
  "calls/min: polling at a live cadence (reads per poll x polls per minute at intervalMs, plus writes per scenario minute); stream per minute of scenario time, audits included",
];

export interface ScenarioInfo {
  readonly name: string;
  readonly monitors: number;
  readonly accounts: readonly string[];
  readonly latency: LatencyProfile;
  readonly seed: number;
  readonly cycles: number;
  /**
   * `--quick`: warden's own gates read its first this many cycles (the window they were set
   * for, write-free on demo-30); its later cycles are played for the fills the stream gates
   * compare, and are in every figure.
   */
  readonly wardenGateCycles?: number;
}

export interface SweepRow {
  readonly monitors: number;
  readonly floor: FloorFigures;
  readonly strategies: Readonly<Partial<Record<StrategyName, SweepCell>>>;
}

export interface SweepCell {
  readonly cycles: number;
  readonly callsMean: number;
  readonly readCallsMean: number;
  readonly cycleP50Ms: number;
  readonly cycleP95Ms: number;
  readonly cpuMsMean: number;
  readonly cpuMsPerMonitor: number;
  /** The engine's own CPU per cycle, steady mean. */
  readonly engineCpuMsMean: number;
  readonly hitRate: number | null;
}

export interface BenchDocument {
  readonly scenario: ScenarioInfo;
  readonly strategies: Readonly<Partial<Record<StrategyName, StrategyFigures>>>;
  readonly floor: FloorFigures;
  readonly ratios: Readonly<Partial<Record<StrategyName, Ratios>>>;
  /** Gates on `warden` (and the sweep's), empty when warden did not run. */
  readonly gates: readonly Gate[];
  readonly notes: readonly string[];
  readonly sweep?: readonly SweepRow[];
}

/** The strategy whose own simulator gives the scenario's floor: warden's if it ran. */
function floorSamples(run: HarnessRun, order: readonly StrategyName[]): readonly CycleSample[] {
  const pick = run.samples.warden ?? order.map((s) => run.samples[s]).find((x) => x !== undefined);
  return pick ?? [];
}

export function figuresOfRun(run: HarnessRun, order: readonly StrategyName[], seed = 1): Partial<Record<StrategyName, StrategyFigures>> {
  const out: Partial<Record<StrategyName, StrategyFigures>> = {};
  for (const s of order) {
    const samples = run.samples[s];
    const client = run.clients[s];
    const timeline = run.timelines?.[s];
    if (samples) {
      out[s] = {
        ...figuresOf(s, samples),
        ...(client !== undefined ? { client } : {}),
        ...(timeline !== undefined ? { live: liveFiguresOf(samples, timeline, seed) } : {}),
      };
    }
  }
  return out;
}

export function buildDocument(
  info: Omit<ScenarioInfo, "monitors">,
  run: HarnessRun,
  order: readonly StrategyName[],
  sweep?: readonly SweepPoint[],
): BenchDocument {
  const strategies = figuresOfRun(run, order, info.seed);
  const floor = floorOf(floorSamples(run, order), info.latency, info.seed);
  const ratios: Partial<Record<StrategyName, Ratios>> = {};
  for (const s of order) {
    const f = strategies[s];
    if (f) ratios[s] = ratiosOf(f, strategies.naive, floor);
  }
  const notes: string[] = [];
  const latencyApplies = info.latency !== "zero";
  if (!latencyApplies) notes.push("zero latency: the latency-floor gate does not apply (the floor is 0 ms)");
  const gates: Gate[] = [];
  const gateWindow = info.wardenGateCycles;
  const wardenSamples = run.samples.warden;
  const windowed = gateWindow !== undefined && wardenSamples !== undefined && wardenSamples.length > gateWindow;
  const wardenForGates = windowed ? figuresOf("warden", wardenSamples.slice(0, gateWindow)) : strategies.warden;
  if (windowed) notes.push(`--quick: warden's own gates read its first ${gateWindow} cycles; it played ${wardenSamples.length} so that the fills of the scenario's later steps are answered (its figures above cover all of them)`);
  if (wardenForGates) gates.push(...gatesOf(wardenForGates, strategies.naive, floor, latencyApplies));
  else notes.push("warden did not run: no gates");
  if (strategies.stream) {
    const writeP99 = latencyPercentileMs(info.latency, "/v5/order/amend", 99, info.seed);
    gates.push(...streamGates(strategies.stream, strategies.warden, writeP99));
    notes.push(`stream: fill-to-reaction gate allows the latency model's write round trip p99 (/v5/order/amend, ${writeP99} ms) + ${REACTION_SLACK_MS} ms`);
  }
  if (Object.values(strategies).some((f) => f?.live !== undefined)) notes.push(...REACTION_NOTES);
  if (strategies.warden && !strategies.naive) notes.push("naive did not run: the ratio gates against naive are left out");
  if (strategies.warden && strategies.warden.monitors > OLD_MONITORS) notes.push(`over ${OLD_MONITORS} monitors: the old system's cycle and calls limits (set for 30) are not checked`);
  const monitors = Math.max(0, ...Object.values(strategies).map((f) => f?.monitors ?? 0));
  const doc: BenchDocument = { scenario: { ...info, monitors }, strategies, floor, ratios, gates, notes };
  if (!sweep) return doc;
  return { ...doc, gates: [...gates, ...sweepGates(sweep)], sweep: sweep.map(sweepRow) };
}

function sweepRow(p: SweepPoint): SweepRow {
  const strategies: Partial<Record<StrategyName, SweepCell>> = {};
  for (const [name, f] of Object.entries(p.figures) as [StrategyName, StrategyFigures | undefined][]) {
    if (!f) continue;
    strategies[name] = {
      cycles: f.cycles,
      callsMean: f.calls.mean,
      readCallsMean: f.calls.readsMean,
      cycleP50Ms: f.cycleMs.p50,
      cycleP95Ms: f.cycleMs.p95,
      cpuMsMean: f.cpuMs.mean,
      cpuMsPerMonitor: f.cpuMs.perMonitorMean,
      engineCpuMsMean: f.engineCpuMs.steadyMean,
      hitRate: f.hitRate,
    };
  }
  return { monitors: p.monitors, floor: p.floor, strategies };
}

/** Every gate passed (vacuously false when there are none: `--gate` requires warden). */
export function allPass(doc: BenchDocument): boolean {
  return doc.gates.length > 0 && doc.gates.every((g) => g.pass);
}

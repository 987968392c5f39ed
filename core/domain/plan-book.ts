/**
 * Plans a trader sets (config `plans`: a default and one per symbol): the stop and TP
 * distances a position adopted without them gets, its TP ladder, and the rules that move its
 * stop as TPs fill (breakeven after TP n, trailing, stop to the previous TP). Orders found on
 * the exchange still win: the plan fills in what they lack. Pure: prices on the tick grid.
 */
import { MAX_RUNGS } from "./plan.ts";
import { roundPrice } from "./units.ts";
import type { Side } from "./types.ts";

export interface TrailSpec {
  /** The stop trails once TP `afterTp` (1-based) has filled. */
  readonly afterTp: number;
  /** Distance from the best mark since then, %. */
  readonly distancePct: number;
}

export interface PlanSpec {
  /** Stop distance from the average entry, %; absent: `plan.defaultStopPct`. */
  readonly stopPct?: number;
  /** TP distances from the average entry, %, nearest first. */
  readonly tpPcts: readonly number[];
  /** % of the position per TP (sums to 100); absent: defaultLadder(tpPcts.length). */
  readonly ladder?: readonly number[];
  /** The stop goes to breakeven when this TP (1-based) fills; 0: never. */
  readonly breakevenAfterTp: number;
  readonly trail?: TrailSpec;
  /** After TP n fills the stop moves to TP n-1's price (TP1: breakeven). */
  readonly stopToPreviousTp: boolean;
}

export interface PlanBook {
  readonly default: PlanSpec;
  readonly symbols: Readonly<Record<string, PlanSpec>>;
}

/** The rules a monitor follows as its TPs fill, and where its plan came from. */
export interface MonitorRules {
  readonly breakevenAfterTp: number;
  readonly trail?: TrailSpec;
  readonly stopToPreviousTp: boolean;
  /** "exchange orders", "config:<SYMBOL>" or "config:default" (the stop's and TPs' source, when they differ: both). */
  readonly source: string;
}

/** Today's behaviour when no plan is configured: a stop at defaultStopPct, no TP, breakeven after TP1. */
export const NO_PLAN: PlanSpec = { tpPcts: [], breakevenAfterTp: 1, stopToPreviousTp: false };

/** The plan of a symbol: its own, else the default. */
export function planFor(book: PlanBook, symbol: string): { readonly spec: PlanSpec; readonly source: string } {
  const own = book.symbols[symbol];
  return own !== undefined ? { spec: own, source: `config:${symbol}` } : { spec: book.default, source: "config:default" };
}

/** 100 for one TP, 85/5/5/5 for four, an even split otherwise (whole percentages, the first rungs take the remainder). */
export function defaultLadder(rungs: number): number[] {
  if (rungs <= 0) return [];
  if (rungs === 4) return [85, 5, 5, 5];
  const base = Math.floor(100 / rungs);
  return Array.from({ length: rungs }, (_, i) => base + (i < 100 - base * rungs ? 1 : 0));
}

/** The plan's ladder: its own, or the default for its number of TPs. */
export function ladderOf(spec: PlanSpec): readonly number[] {
  return spec.ladder ?? defaultLadder(spec.tpPcts.length);
}

/** TP prices `tpPcts` from the entry, on the winning side, rounded away from the entry onto the tick grid. */
export function tpPricesOf(side: Side, entryPrice: number, tpPcts: readonly number[], tick: number): number[] {
  return tpPcts.slice(0, MAX_RUNGS).map((pct) => (side === "long" ? roundPrice(entryPrice * (1 + pct / 100), tick, "up") : roundPrice(entryPrice * (1 - pct / 100), tick, "down")));
}

/** Every problem with a plan, empty when it is valid (the config schema lists them with their path). */
export function planProblems(spec: Pick<PlanSpec, "tpPcts" | "breakevenAfterTp"> & { readonly ladder?: readonly number[] | undefined; readonly trail?: TrailSpec | undefined }): string[] {
  const problems: string[] = [];
  if (spec.tpPcts.length > MAX_RUNGS) problems.push(`tpPcts: at most ${MAX_RUNGS} TPs`);
  if (spec.tpPcts.some((p, i) => i > 0 && !(p > spec.tpPcts[i - 1]!))) problems.push("tpPcts: nearest first, each farther than the one before");
  if (spec.ladder !== undefined && spec.ladder.length !== spec.tpPcts.length) problems.push(`ladder: one share per TP (${spec.tpPcts.length}), got ${spec.ladder.length}`);
  if (spec.ladder !== undefined && Math.abs(spec.ladder.reduce((a, b) => a + b, 0) - 100) > 1e-9) problems.push("ladder: shares must sum to 100");
  // with no tpPcts the TPs come from the orders found or the trader's plan: any rung may be meant
  const rungs = spec.tpPcts.length;
  if (rungs > 0 && spec.trail !== undefined && spec.trail.afterTp > rungs) problems.push(`trail.afterTp: the plan has ${rungs} TP(s)`);
  if (rungs > 0 && spec.breakevenAfterTp > rungs) problems.push(`breakevenAfterTp: the plan has ${rungs} TP(s)`);
  return problems;
}

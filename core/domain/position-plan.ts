/**
 * A plan the trader gave Warden for one position (`warden plan`): it wins over the config's
 * plans and over what was inferred from the orders found. The running engine reads it each
 * cycle; a newer one (`at`) is applied to the monitor and its orders are amended in place until
 * the exchange shows them as the plan says (never cancel-then-create for a stop).
 */
import type { Monitor } from "./monitor.ts";
import { conservativePlan, fastPlan } from "./plan.ts";
import { defaultLadder, tpPricesOf, type TrailSpec } from "./plan-book.ts";
import { defaultStopPrice, stopOnRightSide } from "./stop.ts";
import type { Side } from "./types.ts";
import { roundPrice } from "./units.ts";

export type Level = { readonly price: number } | { readonly pct: number };

export interface PositionPlan {
  readonly stop?: Level;
  /** TP prices, or distances from the average entry, %, nearest first. */
  readonly tps?: { readonly prices: readonly number[] } | { readonly pcts: readonly number[] };
  readonly ladder?: readonly number[];
  readonly trail?: TrailSpec;
  /** When it was given (ms): a monitor applies each plan once. */
  readonly at: number;
  /**
   * The position it was given for: its monitor's lifetime (`warden plan`). Absent for a
   * `warden trade` until the position it opened is adopted, which claims it. A plan never
   * outlives its position: a later one on the same symbol and side does not get it.
   */
  readonly for?: string;
}

export interface PlanTargets {
  readonly stopPrice?: number;
  readonly tpPrices?: readonly number[];
}

/** The prices a plan asks for, on the tick grid, from the position's side and average entry. */
export function targetsOf(plan: PositionPlan, side: Side, entryPrice: number, tick: number): PlanTargets {
  const stopPrice = plan.stop === undefined ? undefined : "price" in plan.stop ? roundPrice(plan.stop.price, tick) : defaultStopPrice(side, entryPrice, plan.stop.pct, tick);
  const tpPrices = plan.tps === undefined ? undefined : "prices" in plan.tps ? plan.tps.prices.map((p) => roundPrice(p, tick)) : tpPricesOf(side, entryPrice, plan.tps.pcts, tick);
  return { ...(stopPrice !== undefined ? { stopPrice } : {}), ...(tpPrices !== undefined ? { tpPrices } : {}) };
}

/** Every problem of a plan for this position (a stop on the wrong side, TPs on the wrong side or out of order, a ladder that does not fit), empty when it is valid. */
export function positionPlanProblems(plan: PositionPlan, side: Side, entryPrice: number, markPrice: number, tick: number, currentRungs?: number): string[] {
  const problems: string[] = [];
  const { stopPrice, tpPrices } = targetsOf(plan, side, entryPrice, tick);
  const long = side === "long";
  if (stopPrice !== undefined && markPrice > 0 && !stopOnRightSide(side, stopPrice, markPrice, tick)) problems.push(`--stop ${stopPrice} would trigger at once: the mark is ${markPrice} (a ${side}'s stop goes ${long ? "below" : "above"} it)`);
  if (tpPrices !== undefined) {
    if (tpPrices.length === 0 || tpPrices.length > 4) problems.push(`--tp: 1 to 4 take-profits, got ${tpPrices.length}`);
    if (tpPrices.some((p) => (long ? p <= entryPrice : p >= entryPrice))) problems.push(`--tp: a ${side}'s take-profits go ${long ? "above" : "below"} the entry ${entryPrice}`);
    if (tpPrices.some((p, i) => i > 0 && (long ? p <= tpPrices[i - 1]! : p >= tpPrices[i - 1]!))) problems.push("--tp: nearest first, each farther than the one before");
  }
  if (plan.stop !== undefined && "pct" in plan.stop && !(plan.stop.pct < 100)) problems.push(`--stop ${plan.stop.pct}% is not a distance a stop can have (under 100%)`);
  if (plan.tps !== undefined && "pcts" in plan.tps && plan.tps.pcts.some((p) => !(p > 0 && p <= 100))) problems.push("--tp: distances between 0 and 100%");
  if (plan.trail !== undefined && (!(plan.trail.distancePct > 0 && plan.trail.distancePct < 100) || plan.trail.afterTp < 1 || plan.trail.afterTp > 4)) problems.push("--trail: AFTER_TP 1 to 4, a distance between 0 and 100%");
  if (plan.ladder !== undefined) {
    const rungs = tpPrices?.length ?? currentRungs;
    if (rungs !== undefined && plan.ladder.length !== rungs) problems.push(`--ladder: one share per TP (${rungs}), got ${plan.ladder.length}`);
    if (Math.abs(plan.ladder.reduce((a, b) => a + b, 0) - 100) > 1e-9) problems.push("--ladder: shares must sum to 100");
  }
  return problems;
}

/** Whether a plan gives a level in % of the average entry (worked out again while the entries fill). */
export function isRelative(plan: PositionPlan): boolean {
  return (plan.stop !== undefined && "pct" in plan.stop) || (plan.tps !== undefined && "pcts" in plan.tps);
}

/** The monitor with the plan's targets set (applied once: `planAt`, at `planEntry`), to be followed by evaluate (`planPending`). */
export function applyPositionPlan(monitor: Monitor, plan: PositionPlan, tick: number): Monitor {
  const { stopPrice, tpPrices } = targetsOf(plan, monitor.side, monitor.entryPrice, tick);
  const rungs = tpPrices?.length ?? monitor.tpPrices.length;
  const ladder = plan.ladder ?? (tpPrices !== undefined ? defaultLadder(rungs) : undefined);
  const rules = monitor.rules ?? { breakevenAfterTp: 1, stopToPreviousTp: false, source: "exchange orders" };
  return {
    ...monitor,
    ...(stopPrice !== undefined ? { stopPrice } : {}),
    ...(tpPrices !== undefined ? { tpPrices } : {}),
    ...(ladder !== undefined ? { plan: rungs === 1 ? fastPlan() : conservativePlan(ladder) } : {}),
    rules: { ...rules, ...(plan.trail !== undefined ? { trail: plan.trail } : {}), source: "trader plan" },
    planAt: plan.at,
    planEntry: monitor.entryPrice,
    planPending: true,
  };
}

/**
 * What protects a position, and the rule settings `evaluate` uses.
 * `fast`: one take-profit for 100% plus one stop-loss. `conservative`: up to 3 limit
 * entries, a TP ladder of 1..4 rungs (percentages of the position, summing to 100), and
 * one stop-loss for the whole position.
 * The settings have no defaults here: their one source is the engine's config schema
 * (core/engine/config.ts), turned into a RuleConfig by `ruleConfigOf`.
 */
import type { UrgencyConfig } from "./urgency.ts";
import type { PlanBook } from "./plan-book.ts";
import { lotsToQty, toLots } from "./units.ts";

export type Plan =
  | { readonly kind: "fast" }
  | { readonly kind: "conservative"; readonly ladder: readonly number[] };

export const MAX_ENTRIES = 3;
export const MAX_RUNGS = 4;

export interface RuleConfig {
  /** Fee buffer added to the average entry for the breakeven stop, in basis points (2 x 0.055% taker = 11). */
  readonly breakevenBufferBps: number;
  /** How long an order missing from a listing after our own write is not yet declared gone, ms. */
  readonly graceMs: number;
  /** Stop distance from entry, %, for a position adopted (or first filled) without a stop and without a target. */
  readonly defaultStopPct: number;
  /** A second restore of one position's stop within this, ms, is an error-level alert (restores never stop). */
  readonly restoreAlertWindowMs: number;
  /**
   * A stop to place (adoption, restore) whose trigger the mark has already crossed: "from-mark"
   * places it `defaultStopPct` from the mark instead, "close" closes the position at market.
   * Either raises an alert; a stop that would trigger at once is never placed.
   */
  readonly pastStop: "from-mark" | "close";
  /** This Warden instance's tag, carried in its orderLinkIds (absent: untagged ids, no stand-by). */
  readonly instance?: string;
  /** TP ladder of a conservative plan Warden builds itself (an adopted position with working entries but no TPs). */
  readonly ladder: readonly number[];
  /** The trader's plans (config `plans`): what a position adopted without a stop or TPs gets, and how its stop moves. */
  readonly plans: PlanBook;
  readonly urgency: UrgencyConfig;
}

export function fastPlan(): Plan {
  return { kind: "fast" };
}

/** Throws on an invalid ladder (a broken invariant); use `ladderProblems` to validate input. */
export function conservativePlan(ladder: readonly number[]): Plan {
  const problems = ladderProblems(ladder);
  if (problems.length > 0) throw new RangeError(`invalid TP ladder [${ladder.join(", ")}]: ${problems.join("; ")}`);
  return { kind: "conservative", ladder: [...ladder] };
}

/** Every problem with a ladder, empty when it is valid. */
export function ladderProblems(ladder: readonly number[]): string[] {
  const problems: string[] = [];
  if (ladder.length < 1 || ladder.length > MAX_RUNGS) problems.push(`expected 1 to ${MAX_RUNGS} rungs, got ${ladder.length}`);
  if (ladder.some((p) => !Number.isFinite(p) || p <= 0)) problems.push("every rung must be a positive percentage");
  const sum = ladder.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 100) > 1e-9) problems.push(`rungs must sum to 100, got ${sum}`);
  return problems;
}

/** Every problem with a rule configuration, empty when it is valid. */
export function ruleConfigProblems(config: RuleConfig): string[] {
  const problems: string[] = [];
  if (!(config.breakevenBufferBps >= 0)) problems.push("breakevenBufferBps must be >= 0");
  if (!(config.graceMs >= 0)) problems.push("graceMs must be >= 0");
  if (!(config.defaultStopPct > 0 && config.defaultStopPct < 100)) problems.push("defaultStopPct must be between 0 and 100");
  if (!(config.restoreAlertWindowMs >= 0)) problems.push("restoreAlertWindowMs must be >= 0");
  for (const problem of ladderProblems(config.ladder)) problems.push(`ladder: ${problem}`);
  const u = config.urgency;
  if (!(u.criticalPct >= 0 && u.criticalPct <= u.urgentPct && u.urgentPct <= u.activePct)) {
    problems.push("urgency thresholds must satisfy 0 <= criticalPct <= urgentPct <= activePct");
  }
  for (const [name, ms] of Object.entries(u.intervalsMs)) if (!(ms >= 0)) problems.push(`urgency interval ${name} must be >= 0 ms`);
  return problems;
}

/** The TP percentages of a plan: [100] for fast. */
export function tpShares(plan: Plan): readonly number[] {
  return plan.kind === "fast" ? [100] : plan.ladder;
}

/**
 * Splits a total size across ladder shares on the lot grid: each rung is rounded down to
 * a lot and the remainder goes to the last rung, so the parts always sum to the total.
 */
export function splitQty(total: number, shares: readonly number[], step: number): number[] {
  const totalLots = toLots(total, step);
  const lots = shares.map((share) => Math.floor((totalLots * share) / 100 + 1e-9));
  const rest = totalLots - lots.reduce((a, b) => a + b, 0);
  if (lots.length > 0) lots[lots.length - 1] = (lots[lots.length - 1] ?? 0) + rest;
  return lots.map((l) => lotsToQty(l, step));
}

/**
 * Whole-number percentages (summing to 100, each >= 1) from TP quantities, by largest
 * remainder: how an adopted ladder is inferred from the orders found.
 */
export function sharesFromQtys(qtys: readonly number[]): number[] {
  const total = qtys.reduce((a, b) => a + b, 0);
  if (qtys.length === 0 || !(total > 0)) return [];
  const raw = qtys.map((q) => (q / total) * 100);
  const shares = raw.map((r) => Math.max(1, Math.floor(r)));
  let diff = 100 - shares.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; diff > 0; k++, diff--) {
    const at = order[k % order.length]!.i;
    shares[at] = shares[at]! + 1;
  }
  while (diff < 0) {
    const at = shares.indexOf(Math.max(...shares));
    shares[at] = shares[at]! - 1;
    diff++;
  }
  return shares;
}

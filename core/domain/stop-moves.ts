/**
 * The plan's moves of the stop as TPs fill (DESIGN, "The TP/SL rules"; plans: README
 * "Plans"): breakeven after TP n (default TP1), the stop to the previous TP's price
 * (`stopToPreviousTp`), and trailing the best mark (`trail`). Every move only tightens the
 * stop, never where it would trigger at once, and is done when the exchange lists it: an amend
 * that did not land is sent again on the next evaluation.
 */
import type { MonitorEdit } from "./monitor-edit.ts";
import type { TrackedOrder } from "./monitor.ts";
import type { RuleConfig } from "./plan.ts";
import type { Sighting } from "./sighting.ts";
import { breakevenPrice, stopOnRightSide } from "./stop.ts";
import { roundPrice, toTicks } from "./units.ts";

/** After TP1 the unfilled entries are cancelled: the position is being taken off, not added to. */
export function cancelEntries(edit: MonitorEdit): void {
  for (const order of edit.tracked().filter((o) => o.role === "entry" && o.state === "working")) edit.cancel(order);
}

/** How many TP rungs have filled, counted from the nearest (TP1 filled and TP2 filled: 2). */
function filledRungs(edit: MonitorEdit): number {
  const filled = new Set(edit.tracked().filter((o) => o.role === "tp" && o.state === "filled").map((o) => o.index));
  let n = 0;
  while (filled.has(n)) n++;
  return filled.size > n ? Math.max(...filled) + 1 : n;
}

export function moveStopByPlan(edit: MonitorEdit, sightings: ReadonlyMap<string, Sighting>, size: number, mark: number, tick: number, now: number, config: RuleConfig, tp1Now: boolean): void {
  const rules = edit.monitor.rules;
  const breakevenAfter = rules?.breakevenAfterTp ?? 1;
  const rungs = filledRungs(edit);
  // stopToPreviousTp: after TP1 the previous level is the entry, so breakeven
  const beAfter = rules?.stopToPreviousTp === true && breakevenAfter === 0 ? 1 : breakevenAfter;
  if (beAfter > 0 && rungs >= beAfter && (beAfter > 1 || edit.monitor.tp1Filled)) applyBreakeven(edit, sightings, size, mark, tick, config, tp1Now);
  const stop = edit.primaryStop();
  if (stop?.triggerPrice === undefined || edit.pendingOf(stop.linkId) !== undefined) return;
  const { side } = edit.monitor;
  const candidates: { readonly price: number; readonly rule: "stop-to-previous-tp" | "trail" }[] = [];
  if (rules?.stopToPreviousTp === true && rungs >= 2) {
    const previous = tpPrice(edit, rungs - 2);
    if (previous !== undefined) candidates.push({ price: previous, rule: "stop-to-previous-tp" });
  }
  if (rules?.trail !== undefined && rungs >= rules.trail.afterTp && mark > 0) {
    const best = edit.monitor.trailBest === undefined ? mark : side === "long" ? Math.max(edit.monitor.trailBest, mark) : Math.min(edit.monitor.trailBest, mark);
    if (best !== edit.monitor.trailBest) edit.set("trailBest", best);
    const d = rules.trail.distancePct / 100;
    candidates.push({ price: side === "long" ? roundPrice(best * (1 - d), tick, "down") : roundPrice(best * (1 + d), tick, "up"), rule: "trail" });
  }
  const tighter = (a: number, b: number) => (side === "long" ? toTicks(a, tick) > toTicks(b, tick) : toTicks(a, tick) < toTicks(b, tick));
  // a trail moves in steps of a tenth of its distance (not every tick): the write budget is for protection
  const step = rules?.trail === undefined ? 0 : (stop.triggerPrice * rules.trail.distancePct) / 1_000;
  const worth = (c: (typeof candidates)[number]) => c.rule !== "trail" || Math.abs(c.price - stop.triggerPrice!) >= step;
  const target = candidates.filter((c) => tighter(c.price, stop.triggerPrice!) && worth(c) && (!(mark > 0) || stopOnRightSide(side, c.price, mark, tick))).sort((a, b) => (tighter(a.price, b.price) ? -1 : 1))[0];
  if (target === undefined) return;
  edit.amend(stop, { qty: size, triggerPrice: target.price });
  edit.rule(target.rule === "trail" ? "sl-trailed" : "sl-to-previous-tp", { linkId: stop.linkId, from: stop.triggerPrice, triggerPrice: target.price, qty: size, filledTps: rungs, ...(target.rule === "trail" ? { bestMark: edit.monitor.trailBest, at: now } : {}) });
}

/** TP rung `index`'s price: the tracked order's, or the plan's. */
function tpPrice(edit: MonitorEdit, index: number): number | undefined {
  const order: TrackedOrder | undefined = edit.tracked().find((o) => o.role === "tp" && o.index === index && o.price !== undefined);
  return order?.price ?? edit.monitor.tpPrices[index];
}

/**
 * The stop to breakeven where that tightens it. Done when the exchange lists the stop at (or
 * tighter than) breakeven, not when decided: an amend that did not land is sent again.
 */
function applyBreakeven(edit: MonitorEdit, sightings: ReadonlyMap<string, Sighting>, size: number, mark: number, tick: number, config: RuleConfig, tp1Now: boolean): void {
  if (edit.monitor.breakevenDone) return;
  const stop = edit.primaryStop();
  if (stop === undefined || stop.triggerPrice === undefined) return;
  const { side, entryPrice } = edit.monitor;
  const price = breakevenPrice(side, entryPrice, config.breakevenBufferBps, tick);
  const atLeast = (a: number, b: number) => (side === "long" ? toTicks(a, tick) >= toTicks(b, tick) : toTicks(a, tick) <= toTicks(b, tick));
  const seen = sightings.get(stop.linkId)?.kind === "listed";
  if (atLeast(stop.triggerPrice, price)) {
    if (!seen) return; // our amend is in its grace window: done once a listing shows it
    edit.set("breakevenDone", true);
    // kept as it is: the trader had tightened it past breakeven (the move itself was announced when decided)
    if (toTicks(stop.triggerPrice, tick) !== toTicks(price, tick) && edit.pendingOf(stop.linkId) === undefined) {
      edit.rule("tp1-filled-breakeven", { linkId: stop.linkId, triggerPrice: stop.triggerPrice, breakeven: price, qty: size, late: !tp1Now, kept: "tighter" });
    }
    return;
  }
  if (mark > 0 && !stopOnRightSide(side, price, mark, tick)) {
    if (tp1Now) edit.alert("warn", `breakeven stop ${price} is past the mark ${mark}; keeping the stop at ${stop.triggerPrice} for now`, { linkId: stop.linkId, kind: "breakeven-deferred" });
    return;
  }
  edit.amend(stop, { qty: size, triggerPrice: price });
  edit.rule("tp1-filled-breakeven", { linkId: stop.linkId, triggerPrice: price, qty: size, late: !tp1Now });
}

/**
 * The trader's plan for the position (`warden plan`), applied by the engine to the monitor's
 * targets: the stop and the TPs are amended in place to them (the trader may loosen a stop this
 * way: it is the trader's own move, not a rule's), a rung the plan no longer has is cancelled.
 * Done when the exchange lists every order as the plan says.
 */
export function followPlan(edit: MonitorEdit, size: number, mark: number, tick: number): void {
  if (edit.monitor.planPending !== true) return;
  const { side, stopPrice, tpPrices } = edit.monitor;
  let settled = true;
  const stop = edit.primaryStop();
  if (stop?.triggerPrice !== undefined && stopPrice !== undefined && toTicks(stop.triggerPrice, tick) !== toTicks(stopPrice, tick)) {
    settled = false;
    const placeable = !(mark > 0) || stopOnRightSide(side, stopPrice, mark, tick);
    if (edit.pendingOf(stop.linkId) === undefined && placeable) {
      edit.amend(stop, { qty: size, triggerPrice: stopPrice });
      edit.rule("plan-followed", { linkId: stop.linkId, role: "sl", from: stop.triggerPrice, triggerPrice: stopPrice });
      edit.set("planDeferred", undefined);
    } else if (!placeable && edit.monitor.planDeferred !== true) {
      // said once; the stop stays where it is until the mark allows the plan's
      edit.set("planDeferred", true);
      edit.alert("warn", `the plan's stop ${stopPrice} for ${edit.monitor.id} is past the mark ${mark}; the stop stays at ${stop.triggerPrice} until the mark allows it (or give another plan)`, { kind: "plan-deferred", triggerPrice: stopPrice, markPrice: mark });
    }
  }
  for (const tp of edit.tracked().filter((o) => o.role === "tp" && o.state === "working")) {
    const want = tpPrices[tp.index];
    if (want === undefined) {
      settled = false;
      edit.cancel(tp);
      edit.rule("plan-followed", { linkId: tp.linkId, role: "tp", index: tp.index, cancelled: true });
    } else if (tp.price !== undefined && toTicks(tp.price, tick) !== toTicks(want, tick)) {
      settled = false;
      if (edit.pendingOf(tp.linkId) === undefined) {
        edit.amend(tp, { price: want });
        edit.rule("plan-followed", { linkId: tp.linkId, role: "tp", index: tp.index, from: tp.price, price: want });
      }
    } else if (edit.pendingOf(tp.linkId) !== undefined) settled = false;
  }
  if (stop !== undefined && edit.pendingOf(stop.linkId) !== undefined) settled = false;
  if (settled) {
    edit.set("planPending", undefined);
    edit.set("planDeferred", undefined);
  }
}

/**
 * Most cycles change nothing for most monitors: the same position, the same orders, only
 * the mark moved. For such a monitor `evaluate` (pure) would only renew its schedule, so the
 * engine may skip it and call `reschedule` instead, which returns exactly what `evaluate`
 * would (a property test holds the two together). It applies only to a monitor that is
 * settled (its last evaluation decided nothing and looked nothing up, and nothing in it
 * depends on the clock or the mark other than its schedule) and whose view's fingerprint is
 * unchanged since that evaluation.
 */
import type { Monitor } from "./monitor.ts";
import type { RuleConfig } from "./plan.ts";
import type { MonitorView } from "./sighting.ts";
import { toLots } from "./units.ts";
import { dueInterval, urgency } from "./urgency.ts";

/** Nothing but the schedule depends on time or mark: no write in its grace window, no position to wait for, no breakeven deferred for the mark, not unprotected. */
export function isSettled(monitor: Monitor, step: number): boolean {
  return (
    monitor.status === "active" &&
    toLots(monitor.size, step) > 0 &&
    monitor.pending.length === 0 &&
    monitor.protection?.state !== "unprotected" &&
    monitor.trailBest === undefined &&
    monitor.planPending !== true &&
    !(monitor.tp1Filled && !monitor.breakevenDone)
  );
}

/** What evaluate returns for a settled monitor whose view did not change but for the mark. */
export function reschedule(monitor: Monitor, markPrice: number, now: number, config: RuleConfig): Monitor {
  return { ...monitor, lastEvaluatedAt: now, nextDueAt: now + dueInterval(urgency(monitor, markPrice, config.urgency), config.urgency) };
}

/** Everything of a view evaluate reads, but the mark and the time. */
export function viewFingerprint(view: MonitorView): string {
  const p = view.position;
  let fp = p === undefined ? "-" : `${p.side}|${p.size}|${p.entryPrice}|${p.openedAt}|${p.stopLoss}`;
  for (const o of view.orders) {
    fp += `;${o.linkId}|${o.status}|${o.side}|${o.type}|${o.qty}|${o.filledQty}|${o.price}|${o.triggerPrice}|${o.reduceOnly}`;
  }
  return fp;
}

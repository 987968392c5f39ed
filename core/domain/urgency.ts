/**
 * How close the mark price is to a monitor's nearest trigger, and so how often the
 * monitor is due. Pure: the engine passes the mark price and the time.
 */
import type { Monitor } from "./monitor.ts";

export type Urgency = "critical" | "urgent" | "active" | "idle";

export interface UrgencyConfig {
  /** Distance (percent of the mark price) at or under which a monitor is critical, urgent, active. */
  readonly criticalPct: number;
  readonly urgentPct: number;
  readonly activePct: number;
  /** How long until a monitor of each urgency is due again, ms. 0: every cycle. */
  readonly intervalsMs: Readonly<Record<Urgency, number>>;
}

/** Prices the monitor reacts to: working TP prices, SL triggers and entry prices. */
export function triggerPrices(monitor: Monitor): number[] {
  const prices: number[] = [];
  for (const order of monitor.orders) {
    if (order.state !== "working") continue;
    const price = order.triggerPrice ?? order.price;
    if (price !== undefined) prices.push(price);
  }
  return prices;
}

/** Percent distance from the mark to the nearest trigger; Infinity when there is none. */
export function nearestTriggerPct(monitor: Monitor, markPrice: number): number {
  if (!(markPrice > 0)) return Infinity;
  let best = Infinity;
  for (const price of triggerPrices(monitor)) best = Math.min(best, (Math.abs(price - markPrice) / markPrice) * 100);
  return best;
}

export function urgency(monitor: Monitor, markPrice: number, config: UrgencyConfig): Urgency {
  if (monitor.status === "closed") return "idle";
  const pct = nearestTriggerPct(monitor, markPrice);
  if (pct <= config.criticalPct) return "critical";
  if (pct <= config.urgentPct) return "urgent";
  if (pct <= config.activePct) return "active";
  return "idle";
}

export function dueInterval(level: Urgency, config: UrgencyConfig): number {
  return config.intervalsMs[level];
}

/** An active monitor is due once the clock reaches its nextDueAt. */
export function isDue(monitor: Monitor, now: number): boolean {
  return monitor.status === "active" && now >= monitor.nextDueAt;
}

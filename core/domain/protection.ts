/**
 * Protection (DESIGN, "Protection"): a state computed from what the exchange shows, never
 * from what Warden believes it placed. A position is protected by a working conditional
 * order on its closing side that only reduces (reduce-only or close-on-trigger), whose
 * trigger is on the losing side of the mark and whose quantity covers the position within
 * one lot, whoever placed it. Pure: the engine passes the view and the time.
 */
import { closingSide } from "./monitor.ts";
import type { ExchangeOrder, ExchangePosition, Instrument, Side } from "./types.ts";
import { toLots, toTicks } from "./units.ts";

export type ProtectionState = "protected" | "unprotected" | "stand-by" | "no-stop";

export interface Protection {
  readonly state: ProtectionState;
  /** Clock time the monitor entered this state. */
  readonly since: number;
  /** Why it is unprotected (or stands by). */
  readonly reason?: string;
}

const WORKING = new Set(["open", "untriggered"]);

/** A working conditional that closes this position when the price moves against it. */
export function isProtectiveStop(order: ExchangeOrder, side: Side, markPrice: number, tick: number): boolean {
  if (!WORKING.has(order.status) || order.triggerPrice === undefined || !order.reduceOnly) return false;
  if (order.side !== closingSide(side)) return false;
  if (!(markPrice > 0)) return true;
  const trigger = toTicks(order.triggerPrice, tick);
  const mark = toTicks(markPrice, tick);
  return side === "long" ? trigger < mark : trigger > mark;
}

/** Protected or not, and why not, for an open position and its symbol's open orders. */
export function assessProtection(
  position: Pick<ExchangePosition, "side" | "size" | "markPrice" | "stopLoss">,
  orders: readonly ExchangeOrder[],
  instrument: Pick<Instrument, "tickSize" | "qtyStep">,
): { readonly protected: boolean; readonly reason?: string } {
  if (hasPositionStop(position, instrument.tickSize)) return { protected: true };
  const stops = orders.filter((o) => isProtectiveStop(o, position.side, position.markPrice, instrument.tickSize));
  if (stops.length === 0) {
    const crossed = orders.some((o) => WORKING.has(o.status) && o.triggerPrice !== undefined && o.reduceOnly && o.side === closingSide(position.side));
    return { protected: false, reason: crossed ? "the only stop is past the mark" : "no stop working" };
  }
  const lots = toLots(position.size, instrument.qtyStep);
  const covered = stops.reduce((best, o) => Math.max(best, toLots(o.qty - o.filledQty, instrument.qtyStep)), 0);
  if (covered >= lots - 1) return { protected: true };
  return { protected: false, reason: `the stop covers ${covered} of ${lots} lots` };
}

/** A position-level stop (set through /v5/position/trading-stop) on the losing side of the mark: it closes the whole position. */
export function hasPositionStop(position: Pick<ExchangePosition, "side" | "markPrice" | "stopLoss">, tick: number): boolean {
  const stop = position.stopLoss;
  if (stop === undefined || !(stop > 0)) return false;
  if (!(position.markPrice > 0)) return true;
  return position.side === "long" ? toTicks(stop, tick) < toTicks(position.markPrice, tick) : toTicks(stop, tick) > toTicks(position.markPrice, tick);
}

/** The next protection record: `since` kept while the state stays, renewed when it changes. */
export function nextProtection(previous: Protection | undefined, state: ProtectionState, now: number, reason?: string): Protection {
  const since = previous !== undefined && previous.state === state ? previous.since : now;
  return reason === undefined ? { state, since } : { state, since, reason };
}

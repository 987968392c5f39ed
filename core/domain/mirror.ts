/**
 * Mirror twins. The design chosen: a mirror monitor is an ordinary monitor on the mirror
 * account, evaluated on its own view with the same rules, so its own fills (detected on the
 * mirror account itself) drive its own actions; because both accounts follow the same price
 * path and the mirror's orders are the main's at `ratio`, every action on the main monitor
 * gets its proportional twin from the mirror's own evaluation, with no cross-account
 * guesswork. Reconcile links a mirror monitor to its main twin (mirrorOf, ratio) and gives
 * it the main's stop and TP targets when it has none. What is left here is the check that
 * the two have not drifted apart: `divergence` reports when the mirror's size differs from
 * ratio x main's size by more than one lot; and `followMainClose`, the one twin the mirror's
 * own view cannot produce: main closed by hand (or liquidated) while the mirror still holds.
 */
import type { Action } from "./action.ts";
import { MonitorEdit } from "./monitor-edit.ts";
import type { Monitor } from "./monitor.ts";
import type { Instrument } from "./types.ts";
import { roundQty, toLots } from "./units.ts";

export interface Divergence {
  readonly expected: number;
  readonly actual: number;
  /** actual - expected, in lots. */
  readonly lots: number;
}

/** The mirror's expected size: ratio x main, rounded down to the lot. */
export function mirrorSize(mainSize: number, ratio: number, step: number): number {
  return roundQty(mainSize * ratio, step, "down");
}

/** undefined while the mirror is within one lot of ratio x main; the gap otherwise. */
export function divergence(main: Monitor, mirror: Monitor, ratio: number, step: number): Divergence | undefined {
  const mainSize = main.status === "active" ? main.size : 0;
  const actual = mirror.status === "active" ? mirror.size : 0;
  const expected = mirrorSize(mainSize, ratio, step);
  const lots = toLots(actual, step) - toLots(expected, step);
  return Math.abs(lots) > 1 ? { expected, actual, lots } : undefined;
}

/** The alert the engine emits for a divergence. */
export function divergenceAlert(main: Monitor, mirror: Monitor, ratio: number, step: number): Action | undefined {
  const gap = divergence(main, mirror, ratio, step);
  if (gap === undefined) return undefined;
  return {
    kind: "alert",
    level: "warn",
    message: `mirror ${mirror.id} holds ${gap.actual} where ${ratio} x main ${main.id} is ${gap.expected} (${gap.lots} lots apart)`,
    detail: { main: main.id, mirror: mirror.id, ratio, expected: gap.expected, actual: gap.actual, lots: gap.lots },
  };
}

/**
 * The twin of a main monitor closed because its position went flat by other means than
 * its own orders (closed by hand, liquidated): the mirror closes its position at market
 * and cancels its unfilled entries. Its stop and TPs stay until the position is flat
 * (never a moment without a stop); the next evaluation then cleans up and closes it.
 * A mirror already flat, closed or exiting gets nothing.
 */
export function followMainClose(mirror: Monitor, main: Monitor, now: number, instance?: string): { monitor: Monitor; actions: Action[] } {
  const working = mirror.orders.filter((o) => o.state === "working");
  if (mirror.status !== "active" || mirror.size <= 0 || working.some((o) => o.role === "exit")) return { monitor: mirror, actions: [] };
  const edit = new MonitorEdit(mirror, now, instance);
  edit.placeMarketExit(mirror.size);
  for (const order of working.filter((o) => o.role === "entry")) edit.cancel(order);
  edit.rule("mirror-close-followed", { main: main.id, mainReason: main.closeReason, qty: mirror.size });
  return edit.finish();
}

/** A follower's ratio read off one pair of twins at first sight: follower size / leader size, 4 significant digits. */
export function firstSightRatio(follower: Monitor, leader: Monitor): number | undefined {
  if (!(follower.size > 0) || !(leader.size > 0)) return undefined;
  return Number((follower.size / leader.size).toPrecision(4));
}

/**
 * A follower's monitor linked to its leader's twin at `ratio` (the twin's stop and TP targets
 * given to it when it has none); undefined when it is linked so already.
 */
export function linkTwin(follower: Monitor, leader: Monitor, ratio: number): Monitor | undefined {
  if (follower.status !== "active" || leader.status !== "active") return undefined;
  if (follower.mirrorOf === leader.id && follower.ratio === ratio) return undefined;
  return {
    ...follower,
    mirrorOf: leader.id,
    ratio,
    ...(follower.stopPrice === undefined && leader.stopPrice !== undefined ? { stopPrice: leader.stopPrice } : {}),
    ...(follower.tpPrices.length === 0 && leader.tpPrices.length > 0 ? { tpPrices: leader.tpPrices } : {}),
  };
}

/**
 * `follow: "size"`: the follower trades at market to hold ratio x its leader's size (within
 * one lot): more when the leader added, reduce-only when the leader reduced. Nothing while a
 * follow order of its own is still working (one at a time, settled by the next evaluation,
 * which also resizes the stop), while it waits for its first entry, or past its leader's close
 * (`followMainClose` does that).
 */
export function followLeaderSize(follower: Monitor, leader: Monitor, instrument: Instrument, now: number, instance?: string): { monitor: Monitor; actions: Action[] } {
  const none = { monitor: follower, actions: [] };
  if (follower.status !== "active" || leader.status !== "active" || follower.mirrorOf !== leader.id) return none;
  if (!(follower.size > 0) || !(leader.size > 0)) return none;
  if (follower.orders.some((o) => o.state === "working" && (o.role === "exit" || (o.role === "entry" && o.index === 9)))) return none;
  const step = instrument.qtyStep;
  const expected = mirrorSize(leader.size, follower.ratio ?? 1, step);
  const lots = toLots(expected, step) - toLots(follower.size, step);
  if (lots === 0 || expected <= 0) return none;
  const qty = roundQty(Math.abs(lots) * step, step, "down");
  if (qty < instrument.minQty) return none;
  const edit = new MonitorEdit(follower, now, instance);
  edit.placeMarketAdjust(qty, lots > 0);
  edit.rule("follower-size-followed", { leader: leader.id, leaderSize: leader.size, ratio: follower.ratio ?? 1, size: follower.size, target: expected, qty, side: lots > 0 ? "add" : "reduce" });
  return edit.finish();
}

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

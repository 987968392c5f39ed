/**
 * A write `evaluate` decided and the exchange refused for good (110017, 110003, ...): the
 * monitor's record of it is taken back, so the next evaluation decides again on what the
 * exchange shows rather than waiting for an order that will never exist. A place is
 * forgotten, a cancel makes the order working again, an amend leaves its grace window (and
 * a breakeven move is not done). The engine takes back every write the exchange did not
 * apply (refused, rate-limited, IP-banned, skipped) and decides again on fresh data next
 * cycle; "unknown" outcomes are settled by the grace window and a lookup instead.
 */
import type { WriteAction } from "./action.ts";
import type { Monitor, TrackedOrder } from "./monitor.ts";

export function revertWrite(monitor: Monitor, action: WriteAction): Monitor {
  const pending = monitor.pending.filter((p) => p.linkId !== action.linkId);
  switch (action.kind) {
    case "place": {
      const orders = monitor.orders.filter((o) => o.linkId !== action.linkId);
      // a refused restore does not use up the restore: the stop it replaced is still tracked
      const restore = action.role === "sl" && orders.some((o) => o.role === "sl") && monitor.slRestoredCount > 0;
      return { ...monitor, orders, pending, ...(restore ? { slRestoredCount: monitor.slRestoredCount - 1 } : {}) };
    }
    case "cancel": {
      // a closed monitor keeps it as a cancel to settle (sent again until the exchange shows it
      // gone); an active one has the order working again, and decides about it afresh
      if (monitor.status === "closed") return { ...monitor, pending };
      const working = (o: TrackedOrder): TrackedOrder => {
        const { cancelledAt: _sent, ...rest } = o;
        return { ...rest, state: "working" };
      };
      return { ...monitor, orders: monitor.orders.map((o) => (o.linkId === action.linkId && o.state === "cancelled" ? working(o) : o)), pending };
    }
    case "amend":
      // the only trigger amend of a stop is the move to breakeven: not done until it lands
      return { ...monitor, pending, ...(action.role === "sl" && action.triggerPrice !== undefined ? { breakevenDone: false } : {}) };
  }
}

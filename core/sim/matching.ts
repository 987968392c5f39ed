/**
 * How orders meet the price (the simulator has no book depth, only a mark per symbol):
 * - a resting Buy limit fills at its own price when the mark is at or below it, a Sell limit
 *   when at or above it (maker fee);
 * - a conditional triggers when the mark reaches its trigger in its direction (1 rise,
 *   2 fall), then executes as a market order, or as a limit when it has a price;
 * - market orders, and limits already marketable when placed, fill at once at the mark
 *   (taker fee); IOC/FOK limits that cannot fill are cancelled, PostOnly limits that would
 *   take are cancelled.
 * Orders of one symbol are matched oldest first.
 */
import type { AccountState } from "./account.ts";
import { OPEN_STATUSES, type SimOrder } from "./book.ts";
import { roundToTick, type InstrumentSpec } from "./instruments.ts";
import { SimError } from "./venue-api.ts";

/** Refuses a trigger already reached in its direction, with Bybit's codes. */
export function checkTrigger(direction: 0 | 1 | 2, trigger: number, mark: number): void {
  if (direction === 1 && trigger <= mark) throw new SimError(110092, `expect Rising, but trigger_price[${trigger}] <= current[${mark}]??LastPrice`);
  if (direction === 2 && trigger >= mark) throw new SimError(110093, `expect Falling, but trigger_price[${trigger}] >= current[${mark}]??LastPrice`);
}

/** The price Bybit shows on a market order: the mark with a 3% slippage guard. */
export function protectionPrice(spec: InstrumentSpec, side: "Buy" | "Sell", mark: number): number {
  return Math.max(spec.tickSize, roundToTick(spec, mark * (side === "Buy" ? 1.03 : 0.97)));
}

function marketable(o: SimOrder, mark: number): boolean {
  return o.side === "Buy" ? mark <= o.price : mark >= o.price;
}

/** An order that just became active (placed, triggered, amended): fill it now if it can. */
export function activate(st: AccountState, o: SimOrder, mark: number, now: number, postOnly: boolean): void {
  if (o.orderType === "Market") {
    st.fill(o, mark, false, mark, now);
    return;
  }
  const canFill = marketable(o, mark);
  if (canFill && !postOnly) st.fill(o, mark, false, mark, now);
  else if (canFill) st.cancel(o, now, "CancelByUser");
  else if (o.timeInForce === "IOC") st.cancel(o, now, "CancelByIOC");
}

/** Matches one account's open orders of a symbol against its new mark. */
export function matchSymbol(st: AccountState, symbol: string, mark: number, now: number): void {
  for (const o of st.orders.openOf(symbol)) {
    if (!OPEN_STATUSES.has(o.status)) continue; // closed earlier in this pass (reduce-only sweep)
    if (o.status === "Untriggered") {
      const hit = o.triggerDirection === 1 ? mark >= o.triggerPrice : mark <= o.triggerPrice;
      if (!hit) continue;
      o.updatedTime = now;
      // Bybit's instantaneous Triggered state: written (the stream pushes it), never listed.
      o.status = "Triggered";
      st.orders.changed(o);
      o.status = "New";
      if (o.orderType === "Market") o.price = protectionPrice(o.spec, o.side, mark);
      st.orders.changed(o);
      activate(st, o, mark, now, false);
    } else if (o.orderType === "Limit" && marketable(o, mark)) {
      st.fill(o, o.price, true, mark, now);
    }
  }
}

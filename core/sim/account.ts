/**
 * One simulated account: its credentials, position mode, orders, positions and executions,
 * and what a fill does to them. Reducing orders (reduce-only, close-on-trigger, and in hedge
 * mode those on the closing side of their index, see position-mode.ts) never increase a
 * position: at fill time they are clamped to their position's size, and when that position
 * is flat or on their own side they are cancelled (limits: Cancelled; untriggered
 * conditionals: Deactivated).
 */
import { OrderBook, type OrderStatus, type SimOrder } from "./book.ts";
import { amount, formatPrice, formatQty } from "./instruments.ts";
import { PositionBook, LEVERAGE, positionSide, positionValue, unrealisedPnl } from "./position-book.ts";
import { isReducing, PositionModes, type PositionMode } from "./position-mode.ts";
import type { PositionIdx } from "../domain/types.ts";
import type { BybitRecord, SimAccount } from "./venue-api.ts";
import { walletRecord } from "./wallet.ts";

export const TAKER_FEE = 0.00055;
export const MAKER_FEE = 0.0002;

/** Told of what changes in the account (venue-events.ts); absent when nobody listens. */
export interface AccountObserver {
  order(o: SimOrder): void;
  execution(record: BybitRecord): void;
  position(symbol: string, positionIdx: PositionIdx): void;
}

export class AccountState {
  readonly orders = new OrderBook();
  readonly positions = new PositionBook();
  /** Oldest first; listings reverse it. */
  readonly executions: BybitRecord[] = [];
  readonly modes: PositionModes;
  #execSeq = 1;
  #observer: AccountObserver | undefined;

  constructor(
    readonly account: SimAccount,
    readonly balance: number,
    private readonly newId: () => string,
    positionMode: PositionMode = "one-way",
  ) {
    this.modes = new PositionModes(positionMode);
  }

  observe(observer: AccountObserver | undefined): void {
    this.#observer = observer;
    this.orders.onWrite = observer === undefined ? undefined : (o) => observer.order(o);
  }

  /** Closes an open order with a final status other than Filled. */
  finish(o: SimOrder, status: OrderStatus, cancelType: string, now: number): void {
    o.status = status;
    o.cancelType = cancelType;
    o.updatedTime = now;
    this.orders.changed(o);
    this.orders.close(o);
  }

  /** Cancels an open order the way a user does: untriggered conditionals become Deactivated. */
  cancel(o: SimOrder, now: number, cancelType = "CancelByUser"): void {
    this.finish(o, o.status === "Untriggered" ? "Deactivated" : "Cancelled", cancelType, now);
  }

  /**
   * Fills what is left of an open order at `price`. Returns false when a reduce-only order
   * had nothing to reduce and was cancelled instead.
   */
  fill(o: SimOrder, price: number, isMaker: boolean, mark: number, now: number): boolean {
    const spec = o.spec;
    let lots = o.qtyLots - o.cumLots;
    if (isReducing(o)) {
      const pos = this.positions.get(o.symbol, o.positionIdx);
      const side = positionSide(pos);
      if (!pos || side === "" || side === o.side) {
        this.cancel(o, now, "CancelByReduceOnly");
        return false;
      }
      if (lots > Math.abs(pos.lots)) {
        lots = Math.abs(pos.lots);
        o.qtyLots = o.cumLots + lots;
      }
    }
    const value = price * lots * spec.qtyStep;
    const feeRate = isMaker ? MAKER_FEE : TAKER_FEE;
    const fee = value * feeRate;
    const { closedLots } = this.positions.fill(spec, o.positionIdx, o.side, lots, price, fee, now);
    o.cumLots += lots;
    o.cumValue += value;
    o.cumFee += fee;
    o.status = "Filled";
    o.updatedTime = now;
    this.orders.changed(o);
    this.orders.close(o);
    const execution = Object.freeze({
      symbol: o.symbol,
      orderType: o.orderType,
      underlyingPrice: "",
      orderLinkId: o.orderLinkId,
      orderId: o.orderId,
      stopOrderType: o.stopOrderType === "" ? "UNKNOWN" : o.stopOrderType,
      execTime: String(now),
      feeCurrency: "",
      createType: o.createType,
      feeRate: String(feeRate),
      tradeIv: "",
      blockTradeId: "",
      markPrice: formatPrice(spec, mark),
      execPrice: formatPrice(spec, price),
      markIv: "",
      orderQty: formatQty(spec, o.qtyLots),
      orderPrice: o.price > 0 ? formatPrice(spec, o.price) : "0",
      execValue: amount(value),
      closedSize: formatQty(spec, closedLots),
      execType: "Trade",
      seq: this.#execSeq++,
      side: o.side,
      indexPrice: "",
      leavesQty: "0",
      isMaker,
      execFee: amount(fee),
      execId: this.newId(),
      marketUnit: "",
      execQty: formatQty(spec, lots),
    });
    this.executions.push(execution);
    this.#observer?.execution(execution);
    this.#observer?.position(o.symbol, o.positionIdx);
    this.sweepReduceOnly(o.symbol, now);
    return true;
  }

  /** Cancels reducing orders of a symbol that can no longer reduce their position. */
  sweepReduceOnly(symbol: string, now: number): void {
    for (const o of this.orders.openOf(symbol)) {
      if (!isReducing(o)) continue;
      const side = positionSide(this.positions.get(symbol, o.positionIdx));
      if (side === "" || side === o.side) this.cancel(o, now, "CancelByReduceOnly");
    }
  }

  walletBalance(markOf: (symbol: string) => number): BybitRecord {
    let realised = 0;
    let upl = 0;
    let value = 0;
    for (const p of this.positions.all()) {
      realised += p.cumRealisedPnl;
      if (p.lots === 0) continue;
      upl += unrealisedPnl(p, markOf(p.symbol));
      value += positionValue(p);
    }
    return walletRecord({ balance: this.balance, realisedPnl: realised, unrealisedPnl: upl, positionIM: value / LEVERAGE, positionMM: value * 0.005 });
  }
}

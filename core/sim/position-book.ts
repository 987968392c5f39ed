/**
 * One account's positions, keyed by symbol and positionIdx: one per symbol in one-way mode
 * (positionIdx 0), up to two in hedge mode (1 the long, 2 the short). Size in integer lots
 * with a sign for the side, weighted average entry, realised PnL (net of fees, as Bybit's
 * cumRealisedPnl is). A flat position is kept so its cumRealisedPnl survives.
 */
import type { PositionIdx } from "../domain/types.ts";
import { amount, formatPrice, formatQty, type InstrumentSpec } from "./instruments.ts";
import type { BybitRecord } from "./venue-api.ts";

export const LEVERAGE = 10;
const MM_RATE = 0.005;

export interface SimPosition {
  readonly symbol: string;
  readonly spec: InstrumentSpec;
  readonly positionIdx: PositionIdx;
  /** Signed size in lots: > 0 long (Buy), < 0 short (Sell), 0 flat. */
  lots: number;
  avgPrice: number;
  cumRealisedPnl: number;
  createdTime: number;
  updatedTime: number;
  seq: number;
  takeProfit: string;
  stopLoss: string;
}

export interface FillResult {
  /** Lots of the previous position this fill closed. */
  closedLots: number;
  /** PnL of the closed part, before fees. */
  closedPnl: number;
}

export function positionSide(p: SimPosition | undefined): "Buy" | "Sell" | "" {
  if (!p || p.lots === 0) return "";
  return p.lots > 0 ? "Buy" : "Sell";
}

function keyOf(symbol: string, positionIdx: PositionIdx): string {
  return positionIdx === 0 ? symbol : `${symbol}\u0001${positionIdx}`;
}

export class PositionBook {
  readonly #positions = new Map<string, SimPosition>();
  #seq = 1;

  get(symbol: string, positionIdx: PositionIdx = 0): SimPosition | undefined {
    return this.#positions.get(keyOf(symbol, positionIdx));
  }

  /** The open positions of one symbol (two at most, in hedge mode), by positionIdx. */
  openOf(symbol: string): SimPosition[] {
    return [0, 1, 2].flatMap((i) => {
      const p = this.#positions.get(keyOf(symbol, i as PositionIdx));
      return p !== undefined && p.lots !== 0 ? [p] : [];
    });
  }

  /** Every position ever held (flat ones included), in the order they were first opened. */
  all(): IterableIterator<SimPosition> {
    return this.#positions.values();
  }

  open(): SimPosition[] {
    return [...this.#positions.values()].filter((p) => p.lots !== 0);
  }

  /**
   * Applies a fill of `lots` (> 0) on `side` at `price` to the position `positionIdx`; fee
   * (>= 0) is charged to realised PnL. Only one-way mode flips: a hedge-mode fill on the
   * closing side was clamped to the position by the account.
   */
  fill(spec: InstrumentSpec, positionIdx: PositionIdx, side: "Buy" | "Sell", lots: number, price: number, fee: number, now: number): FillResult {
    const key = keyOf(spec.symbol, positionIdx);
    let p = this.#positions.get(key);
    if (!p) {
      p = { symbol: spec.symbol, spec, positionIdx, lots: 0, avgPrice: 0, cumRealisedPnl: 0, createdTime: now, updatedTime: now, seq: 0, takeProfit: "", stopLoss: "" };
      this.#positions.set(key, p);
    }
    const signed = side === "Buy" ? lots : -lots;
    let closedLots = 0;
    let closedPnl = 0;
    if (p.lots === 0 || Math.sign(p.lots) === Math.sign(signed)) {
      const size = Math.abs(p.lots);
      p.avgPrice = (p.avgPrice * size + price * lots) / (size + lots);
      if (p.lots === 0) p.createdTime = now;
      p.lots += signed;
    } else {
      const size = Math.abs(p.lots);
      closedLots = Math.min(size, lots);
      closedPnl = (price - p.avgPrice) * closedLots * spec.qtyStep * Math.sign(p.lots);
      const rest = lots - closedLots;
      if (rest > 0) {
        // A flip (only non-reduce-only orders get here): the remainder opens the other side.
        p.lots = Math.sign(signed) * rest;
        p.avgPrice = price;
        p.createdTime = now;
      } else {
        p.lots += signed;
        if (p.lots === 0) {
          p.avgPrice = 0;
          p.takeProfit = "";
          p.stopLoss = "";
        }
      }
    }
    p.cumRealisedPnl += closedPnl - fee;
    p.updatedTime = now;
    p.seq = this.#seq++;
    return { closedLots, closedPnl };
  }

  /** Places a position directly (scenario seed). */
  seed(spec: InstrumentSpec, positionIdx: PositionIdx, lots: number, avgPrice: number, now: number): void {
    this.#positions.set(keyOf(spec.symbol, positionIdx), {
      symbol: spec.symbol, spec, positionIdx, lots, avgPrice, cumRealisedPnl: 0, createdTime: now, updatedTime: now, seq: this.#seq++, takeProfit: "", stopLoss: "",
    });
  }

  touch(p: SimPosition, now: number): void {
    p.updatedTime = now;
    p.seq = this.#seq++;
  }
}

export function unrealisedPnl(p: SimPosition, mark: number): number {
  return (mark - p.avgPrice) * p.lots * p.spec.qtyStep;
}

export function positionValue(p: SimPosition): number {
  return Math.abs(p.lots) * p.spec.qtyStep * p.avgPrice;
}

/**
 * Bybit's position record (wire types: numbers for positionIdx, riskId, autoAddMargin,
 * adlRankIndicator, seq, tradeMode). Without a position, the flat record of `positionIdx`.
 */
export function positionRecord(spec: InstrumentSpec, p: SimPosition | undefined, mark: number, now: number, positionIdx: PositionIdx = p?.positionIdx ?? 0): BybitRecord {
  const flat = !p || p.lots === 0;
  const value = p && !flat ? positionValue(p) : 0;
  const im = value / LEVERAGE;
  return {
    symbol: spec.symbol,
    leverage: String(LEVERAGE),
    autoAddMargin: 0,
    avgPrice: flat ? "0" : amount(p.avgPrice),
    liqPrice: "",
    riskLimitValue: "2000000",
    takeProfit: p?.takeProfit ?? "",
    positionValue: flat ? "" : amount(value),
    isReduceOnly: false,
    tpslMode: "Full",
    riskId: 1,
    trailingStop: "0",
    unrealisedPnl: flat ? "" : amount(unrealisedPnl(p, mark)),
    markPrice: formatPrice(spec, mark),
    adlRankIndicator: flat ? 0 : 2,
    cumRealisedPnl: amount(p?.cumRealisedPnl ?? 0),
    positionMM: amount(value * MM_RATE),
    createdTime: String(p?.createdTime ?? now),
    positionIdx,
    positionIM: amount(im),
    seq: p?.seq ?? 0,
    updatedTime: String(p?.updatedTime ?? now),
    side: positionSide(p),
    bustPrice: "",
    positionBalance: amount(im),
    leverageSysUpdatedTime: "",
    size: formatQty(spec, Math.abs(p?.lots ?? 0)),
    positionStatus: "Normal",
    mmrSysUpdatedTime: "",
    stopLoss: p?.stopLoss ?? "",
    tradeMode: 0,
  };
}

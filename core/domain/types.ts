/**
 * Domain vocabulary shared by the pure core, the engine and the exchange port.
 * Prices and quantities are numbers, but every comparison and rounding goes through
 * `units.ts` (integer ticks and lots), never raw float equality.
 */
/** An account's name: `[a-z0-9-]`, unique in the roster (core/domain/accounts.ts); `main` and `mirror` by default. */
export type AccountId = string;
export type Side = "long" | "short";
export type OrderSide = "buy" | "sell";
/**
 * Bybit's positionIdx: 0 one-way mode (one position per symbol); in hedge mode 1 is the
 * buy side (the long) and 2 the sell side (the short), both open at once if need be.
 */
export type PositionIdx = 0 | 1 | 2;

/** The hedge-mode positionIdx of a side's position: 1 for the long, 2 for the short. */
export function hedgeIdx(side: Side): 1 | 2 {
  return side === "long" ? 1 : 2;
}

export interface Instrument {
  /** Exchange symbol, e.g. "BTCUSDT". */
  readonly symbol: string;
  readonly tickSize: number;
  readonly qtyStep: number;
  readonly minQty: number;
}

export type OrderStatus =
  | "open" // working limit (New or PartiallyFilled)
  | "untriggered" // conditional waiting for its trigger
  | "filled"
  | "cancelled"
  | "rejected"
  | "deactivated"; // conditional cancelled before trigger

/** An order as the exchange reports it (open listing, lookup or history). */
export interface ExchangeOrder {
  readonly id: string;
  /** orderLinkId, "" when the order has none. */
  readonly linkId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: "limit" | "market";
  readonly price: number | undefined;
  readonly triggerPrice: number | undefined;
  readonly qty: number;
  readonly filledQty: number;
  readonly reduceOnly: boolean;
  /** The position the order belongs to: 0 in one-way mode, hedgeIdx(side of that position) in hedge mode. */
  readonly positionIdx: PositionIdx;
  readonly status: OrderStatus;
  readonly updatedAt: number;
}

/**
 * An open position (size > 0). A flat symbol has no position entry. In hedge mode a symbol
 * may have two: the long (positionIdx 1) and the short (positionIdx 2).
 */
export interface ExchangePosition {
  readonly symbol: string;
  readonly side: Side;
  readonly positionIdx: PositionIdx;
  readonly size: number;
  readonly entryPrice: number;
  readonly markPrice: number;
  /** When this position was opened (Bybit's `createdTime`, renewed when the size went through zero). */
  readonly openedAt?: number;
  /** A position-level stop set through /v5/position/trading-stop (Bybit's `stopLoss`), when set. */
  readonly stopLoss?: number;
}

/** Everything one account looks like at one moment. */
export interface AccountSnapshot {
  readonly account: AccountId;
  readonly positions: readonly ExchangePosition[];
  readonly orders: readonly ExchangeOrder[];
  /** Clock time when the load completed. */
  readonly takenAt: number;
}

export type MonitorId = `${AccountId}:${string}:${Side}`;

export function monitorId(account: AccountId, symbol: string, side: Side): MonitorId {
  return `${account}:${symbol}:${side}`;
}

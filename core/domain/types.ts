/**
 * Domain vocabulary shared by the pure core, the engine and the exchange port.
 * Prices and quantities are numbers, but every comparison and rounding goes through
 * `units.ts` (integer ticks and lots), never raw float equality.
 */
export type AccountId = "main" | "mirror";
export type Side = "long" | "short";
export type OrderSide = "buy" | "sell";

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
  readonly status: OrderStatus;
  readonly updatedAt: number;
}

/** An open position (size > 0). A flat symbol has no position entry. */
export interface ExchangePosition {
  readonly symbol: string;
  readonly side: Side;
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

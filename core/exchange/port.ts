/**
 * The exchange port: what the engine needs from one account on an exchange.
 * Implementations: the ccxt adapter (real Bybit, testnet, `sim serve`, or the in-process
 * simulator through msw), the in-memory fake used by engine unit tests, and the paper
 * exchange of `run --dry-run` (reads through to another one, answers writes itself).
 * One contract suite (test/exchange/port.contract.ts) runs against all of them.
 */
import type { AccountId, ExchangeOrder, ExchangePosition, Instrument, OrderSide, PositionIdx } from "../domain/types.ts";

export interface PlaceOrder {
  readonly symbol: string;
  /** Deterministic orderLinkId, at most 36 characters, journalled before the request. */
  readonly linkId: string;
  readonly side: OrderSide;
  readonly type: "limit" | "market";
  readonly qty: number;
  readonly price?: number;
  /** Makes the order conditional. */
  readonly triggerPrice?: number;
  /** "rise": triggers when the price rises to triggerPrice; "fall": when it falls to it. */
  readonly triggerDirection?: "rise" | "fall";
  readonly reduceOnly: boolean;
  readonly closeOnTrigger?: boolean;
  /**
   * The position the order belongs to; absent means 0 (one-way mode). In hedge mode 1 (the
   * long: a buy adds to it, a sell reduces it) or 2 (the short: a sell adds, a buy reduces),
   * as Bybit's /v5/order/create `positionIdx`. An index that does not match the account's
   * mode is refused (10001 "position idx not match position mode").
   */
  readonly positionIdx?: PositionIdx;
}

export interface AmendOrder {
  readonly symbol: string;
  readonly linkId: string;
  readonly qty?: number;
  readonly price?: number;
  readonly triggerPrice?: number;
}

/**
 * Outcome of a write, classified by Bybit retCode and HTTP status, never by ccxt's
 * error class alone. A write is never retried blindly: `unknown` means "look it up".
 */
export type WriteOutcome =
  | { readonly status: "ok"; readonly orderId?: string }
  /** 110072 on create: an order with this linkId already exists. */
  | { readonly status: "exists" }
  /** 110001 on cancel/amend: the order is already gone. */
  | { readonly status: "gone" }
  /** 34040: the value was already set. Success. */
  | { readonly status: "not-modified" }
  /** Timeout, 5xx, 10016, lost response: the write may or may not have been applied. */
  | { readonly status: "unknown"; readonly reason: string }
  /** 10006 / 429: back off until retryAt (epoch ms). */
  | { readonly status: "rate-limited"; readonly retryAt: number }
  /** HTTP 403 "access too frequent": stop all writes. */
  | { readonly status: "ip-banned"; readonly until: number }
  /** The exchange refused it for a reason that will not change by retrying (110017, 110003...). */
  | { readonly status: "rejected"; readonly code: string; readonly reason: string };

/** Counts of HTTP requests the adapter really made, by endpoint path. */
export interface RequestStats {
  readonly total: number;
  readonly byEndpoint: Readonly<Record<string, number>>;
}

/** How a listing follows Bybit's cursor. */
export interface ListingOptions {
  /**
   * Follow the cursor until an EMPTY page, as ccxt's `paginate: true` does (Bybit gives the
   * last non-empty page a non-empty cursor, so that costs one more request per listing).
   * Only the legacy bench strategies ask for it; Warden stops at a short page.
   */
  readonly untilEmptyPage?: boolean;
}

export interface AccountExchange {
  readonly account: AccountId;
  /** True when writes are answered without reaching the exchange (PaperExchange, `run --dry-run`): the events of its writes say `dryRun: true`. */
  readonly paper?: boolean;
  /** Linear instruments (cached after the first load; `refresh` loads them again, for a symbol listed since). */
  instruments(opts?: { readonly refresh?: boolean }): Promise<ReadonlyMap<string, Instrument>>;
  /**
   * Every open position: /v5/position/list?settleCoin=USDT&limit=200, cursor-paginated.
   * With a symbol, that symbol's only, in one request (both sides in hedge mode).
   */
  positions(symbol?: string): Promise<ExchangePosition[]>;
  /** Every open order (regular and conditional): /v5/order/realtime?settleCoin=USDT&limit=50, paginated. With a symbol, that symbol's only. */
  openOrders(symbol?: string, opts?: ListingOptions): Promise<ExchangeOrder[]>;
  /** One symbol's position, the first of `positions(symbol)` (in hedge mode a symbol may have two). */
  position(symbol: string): Promise<ExchangePosition | undefined>;
  /**
   * Find an order by orderLinkId: open orders first, then order history. Here and in amend and
   * cancel, an order placed without an orderLinkId (by hand) is named `#<orderId>` (orderKey).
   */
  lookupOrder(symbol: string, linkId: string): Promise<ExchangeOrder | undefined>;
  /**
   * Many orders at once (keys as in lookupOrder): the account's order history, newest first,
   * a few pages of 50 (/v5/order/history, any symbol), instead of one or two calls per order.
   * Keys it does not find (older, or not in the history yet: Bybit's history may lag) are
   * absent from the answer; the caller looks those up one by one.
   */
  lookupOrders?(keys: readonly string[]): Promise<Map<string, ExchangeOrder>>;
  place(order: PlaceOrder): Promise<WriteOutcome>;
  amend(order: AmendOrder): Promise<WriteOutcome>;
  cancel(symbol: string, linkId: string): Promise<WriteOutcome>;
  requestStats(): RequestStats;
}

/**
 * A read that failed, classified. `retryable` reads may be retried by the caller;
 * rate limits carry the time to wait until.
 */
export type ReadFailureKind = "rate-limited" | "ip-banned" | "clock-skew" | "retryable" | "auth" | "fatal";

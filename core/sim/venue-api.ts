/**
 * The boundary between the simulator's matching venue (state: accounts, instruments,
 * positions, orders, executions, price path) and its REST layer (routing, signatures,
 * pagination, rate limits, latency, faults). The REST layer parses query/body into plain
 * objects, calls the venue, and wraps the records in Bybit's envelope. Records are in
 * Bybit v5's wire shape (numbers as strings where Bybit sends strings), see fixtures/bybit/.
 */
import type { AccountId } from "../domain/types.ts";
import type { VenueListener } from "./venue-events.ts";

/** A refusal in Bybit's terms: becomes `{ retCode, retMsg, result: {}, ... }` with HTTP 200. */
export class SimError extends Error {
  readonly retCode: number;
  constructor(retCode: number, retMsg: string) {
    super(retMsg);
    this.retCode = retCode;
    this.name = "SimError";
  }
}

export type BybitRecord = Record<string, unknown>;
export type Params = Readonly<Record<string, unknown>>;

export interface SimAccount {
  readonly id: AccountId;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** The key was revoked (a `revoke-keys` intervention): every signed request is refused with 10003. */
  readonly revoked?: boolean;
}

export interface Venue {
  /** Virtual time, ms since epoch. */
  now(): number;
  accounts(): readonly SimAccount[];
  /** Raw Bybit instrument records for a category ("linear"; other categories may be empty). */
  instruments(category: string, symbol?: string): BybitRecord[];
  tickers(category: string, symbol?: string): BybitRecord[];
  /**
   * Open positions. `symbol` selects one symbol's records: one (positionIdx 0) in one-way
   * mode, two (positionIdx 1 and 2) in hedge mode; a flat one is a record with size "0" and side "".
   */
  positions(account: AccountId, q: { symbol?: string; settleCoin?: string }): BybitRecord[];
  /** Open orders, newest first: New, PartiallyFilled, Untriggered. */
  openOrders(account: AccountId, q: { symbol?: string; settleCoin?: string; orderId?: string; orderLinkId?: string }): BybitRecord[];
  /** Closed orders (Filled, Cancelled, Rejected, Deactivated, Triggered), newest first. */
  orderHistory(account: AccountId, q: { symbol?: string; orderId?: string; orderLinkId?: string; orderStatus?: string }): BybitRecord[];
  /** Executions, newest first. */
  executions(account: AccountId, q: { symbol?: string; orderId?: string; startTime?: number; endTime?: number }): BybitRecord[];
  walletBalance(account: AccountId): BybitRecord;
  /** Each write takes the parsed JSON body; throws SimError with Bybit's code when refused. */
  createOrder(account: AccountId, body: Params): { orderId: string; orderLinkId: string };
  amendOrder(account: AccountId, body: Params): { orderId: string; orderLinkId: string };
  cancelOrder(account: AccountId, body: Params): { orderId: string; orderLinkId: string };
  cancelAllOrders(account: AccountId, body: Params): { list: { orderId: string; orderLinkId: string }[]; success: string };
  tradingStop(account: AccountId, body: Params): Record<string, never>;
  /** /v5/position/switch-mode: one-way (mode 0) or hedge (mode 3), for a symbol or the coin. */
  switchMode(account: AccountId, body: Params): Record<string, never>;
  /** Advance n steps of the price path; match orders at each step; apply interventions. */
  step(n?: number): void;
  finished(): boolean;
  /** Current step index. */
  stepIndex(): number;
  /** JSON-serialisable state: accounts' positions, open orders, counts. No secrets. */
  state(): unknown;
  /**
   * Venue changes as they happen (order writes, executions, position rows), for the private
   * WebSocket stream; returns the unsubscribe. Optional: a test's fake venue has no stream.
   */
  onChange?(listener: VenueListener): () => void;
  /** Called as each price step begins, before marks move and orders match; returns the unsubscribe. */
  onStep?(listener: (step: number) => void): () => void;
}

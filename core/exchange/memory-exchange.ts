/**
 * The exchange port in memory: the fake for engine unit tests. Same semantics as the ccxt
 * adapter on the simulator (the contract suite checks both): a duplicate linkId is `exists`,
 * cancelling or amending an order that is not open is `gone`, a reduce-only order on a flat
 * or same-side position is refused (110017) and never increases or flips a position, a
 * conditional whose trigger is already crossed is refused, market orders fill at the mark.
 * Hedge mode (`positionMode: "hedge"`) as Bybit's: positions keyed by symbol and
 * positionIdx (1 the long, 2 the short, both open at once); an order's positionIdx must
 * match the mode (10001 "position idx not match position mode"); on its own side of the
 * index an order opens or adds, on the other side it reduces that position only, never
 * opening the opposite one.
 * Scripting: `setMark`, `setPosition`, `fill`, `trigger`, `cancelByHand`, `failNext`.
 * Requests are counted as the adapter would make them (one per page of 200 positions / 50 orders).
 */
import type { Clock } from "../clock.ts";
import { orderIdOfKey } from "../domain/monitor.ts";
import { hedgeIdx, type AccountId, type ExchangeOrder, type ExchangePosition, type Instrument, type OrderStatus, type PositionIdx, type Side } from "../domain/types.ts";
import { ExchangeReadError, type FailureFacts, type WriteOp, classify, toWriteOutcome } from "./failure.ts";
import type { AccountExchange, AmendOrder, ListingOptions, PlaceOrder, RequestStats, WriteOutcome } from "./port.ts";

export type InjectedFailure = "rate-limited" | "ip-banned" | "timeout" | "server-error" | "clock-skew" | "auth" | "lost-response";

const FACTS: Readonly<Record<InjectedFailure, FailureFacts>> = {
  "rate-limited": { retCode: 10006, retMsg: "Too many visits. Exceeded the API Rate Limit." },
  "ip-banned": { httpStatus: 403, retMsg: "access too frequent" },
  timeout: { noResponse: true, retMsg: "request timed out" },
  "lost-response": { noResponse: true, retMsg: "request timed out" },
  "server-error": { retCode: 10016, retMsg: "Service is restarting, please retry later." },
  "clock-skew": { retCode: 10002, retMsg: "invalid request, please check your server timestamp or recv_window param" },
  auth: { retCode: 10003, retMsg: "API key is invalid." },
};

export const DEFAULT_INSTRUMENTS: readonly Instrument[] = [
  { symbol: "BTCUSDT", tickSize: 0.1, qtyStep: 0.001, minQty: 0.001 },
  { symbol: "ETHUSDT", tickSize: 0.01, qtyStep: 0.01, minQty: 0.01 },
  { symbol: "LTCUSDT", tickSize: 0.01, qtyStep: 0.1, minQty: 0.1 },
];

export interface MemoryExchangeOptions {
  readonly instruments?: readonly Instrument[];
  /** Mark prices by symbol (needed for market orders and trigger checks). */
  readonly marks?: Readonly<Record<string, number>>;
  readonly clock?: Clock;
  /** "one-way" (default: positionIdx 0) or "hedge" (positionIdx 1 long, 2 short). */
  readonly positionMode?: PositionMode;
}

export type PositionMode = "one-way" | "hedge";

interface MemOrder {
  id: string;
  linkId: string;
  symbol: string;
  side: "buy" | "sell";
  type: "limit" | "market";
  price: number | undefined;
  triggerPrice: number | undefined;
  qty: number;
  filledQty: number;
  reduceOnly: boolean;
  /** Reduces its position only: reduce-only, close-on-trigger, or in hedge mode on the closing side of its index. */
  reducing: boolean;
  positionIdx: PositionIdx;
  status: OrderStatus;
  updatedAt: number;
  seq: number;
}

interface MemPosition {
  readonly symbol: string;
  readonly positionIdx: PositionIdx;
  side: Side;
  size: number;
  entryPrice: number;
}

const OPEN: ReadonlySet<OrderStatus> = new Set(["open", "untriggered"]);

export class MemoryExchange implements AccountExchange {
  readonly account: AccountId;
  readonly #instruments: Map<string, Instrument>;
  readonly #marks = new Map<string, number>();
  readonly positionMode: PositionMode;
  /** By symbol and positionIdx (positionKey). */
  readonly #positions = new Map<string, MemPosition>();
  readonly #orders = new Map<string, MemOrder>();
  readonly #linkIds = new Set<string>();
  readonly #clock: Clock;
  readonly #failures: InjectedFailure[] = [];
  readonly #byEndpoint = new Map<string, number>();
  #total = 0;
  #seq = 0;
  #marketsLoaded = false;

  constructor(account: AccountId = "main", opts: MemoryExchangeOptions = {}) {
    this.account = account;
    this.#instruments = new Map((opts.instruments ?? DEFAULT_INSTRUMENTS).map((i) => [i.symbol, i]));
    for (const [s, p] of Object.entries(opts.marks ?? {})) this.#marks.set(s, p);
    this.#clock = opts.clock ?? { now: () => Date.now() };
    this.positionMode = opts.positionMode ?? "one-way";
  }

  // ---- scripting -------------------------------------------------------------------------

  setMark(symbol: string, price: number): void {
    this.#marks.set(symbol, price);
  }

  /** Sets (or with size 0 removes) a position: the symbol's one in one-way mode, that side's in hedge mode. */
  setPosition(symbol: string, side: Side, size: number, entryPrice = this.#marks.get(symbol) ?? 0): void {
    const positionIdx = this.positionMode === "hedge" ? hedgeIdx(side) : 0;
    const key = positionKey(symbol, positionIdx);
    if (size <= 0) this.#positions.delete(key);
    else this.#positions.set(key, { symbol, positionIdx, side, size: this.#lot(symbol, size), entryPrice });
  }

  /** Fills an open order (all of it, or `qty`) at its limit price, or the mark for market orders. */
  fill(linkId: string, qty?: number): void {
    const o = this.#byLink(linkId);
    if (!o || !OPEN.has(o.status)) throw new Error(`fill: no open order with linkId ${linkId}`);
    const q = this.#lot(o.symbol, Math.min(qty ?? o.qty - o.filledQty, o.qty - o.filledQty));
    const price = o.type === "limit" && o.price !== undefined ? o.price : this.#mark(o.symbol);
    this.#applyFill(o, q, price);
  }

  /** A conditional order's trigger is hit: a market conditional fills at the mark, a limit one rests. */
  trigger(linkId: string): void {
    const o = this.#byLink(linkId);
    if (!o || o.status !== "untriggered") throw new Error(`trigger: no untriggered order with linkId ${linkId}`);
    o.status = "open";
    o.updatedAt = this.#clock.now();
    if (o.type === "market") this.#applyFill(o, o.qty, this.#mark(o.symbol));
  }

  /** Somebody cancels the order by hand on the exchange. */
  cancelByHand(linkId: string): void {
    const o = this.#byLink(linkId);
    if (!o || !OPEN.has(o.status)) throw new Error(`cancelByHand: no open order with linkId ${linkId}`);
    o.status = o.status === "untriggered" ? "deactivated" : "cancelled";
    o.updatedAt = this.#clock.now();
  }

  /** The next `count` requests fail this way (reads throw ExchangeReadError, writes return the outcome). */
  failNext(kind: InjectedFailure, count = 1): void {
    for (let i = 0; i < count; i++) this.#failures.push(kind);
  }

  /** Every order ever placed, newest first (for assertions). */
  allOrders(): ExchangeOrder[] {
    return [...this.#orders.values()].sort((a, b) => b.seq - a.seq).map(toOrder);
  }

  // ---- the port -------------------------------------------------------------------------

  requestStats(): RequestStats {
    return { total: this.#total, byEndpoint: Object.fromEntries(this.#byEndpoint) };
  }

  /** A symbol listed after start-up (the engine reloads instruments for a position it cannot place). */
  addInstrument(instrument: Instrument): void {
    this.#instruments.set(instrument.symbol, instrument);
  }

  async instruments(opts: { readonly refresh?: boolean } = {}): Promise<ReadonlyMap<string, Instrument>> {
    if (!this.#marketsLoaded || opts.refresh === true) {
      this.#read("/v5/market/instruments-info");
      this.#read("/v5/market/instruments-info");
      this.#marketsLoaded = true;
    }
    return new Map(this.#instruments);
  }

  async positions(symbol?: string): Promise<ExchangePosition[]> {
    const all = [...this.#positions.keys()].sort().flatMap((k) => this.#position(k) ?? []);
    if (symbol !== undefined) {
      this.#read("/v5/position/list");
      return all.filter((p) => p.symbol === symbol);
    }
    this.#pages("/v5/position/list", all.length, 200);
    return all;
  }

  async openOrders(symbol?: string, opts?: ListingOptions): Promise<ExchangeOrder[]> {
    const open = [...this.#orders.values()].filter((o) => OPEN.has(o.status) && (symbol === undefined || o.symbol === symbol)).sort((a, b) => b.seq - a.seq);
    this.#pages("/v5/order/realtime", open.length, 50, opts?.untilEmptyPage === true);
    return open.map(toOrder);
  }

  async position(symbol: string): Promise<ExchangePosition | undefined> {
    return (await this.positions(symbol))[0];
  }

  async lookupOrder(symbol: string, linkId: string): Promise<ExchangeOrder | undefined> {
    this.#read("/v5/order/realtime");
    const o = this.#byLink(linkId);
    if (o && o.symbol === symbol && OPEN.has(o.status)) return toOrder(o);
    this.#read("/v5/order/history");
    return o && o.symbol === symbol ? toOrder(o) : undefined;
  }

  async place(order: PlaceOrder): Promise<WriteOutcome> {
    return this.#write("create", "/v5/order/create", () => {
      if (order.linkId !== "" && this.#linkIds.has(order.linkId)) return { status: "exists" };
      const instrument = this.#instruments.get(order.symbol);
      if (!instrument) return rejected(10001, `params error: unknown symbol ${order.symbol}`);
      const qty = this.#lot(order.symbol, order.qty);
      if (qty < instrument.minQty) return rejected(10001, `qty ${order.qty} is below minOrderQty for ${order.symbol}`);
      if (order.type === "limit" && order.price === undefined) return rejected(10001, "price is required for a limit order");
      const positionIdx = order.positionIdx ?? 0;
      if ((this.positionMode === "hedge") !== (positionIdx !== 0)) return rejected(10001, "position idx not match position mode");
      const reducing = order.reduceOnly || order.closeOnTrigger === true || (positionIdx !== 0 && sideOf(order.side) !== idxSide(positionIdx));
      const pos = this.#positions.get(positionKey(order.symbol, positionIdx));
      if (reducing) {
        if (!pos || sideOf(order.side) === pos.side) return rejected(110017, "Reduce-only rule not satisfied");
      }
      const mark = this.#mark(order.symbol);
      if (order.triggerPrice !== undefined) {
        const rise = order.triggerDirection === undefined ? order.triggerPrice > mark : order.triggerDirection === "rise";
        if (rise && order.triggerPrice <= mark) return rejected(110092, `expect Rising, but trigger_price[${order.triggerPrice}] <= current[${mark}]`);
        if (!rise && order.triggerPrice >= mark) return rejected(110093, `expect Falling, but trigger_price[${order.triggerPrice}] >= current[${mark}]`);
      }
      const o: MemOrder = {
        id: `mem-${this.account}-${++this.#seq}`,
        linkId: order.linkId,
        symbol: order.symbol,
        side: order.side,
        type: order.type,
        price: order.type === "limit" ? this.#tick(order.symbol, order.price ?? 0) : undefined,
        triggerPrice: order.triggerPrice === undefined ? undefined : this.#tick(order.symbol, order.triggerPrice),
        qty,
        filledQty: 0,
        reduceOnly: order.reduceOnly,
        reducing,
        positionIdx,
        status: order.triggerPrice !== undefined ? "untriggered" : "open",
        updatedAt: this.#clock.now(),
        seq: this.#seq,
      };
      this.#orders.set(o.id, o);
      if (o.linkId !== "") this.#linkIds.add(o.linkId);
      if (o.type === "market" && o.status === "open") this.#applyFill(o, qty, mark);
      return { status: "ok", orderId: o.id };
    });
  }

  async amend(order: AmendOrder): Promise<WriteOutcome> {
    return this.#write("amend", "/v5/order/amend", () => {
      const o = this.#byLink(order.linkId);
      if (!o || o.symbol !== order.symbol || !OPEN.has(o.status)) return gone();
      if (order.qty !== undefined) {
        const qty = this.#lot(o.symbol, order.qty);
        if (qty <= o.filledQty) return rejected(10001, "qty must be greater than the filled quantity");
        o.qty = qty;
      }
      if (order.price !== undefined && o.type === "limit") o.price = this.#tick(o.symbol, order.price);
      if (order.triggerPrice !== undefined) {
        if (o.status !== "untriggered") return rejected(10001, "triggerPrice can only be amended on an untriggered conditional order");
        o.triggerPrice = this.#tick(o.symbol, order.triggerPrice);
      }
      o.updatedAt = this.#clock.now();
      return { status: "ok", orderId: o.id };
    });
  }

  async cancel(symbol: string, linkId: string): Promise<WriteOutcome> {
    return this.#write("cancel", "/v5/order/cancel", () => {
      const o = this.#byLink(linkId);
      if (!o || o.symbol !== symbol || !OPEN.has(o.status)) return gone();
      o.status = o.status === "untriggered" ? "deactivated" : "cancelled";
      o.updatedAt = this.#clock.now();
      return { status: "ok", orderId: o.id };
    });
  }

  // ---- internals ------------------------------------------------------------------------

  #count(endpoint: string): void {
    this.#total += 1;
    this.#byEndpoint.set(endpoint, (this.#byEndpoint.get(endpoint) ?? 0) + 1);
  }

  /** One read request: counted, and failing if a failure was injected. */
  #read(endpoint: string): void {
    this.#count(endpoint);
    const kind = this.#failures.shift();
    if (kind !== undefined) throw new ExchangeReadError(endpoint, classify(FACTS[kind], this.#clock.now()));
  }

  /**
   * As many page requests as the adapter makes: it stops at the first short page, or, until
   * an empty page, after every full page and then the empty one Bybit answers last.
   */
  #pages(endpoint: string, items: number, limit: number, untilEmptyPage = false): void {
    const pages = untilEmptyPage ? (items === 0 ? 1 : Math.ceil(items / limit) + 1) : Math.floor(items / limit) + 1;
    for (let i = 0; i < pages; i++) this.#read(endpoint);
  }

  #write(op: WriteOp, endpoint: string, apply: () => WriteOutcome): WriteOutcome {
    this.#count(endpoint);
    const kind = this.#failures.shift();
    if (kind === "lost-response") apply();
    if (kind !== undefined) return toWriteOutcome(classify(FACTS[kind], this.#clock.now(), op));
    return apply();
  }

  /** By orderLinkId, or by orderId for a key `#<orderId>` (see orderKey). */
  #byLink(linkId: string): MemOrder | undefined {
    const orderId = orderIdOfKey(linkId);
    if (orderId !== undefined) return this.#orders.get(orderId);
    let found: MemOrder | undefined;
    for (const o of this.#orders.values()) if (o.linkId === linkId && (!found || o.seq > found.seq)) found = o;
    return found;
  }

  #mark(symbol: string): number {
    const m = this.#marks.get(symbol);
    if (m === undefined) throw new Error(`MemoryExchange: no mark price for ${symbol}; call setMark first`);
    return m;
  }

  #position(key: string): ExchangePosition | undefined {
    const p = this.#positions.get(key);
    if (!p) return undefined;
    return { symbol: p.symbol, side: p.side, positionIdx: p.positionIdx, size: p.size, entryPrice: p.entryPrice, markPrice: this.#marks.get(p.symbol) ?? p.entryPrice };
  }

  #applyFill(o: MemOrder, qty: number, price: number): void {
    const key = positionKey(o.symbol, o.positionIdx);
    const pos = this.#positions.get(key);
    const side = sideOf(o.side);
    let q = qty;
    if (o.reducing) q = pos && pos.side !== side ? Math.min(q, pos.size) : 0;
    if (q > 0) {
      const base = { symbol: o.symbol, positionIdx: o.positionIdx };
      if (!pos) this.#positions.set(key, { ...base, side, size: q, entryPrice: price });
      else if (pos.side === side) {
        const size = this.#lot(o.symbol, pos.size + q);
        this.#positions.set(key, { ...base, side, size, entryPrice: (pos.entryPrice * pos.size + price * q) / size });
      } else {
        // only one-way mode gets here with more than the position (a flip); a reducing order was clipped above
        const left = this.#lot(o.symbol, pos.size - q);
        if (left > 0) this.#positions.set(key, { ...pos, size: left });
        else if (left < 0) this.#positions.set(key, { ...base, side, size: -left, entryPrice: price });
        else this.#positions.delete(key);
      }
    }
    // A reduce-only order clipped to the position leaves its rest cancelled (Bybit: PartiallyFilledCanceled).
    o.filledQty = this.#lot(o.symbol, o.filledQty + q);
    const clipped = q < qty;
    o.status = o.filledQty >= o.qty ? "filled" : clipped ? (o.filledQty > 0 ? "filled" : "cancelled") : "open";
    o.updatedAt = this.#clock.now();
  }

  #lot(symbol: string, qty: number): number {
    return roundTo(qty, this.#instruments.get(symbol)?.qtyStep ?? 1e-8);
  }

  #tick(symbol: string, price: number): number {
    return roundTo(price, this.#instruments.get(symbol)?.tickSize ?? 1e-8);
  }
}

function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, Math.ceil(-Math.log10(step)));
  return Number((Math.round(value / step) * step).toFixed(decimals));
}

function sideOf(orderSide: "buy" | "sell"): Side {
  return orderSide === "buy" ? "long" : "short";
}

/** The side a hedge-mode index holds. */
function idxSide(positionIdx: 1 | 2): Side {
  return positionIdx === 1 ? "long" : "short";
}

function positionKey(symbol: string, positionIdx: PositionIdx): string {
  return `${symbol}\u0001${positionIdx}`;
}

function rejected(retCode: number, retMsg: string): WriteOutcome {
  return { status: "rejected", code: `BYBIT_${retCode}`, reason: retMsg };
}

function gone(): WriteOutcome {
  return { status: "gone" };
}

function toOrder(o: MemOrder): ExchangeOrder {
  return { id: o.id, linkId: o.linkId, symbol: o.symbol, side: o.side, type: o.type, price: o.price, triggerPrice: o.triggerPrice, qty: o.qty, filledQty: o.filledQty, reduceOnly: o.reduceOnly, positionIdx: o.positionIdx, status: o.status, updatedAt: o.updatedAt };
}

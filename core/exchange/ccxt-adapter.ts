/**
 * The exchange port on Bybit v5 through ccxt: one `bybit` instance per account, configured
 * against ccxt's known traps (DESIGN "Known ccxt and Bybit traps"): no ccxt throttle (Warden
 * keeps its own rate accounting), linear markets only and no currencies (2 requests to load
 * markets), the unified-account flags preset (no account-type probe before writes), never
 * `verbose`, and an explicit counting `fetchImplementation`. ccxt's real request building,
 * signing, error mapping and parsing run on every call; results are mapped to domain types.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import ccxt from "ccxt";
import type { Clock } from "../clock.ts";
import { orderIdOfKey } from "../domain/monitor.ts";
import type { AccountId, ExchangeOrder, ExchangePosition, Instrument } from "../domain/types.ts";
import { BodyParseMemo, type CcxtMarketLike, type CcxtOrderLike, type CcxtPositionLike, OrderParseMemo, PositionParseMemo, toExchangeOrder, toInstrument } from "./ccxt-mapping.ts";
import { ExchangeReadError, type Failure, type FailureFacts, type WriteOp, classify, toWriteOutcome } from "./failure.ts";
import type { AccountExchange, AmendOrder, ListingOptions, PlaceOrder, RequestStats, WriteOutcome } from "./port.ts";
import { DEFAULT_READ_RETRY, type ReadRetryPolicy, backoffMs } from "./read-retry.ts";
import { type Credentials, redact } from "./redaction.ts";
import { RequestCounter, type ResponseTrace } from "./request-counter.ts";

export interface BybitAccountOptions {
  readonly account: AccountId;
  readonly apiKey: string;
  readonly secret: string;
  /** Any Bybit-compatible REST base URL: `sim serve`, testnet, demo. Overrides every `urls.api` entry. */
  readonly baseUrl?: string;
  readonly testnet?: boolean;
  /** The transport, e.g. the msw-intercepted fetch for the in-process simulator. Default: the global fetch at call time. */
  readonly fetch?: typeof fetch;
  /**
   * The engine's clock: retryAt/until are given in its time. Requests are still signed with
   * the wall clock (Bybit and the simulator check the receive window against wall time), and
   * a reset header (wall time) is converted to a wait from now on this clock.
   */
  readonly clock?: Clock;
  /** Per-request timeout (ms). Default 10 000. */
  readonly timeoutMs?: number;
  readonly readRetry?: ReadRetryPolicy;
  /** Cache loaded markets in this JSON file and reuse them across runs. */
  readonly marketsCachePath?: string;
  /**
   * Turn ccxt's own throttle on (`enableRateLimit`): Bybit requests spaced by the endpoint's
   * cost x `rateLimit` per instance (100 ms for a position or order read). Default false:
   * Warden does its own rate accounting; the bench turns it on to play the old system's client.
   */
  readonly ccxtThrottle?: boolean;
  /**
   * Awaited before each HTTP request is SIGNED (ccxt's fetch2 signs with the current time,
   * so a wait after signing would send a stale X-BAPI-TIMESTAMP and meet 10002). Warden's
   * rate budget goes here. `path` is Bybit's, e.g. "/v5/order/create".
   */
  readonly beforeRequest?: (path: string, method: string) => Promise<void>;
}

export const POSITIONS_PAGE = 200;
export const ORDERS_PAGE = 50;

/** ccxt's bybit instance, seen through the members this adapter uses. */
type Fetch2 = (path: string, api?: unknown, method?: string, params?: unknown, headers?: unknown, body?: unknown, config?: unknown) => Promise<unknown>;

interface CcxtBybit {
  fetch2: Fetch2;
  urls: { api: Record<string, string> };
  options: Record<string, unknown>;
  has: Record<string, unknown>;
  markets: Record<string, CcxtMarketLike & { symbol: string }> | undefined;
  fetchImplementation: unknown;
  quoteJsonNumbers: boolean;
  timeout: number;
  milliseconds: () => number;
  setSandboxMode(on: boolean): void;
  setMarkets(markets: unknown): unknown;
  loadMarkets(reload?: boolean): Promise<Record<string, CcxtMarketLike & { symbol: string }>>;
  loadTimeDifference(): Promise<number>;
  market(idOrSymbol: string): { symbol: string; id: string };
  amountToPrecision(symbol: string, amount: number): string;
  priceToPrecision(symbol: string, price: number): string;
  parsePosition(raw: unknown): CcxtPositionLike;
  parseOrder(raw: unknown): CcxtOrderLike;
  parseNumber(value: unknown): number | undefined;
  parseJson(text: string): unknown;
  safeString(obj: unknown, key: string): string | undefined;
  createOrder(symbol: string, type: string, side: string, amount: number, price: number | undefined, params: Record<string, unknown>): Promise<CcxtOrderLike>;
  cancelOrder(id: string | undefined, symbol: string, params: Record<string, unknown>): Promise<CcxtOrderLike>;
  privateGetV5PositionList(params: Record<string, unknown>): Promise<BybitPage>;
  privateGetV5OrderRealtime(params: Record<string, unknown>): Promise<BybitPage>;
  privateGetV5OrderHistory(params: Record<string, unknown>): Promise<BybitPage>;
  privatePostV5OrderAmend(params: Record<string, unknown>): Promise<{ result?: { orderId?: string } }>;
}

interface BybitPage {
  readonly result?: { readonly list?: unknown[]; readonly nextPageCursor?: string };
}

const RET_CODE = /"ret_?code"\s*:\s*"?(-?\d+)"?/i;
const RET_MSG = /"ret_?msg"\s*:\s*"((?:[^"\\]|\\.)*)"/i;

export function createBybitAccount(opts: BybitAccountOptions): AccountExchange {
  return new BybitAccount(opts);
}

class BybitAccount implements AccountExchange {
  readonly account: AccountId;
  readonly #ex: CcxtBybit;
  readonly #counter = new RequestCounter();
  readonly #creds: Credentials;
  readonly #clock: Clock;
  readonly #retry: ReadRetryPolicy;
  readonly #marketsCachePath: string | undefined;
  #marketsLoad: Promise<void> | undefined;
  /** ccxt's parsing runs for every new or changed record; unchanged ones are served (ccxt-mapping.ts says why that is exact). */
  readonly #orders: OrderParseMemo;
  readonly #positions: PositionParseMemo;

  constructor(opts: BybitAccountOptions) {
    this.account = opts.account;
    this.#creds = { apiKey: opts.apiKey, secret: opts.secret };
    this.#clock = opts.clock ?? { now: () => Date.now() };
    this.#retry = opts.readRetry ?? DEFAULT_READ_RETRY;
    this.#marketsCachePath = opts.marketsCachePath;
    const inner: typeof fetch = opts.fetch ?? (((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init)) as typeof fetch);
    const ex = new ccxt.bybit({
      apiKey: opts.apiKey,
      secret: opts.secret,
      enableRateLimit: opts.ccxtThrottle === true,
      verbose: false,
      timeout: opts.timeoutMs ?? 10_000,
      enableLastHttpResponse: false,
      enableLastJsonResponse: false,
      enableLastResponseHeaders: false,
      options: {
        defaultType: "swap",
        defaultSubType: "linear",
        defaultSettle: "USDT",
        fetchMarkets: { types: ["linear"] },
        enableUnifiedAccount: true,
        enableUnifiedMargin: false,
        unifiedMarginStatus: 6,
      },
    }) as unknown as CcxtBybit;
    ex.has["fetchCurrencies"] = false;
    const before = opts.beforeRequest;
    if (before !== undefined) {
      const fetch2 = ex.fetch2.bind(ex);
      ex.fetch2 = async (path, api, method = "GET", ...rest) => {
        await before(`/${path}`, method);
        return fetch2(path, api, method, ...rest);
      };
    }
    // Bybit v5 sends prices and sizes as strings; its JSON numbers are small integers (retCode,
    // time, positionIdx). ccxt's default scans every parsed body for integers beyond 2^53 (a
    // walk over each of the thousands of records per cycle); for Bybit it can find none.
    ex.quoteJsonNumbers = false;
    // ccxt parses each body with its own parseJson; one it has parsed before is served (ccxt-mapping.ts).
    const bodies = new BodyParseMemo(ex.parseJson.bind(ex));
    ex.parseJson = (text: string) => bodies.body(text);
    if (opts.testnet) ex.setSandboxMode(true);
    if (opts.baseUrl !== undefined) {
      const base = opts.baseUrl.replace(/\/+$/, "");
      for (const key of Object.keys(ex.urls.api)) ex.urls.api[key] = base;
    }
    ex.fetchImplementation = this.#counter.wrap(inner);
    this.#ex = ex;
    this.#orders = new OrderParseMemo((raw) => toExchangeOrder(ex.parseOrder(raw)));
    this.#positions = new PositionParseMemo(
      (raw) => ex.parsePosition(raw),
      (raw) => ex.parseNumber(ex.safeString(raw, "markPrice")),
    );
  }

  requestStats(): RequestStats {
    return this.#counter.stats();
  }

  async instruments(opts: { readonly refresh?: boolean } = {}): Promise<ReadonlyMap<string, Instrument>> {
    if (opts.refresh === true) await this.#read("/v5/market/instruments-info", () => this.#ex.loadMarkets(true));
    else await this.#markets();
    const out = new Map<string, Instrument>();
    for (const m of Object.values(this.#ex.markets ?? {})) {
      const instrument = m.linear ? toInstrument(m) : undefined;
      if (instrument) out.set(instrument.symbol, instrument);
    }
    return out;
  }

  async positions(symbol?: string): Promise<ExchangePosition[]> {
    await this.#markets();
    if (symbol !== undefined) {
      // One symbol has one row in one-way mode, two in hedge mode (the empty side as a flat row): one page.
      const page = await this.#read("/v5/position/list", () => this.#ex.privateGetV5PositionList({ category: "linear", symbol }));
      return (page.result?.list ?? []).flatMap((r) => this.#positions.position(r) ?? []);
    }
    const raw = await this.#pages("/v5/position/list", POSITIONS_PAGE, (q) => this.#ex.privateGetV5PositionList({ category: "linear", settleCoin: "USDT", ...q }));
    return raw.flatMap((r) => this.#positions.position(r) ?? []);
  }

  async openOrders(symbol?: string, opts?: ListingOptions): Promise<ExchangeOrder[]> {
    await this.#markets();
    const scope = symbol === undefined ? { settleCoin: "USDT" } : { symbol };
    const untilEmpty = opts?.untilEmptyPage === true;
    const raw = await this.#pages("/v5/order/realtime", ORDERS_PAGE, (q) => this.#ex.privateGetV5OrderRealtime({ category: "linear", ...scope, ...q }), untilEmpty);
    const orders = raw.map((r) => this.#orders.order(r));
    if (symbol === undefined) this.#orders.retain(new Set(orders.map((o) => o.id)));
    return orders;
  }

  async position(symbol: string): Promise<ExchangePosition | undefined> {
    // not list[0]: in hedge mode that may be the empty side while the other is open
    return (await this.positions(symbol))[0];
  }

  async lookupOrder(symbol: string, linkId: string): Promise<ExchangeOrder | undefined> {
    await this.#markets();
    const q = { category: "linear", symbol, ...orderRef(linkId) };
    const open = await this.#read("/v5/order/realtime", () => this.#ex.privateGetV5OrderRealtime(q));
    const found = open.result?.list?.[0];
    if (found !== undefined) return toExchangeOrder(this.#ex.parseOrder(found));
    const history = await this.#read("/v5/order/history", () => this.#ex.privateGetV5OrderHistory(q));
    const past = history.result?.list?.[0];
    return past === undefined ? undefined : toExchangeOrder(this.#ex.parseOrder(past));
  }

  async lookupOrders(keys: readonly string[]): Promise<Map<string, ExchangeOrder>> {
    await this.#markets();
    const wanted = new Set(keys);
    const found = new Map<string, ExchangeOrder>();
    let cursor: string | undefined;
    // newest first: the orders that just vanished from the open listing are on the first pages
    for (let page = 0; page < Math.min(4, Math.ceil(wanted.size / 50) + 1); page++) {
      const q = { category: "linear", limit: 50, ...(cursor !== undefined ? { cursor } : {}) };
      const history = await this.#read("/v5/order/history", () => this.#ex.privateGetV5OrderHistory(q));
      for (const record of history.result?.list ?? []) {
        const order = toExchangeOrder(this.#ex.parseOrder(record));
        for (const key of [order.linkId, `#${order.id}`]) if (wanted.has(key) && !found.has(key)) found.set(key, order);
      }
      cursor = history.result?.nextPageCursor || undefined;
      if (found.size === wanted.size || cursor === undefined) break;
    }
    return found;
  }

  place(order: PlaceOrder): Promise<WriteOutcome> {
    return this.#write("create", async () => {
      const symbol = this.#ex.market(order.symbol).symbol;
      // positionIdx goes as Bybit's own param (ccxt passes it through). Not ccxt's `hedged: true`:
      // for a reduce-only order that drops reduceOnly from the request (bybit.js createOrderRequest).
      const params: Record<string, unknown> = { clientOrderId: order.linkId, reduceOnly: order.reduceOnly, positionIdx: order.positionIdx ?? 0 };
      if (order.triggerPrice !== undefined) {
        params["triggerPrice"] = this.#ex.priceToPrecision(symbol, order.triggerPrice);
        params["triggerDirection"] = order.triggerDirection === "fall" ? "descending" : "ascending";
        // Warden decides stops on the mark price; Bybit's default trigger is the last price
        params["triggerBy"] = "MarkPrice";
      }
      if (order.closeOnTrigger !== undefined) params["closeOnTrigger"] = order.closeOnTrigger;
      const amount = Number(this.#ex.amountToPrecision(symbol, order.qty));
      const price = order.type === "limit" && order.price !== undefined ? Number(this.#ex.priceToPrecision(symbol, order.price)) : undefined;
      const placed = await this.#ex.createOrder(symbol, order.type, order.side, amount, price, params);
      return placed.id;
    });
  }

  amend(order: AmendOrder): Promise<WriteOutcome> {
    return this.#write("amend", async () => {
      const symbol = this.#ex.market(order.symbol).symbol;
      // Prices and sizes go as formatted strings: raw params would override ccxt's formatting (DESIGN trap).
      const body: Record<string, unknown> = { category: "linear", symbol: order.symbol, ...orderRef(order.linkId) };
      if (order.qty !== undefined) body["qty"] = this.#ex.amountToPrecision(symbol, order.qty);
      if (order.price !== undefined) body["price"] = this.#ex.priceToPrecision(symbol, order.price);
      if (order.triggerPrice !== undefined) body["triggerPrice"] = this.#ex.priceToPrecision(symbol, order.triggerPrice);
      const response = await this.#ex.privatePostV5OrderAmend(body);
      return response.result?.orderId;
    });
  }

  cancel(symbol: string, linkId: string): Promise<WriteOutcome> {
    return this.#write("cancel", async () => {
      const ref = orderRef(linkId);
      const cancelled = await this.#ex.cancelOrder(ref.orderId, this.#ex.market(symbol).symbol, ref.orderLinkId !== undefined ? { orderLinkId: ref.orderLinkId } : {});
      return cancelled.id;
    });
  }

  /**
   * Follow the cursor; stop at a short page (Bybit sends a cursor even on the last page) or
   * an empty cursor. `untilEmptyPage`: as ccxt's `paginate: true`, stop only at an empty page
   * or an empty cursor (one more request per non-empty listing; the legacy strategies).
   */
  async #pages(endpoint: string, limit: number, call: (q: Record<string, unknown>) => Promise<BybitPage>, untilEmptyPage = false): Promise<unknown[]> {
    const out: unknown[] = [];
    let cursor: string | undefined;
    for (;;) {
      const q: Record<string, unknown> = cursor === undefined ? { limit } : { limit, cursor };
      const page = await this.#read(endpoint, () => call(q));
      const list = page.result?.list ?? [];
      out.push(...list);
      cursor = page.result?.nextPageCursor;
      const last = untilEmptyPage ? list.length === 0 : list.length < limit;
      if (last || cursor === undefined || cursor === "") return out;
    }
  }

  #markets(): Promise<void> {
    this.#marketsLoad ??= this.#loadMarkets().catch((error: unknown) => {
      this.#marketsLoad = undefined;
      throw error;
    });
    return this.#marketsLoad;
  }

  async #loadMarkets(): Promise<void> {
    const path = this.#marketsCachePath;
    if (path !== undefined && existsSync(path)) {
      this.#ex.setMarkets(JSON.parse(readFileSync(path, "utf8")));
      return;
    }
    const markets = await this.#read("/v5/market/instruments-info", () => this.#ex.loadMarkets());
    if (path !== undefined) writeFileSync(path, JSON.stringify(Object.values(markets)));
  }

  /** One read with its own response trace; transient failures retried with a bounded backoff, clock skew re-synced once. */
  async #read<T>(endpoint: string, call: () => Promise<T>, mayResync = true): Promise<T> {
    let resynced = !mayResync;
    for (let attempt = 0; ; attempt++) {
      const failure = await this.#counter.traced(async (trace) => {
        try {
          return { value: await call() };
        } catch (error) {
          return { failure: this.#classify(error, trace) };
        }
      });
      // ccxt hands back the raw text when a 200 body is not JSON (a proxy's page): a failed read.
      if ("value" in failure && typeof failure.value !== "string") return failure.value;
      const f: Failure = "failure" in failure ? failure.failure : { class: "transient", code: "BAD_RESPONSE", reason: "the response was not JSON" };
      if (f.class === "clock-skew" && !resynced) {
        resynced = true;
        if (await this.#resync()) continue;
      }
      if (f.class === "transient" && attempt < this.#retry.retries) {
        await this.#retry.sleep(backoffMs(this.#retry, attempt));
        continue;
      }
      throw new ExchangeReadError(endpoint, f);
    }
  }

  async #write(op: WriteOp, send: () => Promise<string | undefined>): Promise<WriteOutcome> {
    try {
      await this.#markets();
    } catch (error) {
      const failure = error instanceof ExchangeReadError ? error.failure : undefined;
      if (failure === undefined) throw error;
      return toWriteOutcome(failure); // nothing was sent; a transient failure still reads "unknown": look it up
    }
    return this.#counter.traced(async (trace) => {
      try {
        const orderId = await send();
        return orderId === undefined || orderId === "" ? { status: "ok" } : { status: "ok", orderId };
      } catch (error) {
        const sent = trace.requests > 0;
        const failure = sent ? this.#classify(error, trace, op) : this.#localFailure(error);
        if (failure.class === "clock-skew") await this.#resync();
        return toWriteOutcome(failure);
      }
    });
  }

  async #resync(): Promise<boolean> {
    try {
      await this.#read("/v5/market/time", () => this.#ex.loadTimeDifference(), false);
      return true;
    } catch {
      return false;
    }
  }

  /** A write refused by ccxt before any request was sent (bad amount, unknown symbol). */
  #localFailure(error: unknown): Failure {
    if (!(error instanceof Error)) throw error;
    return { class: "rejected", code: "LOCAL", reason: redact(error.message, this.#creds) };
  }

  #classify(error: unknown, trace: ResponseTrace, op?: WriteOp): Failure {
    if (!(error instanceof ccxt.BaseError)) throw error;
    const message = error.message;
    const code = RET_CODE.exec(message)?.[1];
    const msg = RET_MSG.exec(message)?.[1];
    const facts: FailureFacts = {
      httpStatus: trace.status,
      retCode: code === undefined ? undefined : Number(code),
      retMsg: msg === undefined ? describe(error, trace) : redact(msg, this.#creds),
      limitResetAt: trace.limitResetAt === undefined ? undefined : this.#clock.now() + (trace.limitResetAt - Date.now()),
      noResponse: trace.status === undefined,
    };
    return classify(facts, this.#clock.now(), op);
  }
}

function describe(error: Error, trace: ResponseTrace): string {
  if (trace.status !== undefined) return `HTTP ${trace.status} (${error.name})`;
  return error.name === "RequestTimeout" ? "request timed out" : `no response (${error.name})`;
}

/** Bybit's reference to an order: its orderLinkId, or its orderId for a key `#<orderId>` (an order placed without one). */
function orderRef(key: string): { orderLinkId?: string; orderId?: string } {
  const orderId = orderIdOfKey(key);
  return orderId !== undefined ? { orderId } : { orderLinkId: key };
}

/**
 * The paper exchange of `run --dry-run`: an AccountExchange that reads through to a real one
 * and answers every write itself, so nothing is ever written to the exchange. What Warden
 * "placed", "amended" and "cancelled" is kept as an overlay that later reads apply to the
 * real listings: paper orders appear as working, amends show, cancelled orders are gone. The
 * engine therefore sees its own decisions carried out and does not decide them again.
 *
 * Paper orders never fill (a market order stays listed as working too): the real position is
 * whatever the trader does with it, and a paper order it no longer needs goes when the engine
 * cancels it. The overlay lives in memory for one run.
 */
import { orderIdOfKey, orderKey } from "../domain/monitor.ts";
import type { AccountId, ExchangeOrder, ExchangePosition, Instrument } from "../domain/types.ts";
import type { AccountExchange, AmendOrder, ListingOptions, PlaceOrder, RequestStats, WriteOutcome } from "./port.ts";

type OrderChange = Pick<AmendOrder, "qty" | "price" | "triggerPrice">;

const WORKING = new Set<ExchangeOrder["status"]>(["open", "untriggered"]);

export class PaperExchange implements AccountExchange {
  readonly account: AccountId;
  /** Writes are answered here and never sent (see AccountExchange.paper). */
  readonly paper = true;
  readonly #real: AccountExchange;
  readonly #now: () => number;
  /** Orders placed on paper, by orderLinkId; cancelled ones stay (a linkId is never reused). */
  readonly #placed = new Map<string, ExchangeOrder>();
  /** Real orders amended on paper, by orderKey: the latest value of each field changed. */
  readonly #amended = new Map<string, OrderChange & { readonly at: number }>();
  /** Real orders cancelled on paper, by orderKey, with the time. */
  readonly #cancelled = new Map<string, number>();
  #ids = 0;

  constructor(real: AccountExchange, opts: { readonly now: () => number }) {
    this.account = real.account;
    this.#real = real;
    this.#now = opts.now;
  }

  instruments(opts?: { readonly refresh?: boolean }): Promise<ReadonlyMap<string, Instrument>> {
    return this.#real.instruments(opts);
  }

  positions(symbol?: string): Promise<ExchangePosition[]> {
    return this.#real.positions(symbol);
  }

  position(symbol: string): Promise<ExchangePosition | undefined> {
    return this.#real.position(symbol);
  }

  async openOrders(symbol?: string, opts?: ListingOptions): Promise<ExchangeOrder[]> {
    const real = await this.#real.openOrders(symbol, opts);
    const listed = real.filter((o) => !this.#cancelled.has(orderKey(o))).map((o) => this.#withAmends(o));
    for (const o of this.#placed.values()) if (WORKING.has(o.status) && (symbol === undefined || o.symbol === symbol)) listed.push(o);
    return listed;
  }

  async lookupOrder(symbol: string, linkId: string): Promise<ExchangeOrder | undefined> {
    const paper = this.#placed.get(linkId);
    if (paper !== undefined) return paper.symbol === symbol ? paper : undefined;
    const real = await this.#real.lookupOrder(symbol, linkId);
    if (real === undefined || !WORKING.has(real.status)) return real; // what really happened to it wins
    const cancelledAt = this.#cancelled.get(orderKey(real));
    if (cancelledAt !== undefined) return { ...real, status: cancelledStatus(real), updatedAt: cancelledAt };
    return this.#withAmends(real);
  }

  async place(order: PlaceOrder): Promise<WriteOutcome> {
    // Only paper orders are checked for the linkId: Warden's carry the dry-run state dir's own
    // instance tag, so they never meet a real order's.
    if (this.#placed.has(order.linkId)) return { status: "exists" };
    const id = `paper-${this.account}-${++this.#ids}`;
    this.#placed.set(order.linkId, {
      id,
      linkId: order.linkId,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      price: order.type === "limit" ? order.price : undefined,
      triggerPrice: order.triggerPrice,
      qty: order.qty,
      filledQty: 0,
      reduceOnly: order.reduceOnly || order.closeOnTrigger === true,
      positionIdx: order.positionIdx ?? 0,
      status: order.triggerPrice !== undefined ? "untriggered" : "open",
      updatedAt: this.#now(),
    });
    return { status: "ok", orderId: id };
  }

  async amend(order: AmendOrder): Promise<WriteOutcome> {
    const change: OrderChange = {
      ...(order.qty !== undefined ? { qty: order.qty } : {}),
      ...(order.price !== undefined ? { price: order.price } : {}),
      ...(order.triggerPrice !== undefined ? { triggerPrice: order.triggerPrice } : {}),
    };
    const paper = this.#placed.get(order.linkId);
    if (paper !== undefined) {
      if (paper.symbol !== order.symbol || !WORKING.has(paper.status)) return { status: "gone" };
      const refused = refusal(paper, change);
      if (refused !== undefined) return refused;
      this.#placed.set(order.linkId, { ...applied(paper, change), updatedAt: this.#now() });
      return { status: "ok", orderId: paper.id };
    }
    const real = await this.#workingReal(order.symbol, order.linkId);
    if (real.status !== "found") return real.outcome;
    const refused = refusal(this.#withAmends(real.order), change);
    if (refused !== undefined) return refused;
    const key = orderKey(real.order);
    this.#amended.set(key, { ...this.#amended.get(key), ...change, at: this.#now() });
    return { status: "ok", orderId: real.order.id };
  }

  async cancel(symbol: string, linkId: string): Promise<WriteOutcome> {
    const paper = this.#placed.get(linkId);
    if (paper !== undefined) {
      if (paper.symbol !== symbol || !WORKING.has(paper.status)) return { status: "gone" };
      this.#placed.set(linkId, { ...paper, status: cancelledStatus(paper), updatedAt: this.#now() });
      return { status: "ok", orderId: paper.id };
    }
    const real = await this.#workingReal(symbol, linkId);
    if (real.status !== "found") return real.outcome;
    this.#cancelled.set(orderKey(real.order), this.#now());
    return { status: "ok", orderId: real.order.id };
  }

  /** What really went over the wire: the real exchange's requests, reads only. */
  requestStats(): RequestStats {
    return this.#real.requestStats();
  }

  /** A real order still working on paper (not cancelled here), looked up with a read; a failed read leaves the write's outcome unknown, as a lost answer would. */
  async #workingReal(symbol: string, key: string): Promise<{ status: "found"; order: ExchangeOrder } | { status: "not"; outcome: WriteOutcome }> {
    const order = await this.#real.lookupOrder(symbol, key).catch((error: unknown) => error as Error);
    if (order instanceof Error) return { status: "not", outcome: { status: "unknown", reason: `paper write: looking the order up failed: ${order.message}` } };
    const sameOrder = order !== undefined && (orderIdOfKey(key) === undefined ? order.linkId === key : order.id === orderIdOfKey(key));
    if (order === undefined || !sameOrder || order.symbol !== symbol || !WORKING.has(order.status) || this.#cancelled.has(orderKey(order))) {
      return { status: "not", outcome: { status: "gone" } };
    }
    return { status: "found", order };
  }

  #withAmends(order: ExchangeOrder): ExchangeOrder {
    const change = this.#amended.get(orderKey(order));
    return change === undefined ? order : { ...applied(order, change), updatedAt: Math.max(order.updatedAt, change.at) };
  }
}

function applied(order: ExchangeOrder, change: OrderChange): ExchangeOrder {
  return {
    ...order,
    ...(change.qty !== undefined ? { qty: change.qty } : {}),
    ...(change.price !== undefined && order.type === "limit" ? { price: change.price } : {}),
    ...(change.triggerPrice !== undefined ? { triggerPrice: change.triggerPrice } : {}),
  };
}

/** The refusals Bybit gives an amend whatever the account holds (as the in-memory exchange does). */
function refusal(order: ExchangeOrder, change: OrderChange): WriteOutcome | undefined {
  if (change.qty !== undefined && change.qty <= order.filledQty) return { status: "rejected", code: "BYBIT_10001", reason: "qty must be greater than the filled quantity" };
  if (change.triggerPrice !== undefined && order.status !== "untriggered") {
    return { status: "rejected", code: "BYBIT_10001", reason: "triggerPrice can only be amended on an untriggered conditional order" };
  }
  return undefined;
}

/** Bybit's status for a cancelled order: a conditional not yet triggered is deactivated. */
function cancelledStatus(order: ExchangeOrder): ExchangeOrder["status"] {
  return order.status === "untriggered" ? "deactivated" : "cancelled";
}

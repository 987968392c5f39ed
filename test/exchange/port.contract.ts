/**
 * The one contract every AccountExchange keeps: the in-memory fake and the ccxt adapter on
 * the simulator (through msw) run the same suite, so the fake the engine's unit tests use
 * behaves as the real adapter does. A subject starts on BTCUSDT with a long position and
 * a known mark; tests only rely on what they did themselves. A hedge-mode subject (optional
 * second factory) starts on a symbol with both a long and a short open.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { AccountExchange, PlaceOrder } from "../../core/exchange/port.ts";

export interface ContractSubject {
  readonly exchange: AccountExchange;
  /** A symbol with an open long position. */
  readonly symbol: string;
  /** Its mark price now. */
  readonly mark: number;
  /** Requests the exchange side logged for this account, when it keeps a log. */
  serverRequests?(): number;
  close?(): void | Promise<void>;
}

export function describeAccountExchangeContract(
  name: string,
  makeSubject: () => ContractSubject | Promise<ContractSubject>,
  makeHedgeSubject?: () => ContractSubject | Promise<ContractSubject>,
): void {
  if (makeHedgeSubject !== undefined) describeHedgeContract(name, makeHedgeSubject);
  describeOrderContract(name, makeSubject);
  describe(`AccountExchange contract: ${name}`, () => {
    let s: ContractSubject;
    let n = 0;
    beforeEach(async () => {
      s = await makeSubject();
    });
    afterEach(async () => {
      await s.close?.();
    });
    const link = (tag: string) => `c-${tag}-${++n}`;
    const restingBuy = (linkId: string, over: Partial<PlaceOrder> = {}): PlaceOrder => ({ symbol: s.symbol, linkId, side: "buy", type: "limit", qty: 0.001, price: Math.round(s.mark * 0.9), reduceOnly: false, ...over });

    test("returns every open order when there are more than 50, one page request per 50", async () => {
      for (let i = 0; i < 60; i++) expect((await s.exchange.place(restingBuy(link("many"), { price: Math.round(s.mark * 0.5) + i }))).status).toBe("ok");
      const before = s.exchange.requestStats().byEndpoint["/v5/order/realtime"] ?? 0;
      const orders = await s.exchange.openOrders();
      const pages = (s.exchange.requestStats().byEndpoint["/v5/order/realtime"] ?? 0) - before;
      expect(orders.filter((o) => o.linkId.startsWith("c-many-"))).toHaveLength(60);
      expect(new Set(orders.map((o) => o.id)).size).toBe(orders.length);
      expect(pages).toBe(Math.floor(orders.length / 50) + 1);
    });

    test("until an empty page, a listing costs one more request than its full pages, and returns the same orders", async () => {
      for (let i = 0; i < 60; i++) expect((await s.exchange.place(restingBuy(link("cursor"), { price: Math.round(s.mark * 0.5) + i }))).status).toBe("ok");
      const pagesOf = async (untilEmptyPage: boolean) => {
        const before = s.exchange.requestStats().byEndpoint["/v5/order/realtime"] ?? 0;
        const orders = await s.exchange.openOrders(undefined, { untilEmptyPage });
        return { orders, pages: (s.exchange.requestStats().byEndpoint["/v5/order/realtime"] ?? 0) - before };
      };
      const short = await pagesOf(false);
      const empty = await pagesOf(true);
      expect(empty.orders.map((o) => o.id).sort()).toEqual(short.orders.map((o) => o.id).sort());
      expect(empty.pages).toBe(Math.ceil(empty.orders.length / 50) + 1);
    });

    test("reads every position in one request per 200", async () => {
      const before = s.exchange.requestStats().byEndpoint["/v5/position/list"] ?? 0;
      const positions = await s.exchange.positions();
      const pages = (s.exchange.requestStats().byEndpoint["/v5/position/list"] ?? 0) - before;
      expect(positions.some((p) => p.symbol === s.symbol && p.side === "long")).toBe(true);
      expect(pages).toBe(Math.floor(positions.length / 200) + 1);
    });

    test("a market order fills at once and shows in positions", async () => {
      const before = (await s.exchange.position(s.symbol))?.size ?? 0;
      expect((await s.exchange.place({ symbol: s.symbol, linkId: link("mkt"), side: "buy", type: "market", qty: 0.01, reduceOnly: false })).status).toBe("ok");
      const after = (await s.exchange.positions()).find((p) => p.symbol === s.symbol);
      expect(after?.side).toBe("long");
      expect(after?.size).toBeCloseTo(before + 0.01, 9);
      expect((await s.exchange.position(s.symbol))?.size).toBeCloseTo(before + 0.01, 9);
    });

    test("refuses a reduce-only order on the position's own side and leaves the position as it was", async () => {
      const before = await s.exchange.position(s.symbol);
      const outcome = await s.exchange.place({ symbol: s.symbol, linkId: link("ro"), side: "buy", type: "market", qty: 0.01, reduceOnly: true });
      expect(outcome).toMatchObject({ status: "rejected", code: "BYBIT_110017" });
      expect(await s.exchange.position(s.symbol)).toEqual(before);
    });

    test("a reduce-only close larger than the position flattens it and never flips it", async () => {
      const size = (await s.exchange.position(s.symbol))?.size ?? 0;
      expect(size).toBeGreaterThan(0);
      const outcome = await s.exchange.place({ symbol: s.symbol, linkId: link("close"), side: "sell", type: "market", qty: size * 2, reduceOnly: true });
      expect(outcome.status).toBe("ok");
      expect(await s.exchange.position(s.symbol)).toBeUndefined();
      expect((await s.exchange.positions()).some((p) => p.symbol === s.symbol)).toBe(false);
    });

    test("one-way mode: orders and positions carry positionIdx 0, and an order with 1 or 2 is refused with 10001", async () => {
      const id = link("idx0");
      await s.exchange.place(restingBuy(id));
      expect((await s.exchange.lookupOrder(s.symbol, id))?.positionIdx).toBe(0);
      expect((await s.exchange.positions(s.symbol)).map((p) => p.positionIdx)).toEqual([0]);
      const before = await s.exchange.positions(s.symbol);
      expect(await s.exchange.place({ symbol: s.symbol, linkId: link("idx1"), side: "buy", type: "market", qty: 0.01, reduceOnly: false, positionIdx: 1 })).toMatchObject({ status: "rejected", code: "BYBIT_10001" });
      expect(await s.exchange.positions(s.symbol)).toEqual(before);
    });

    test("counts every request it makes", async () => {
      const start = s.exchange.requestStats().total;
      await s.exchange.positions();
      await s.exchange.openOrders();
      await s.exchange.place(restingBuy(link("count")));
      const stats = s.exchange.requestStats();
      expect(stats.total).toBeGreaterThanOrEqual(start + 3);
      expect(Object.values(stats.byEndpoint).reduce((a, b) => a + b, 0)).toBe(stats.total);
      if (s.serverRequests) expect(stats.total).toBe(s.serverRequests());
    });
  });
}

/**
 * The order part of the contract: place, look up, amend, cancel and list resting orders and
 * stops, by linkId. Every AccountExchange keeps it, the paper exchange of `run --dry-run` too
 * (which keeps the rest of the contract only for reads: its orders never fill and its writes
 * make no request; test/exchange/paper-exchange.test.ts).
 */
export function describeOrderContract(name: string, makeSubject: () => ContractSubject | Promise<ContractSubject>): void {
  describe(`AccountExchange contract, orders: ${name}`, () => {
    let s: ContractSubject;
    let n = 0;
    beforeEach(async () => {
      s = await makeSubject();
    });
    afterEach(async () => {
      await s.close?.();
    });
    const link = (tag: string) => `o-${tag}-${++n}`;
    const restingBuy = (linkId: string, over: Partial<PlaceOrder> = {}): PlaceOrder => ({ symbol: s.symbol, linkId, side: "buy", type: "limit", qty: 0.001, price: Math.round(s.mark * 0.9), reduceOnly: false, ...over });

    test("places a resting limit order and finds it by linkId, open", async () => {
      const id = link("rest");
      expect((await s.exchange.place(restingBuy(id))).status).toBe("ok");
      const found = await s.exchange.lookupOrder(s.symbol, id);
      expect(found).toMatchObject({ linkId: id, symbol: s.symbol, side: "buy", type: "limit", qty: 0.001, price: Math.round(s.mark * 0.9), reduceOnly: false, status: "open", filledQty: 0 });
      expect((await s.exchange.openOrders()).some((o) => o.linkId === id)).toBe(true);
      expect((await s.exchange.openOrders(s.symbol)).every((o) => o.symbol === s.symbol)).toBe(true);
    });

    test("amends a resting order's price and size in place", async () => {
      const id = link("amend");
      await s.exchange.place(restingBuy(id));
      expect((await s.exchange.amend({ symbol: s.symbol, linkId: id, qty: 0.002, price: Math.round(s.mark * 0.85) })).status).toBe("ok");
      expect(await s.exchange.lookupOrder(s.symbol, id)).toMatchObject({ qty: 0.002, price: Math.round(s.mark * 0.85), status: "open" });
    });

    test("places a reduce-only conditional stop as untriggered and amends its trigger", async () => {
      const id = link("sl");
      const stop: PlaceOrder = { symbol: s.symbol, linkId: id, side: "sell", type: "market", qty: 0.001, triggerPrice: Math.round(s.mark * 0.95), triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true };
      expect((await s.exchange.place(stop)).status).toBe("ok");
      expect(await s.exchange.lookupOrder(s.symbol, id)).toMatchObject({ status: "untriggered", triggerPrice: Math.round(s.mark * 0.95), reduceOnly: true, side: "sell" });
      expect((await s.exchange.amend({ symbol: s.symbol, linkId: id, triggerPrice: Math.round(s.mark * 0.94) })).status).toBe("ok");
      expect((await s.exchange.lookupOrder(s.symbol, id))?.triggerPrice).toBe(Math.round(s.mark * 0.94));
    });

    test("cancels by linkId, then answers gone to a second cancel and to an amend", async () => {
      const id = link("cancel");
      await s.exchange.place(restingBuy(id));
      expect((await s.exchange.cancel(s.symbol, id)).status).toBe("ok");
      expect((await s.exchange.lookupOrder(s.symbol, id))?.status).toBe("cancelled");
      expect(await s.exchange.cancel(s.symbol, id)).toEqual({ status: "gone" });
      expect(await s.exchange.amend({ symbol: s.symbol, linkId: id, price: Math.round(s.mark * 0.8) })).toEqual({ status: "gone" });
      expect((await s.exchange.openOrders()).some((o) => o.linkId === id)).toBe(false);
    });

    test("answers exists to a duplicate linkId and keeps one order", async () => {
      const id = link("dup");
      expect((await s.exchange.place(restingBuy(id))).status).toBe("ok");
      expect(await s.exchange.place(restingBuy(id, { price: Math.round(s.mark * 0.8) }))).toEqual({ status: "exists" });
      expect((await s.exchange.openOrders()).filter((o) => o.linkId === id)).toHaveLength(1);
    });

    test("finds nothing for an unknown linkId", async () => {
      expect(await s.exchange.lookupOrder(s.symbol, link("never"))).toBeUndefined();
    });
  });
}

/** Hedge mode: the subject's symbol has a long (positionIdx 1) and a short (positionIdx 2) open. */
function describeHedgeContract(name: string, makeSubject: () => ContractSubject | Promise<ContractSubject>): void {
  describe(`AccountExchange contract, hedge mode: ${name}`, () => {
    let s: ContractSubject;
    let n = 0;
    beforeEach(async () => {
      s = await makeSubject();
    });
    afterEach(async () => {
      await s.close?.();
    });
    const link = (tag: string) => `h-${tag}-${++n}`;
    const sizes = async () => {
      const mine = (await s.exchange.positions()).filter((p) => p.symbol === s.symbol);
      return { long: mine.find((p) => p.side === "long" && p.positionIdx === 1)?.size ?? 0, short: mine.find((p) => p.side === "short" && p.positionIdx === 2)?.size ?? 0 };
    };

    test("lists the long and the short of one symbol, each with its positionIdx, in the account listing and the symbol's", async () => {
      const all = (await s.exchange.positions()).filter((p) => p.symbol === s.symbol);
      expect(all.map((p) => [p.side, p.positionIdx]).sort()).toEqual([["long", 1], ["short", 2]]);
      const before = s.exchange.requestStats().byEndpoint["/v5/position/list"] ?? 0;
      const mine = await s.exchange.positions(s.symbol);
      expect((s.exchange.requestStats().byEndpoint["/v5/position/list"] ?? 0) - before).toBe(1);
      expect(mine.map((p) => [p.side, p.positionIdx]).sort()).toEqual([["long", 1], ["short", 2]]);
      expect(mine.every((p) => p.size > 0)).toBe(true);
      expect([1, 2]).toContain((await s.exchange.position(s.symbol))?.positionIdx as number);
    });

    test("a reduce-only sell with positionIdx 1 reduces the long and leaves the short", async () => {
      const before = await sizes();
      const outcome = await s.exchange.place({ symbol: s.symbol, linkId: link("close-long"), side: "sell", type: "market", qty: 0.01, reduceOnly: true, positionIdx: 1 });
      expect(outcome.status).toBe("ok");
      const after = await sizes();
      expect(after.long).toBeCloseTo(before.long - 0.01, 9);
      expect(after.short).toBe(before.short);
    });

    test("a reduce-only buy with positionIdx 2 larger than the short closes it, never opens a long beyond the one there", async () => {
      const before = await sizes();
      expect((await s.exchange.place({ symbol: s.symbol, linkId: link("close-short"), side: "buy", type: "market", qty: before.short * 2, reduceOnly: true, positionIdx: 2 })).status).toBe("ok");
      const mine = await s.exchange.positions(s.symbol);
      expect(mine.map((p) => [p.side, p.positionIdx, p.size])).toEqual([["long", 1, before.long]]);
    });

    test("a buy with positionIdx 1 adds to the long, a sell with positionIdx 2 to the short", async () => {
      const before = await sizes();
      expect((await s.exchange.place({ symbol: s.symbol, linkId: link("add-long"), side: "buy", type: "market", qty: 0.01, reduceOnly: false, positionIdx: 1 })).status).toBe("ok");
      expect((await s.exchange.place({ symbol: s.symbol, linkId: link("add-short"), side: "sell", type: "market", qty: 0.02, reduceOnly: false, positionIdx: 2 })).status).toBe("ok");
      const after = await sizes();
      expect(after.long).toBeCloseTo(before.long + 0.01, 9);
      expect(after.short).toBeCloseTo(before.short + 0.02, 9);
    });

    test("each side's stop is listed with its positionIdx", async () => {
      const longSl = link("long-sl");
      const shortSl = link("short-sl");
      expect((await s.exchange.place({ symbol: s.symbol, linkId: longSl, side: "sell", type: "market", qty: 0.01, triggerPrice: Math.round(s.mark * 0.95), triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true, positionIdx: 1 })).status).toBe("ok");
      expect((await s.exchange.place({ symbol: s.symbol, linkId: shortSl, side: "buy", type: "market", qty: 0.01, triggerPrice: Math.round(s.mark * 1.05), triggerDirection: "rise", reduceOnly: true, closeOnTrigger: true, positionIdx: 2 })).status).toBe("ok");
      const listed = new Map((await s.exchange.openOrders(s.symbol)).map((o) => [o.linkId, o]));
      expect(listed.get(longSl)).toMatchObject({ side: "sell", positionIdx: 1, reduceOnly: true, status: "untriggered" });
      expect(listed.get(shortSl)).toMatchObject({ side: "buy", positionIdx: 2, reduceOnly: true, status: "untriggered" });
      expect(await s.exchange.lookupOrder(s.symbol, shortSl)).toMatchObject({ positionIdx: 2 });
    });

    test("refuses an order without positionIdx with 10001 and changes nothing", async () => {
      const before = await sizes();
      expect(await s.exchange.place({ symbol: s.symbol, linkId: link("no-idx"), side: "sell", type: "market", qty: 0.01, reduceOnly: true })).toMatchObject({ status: "rejected", code: "BYBIT_10001" });
      expect(await sizes()).toEqual(before);
    });

    test("refuses a reduce-only order on a side with nothing to reduce (110017)", async () => {
      expect((await s.exchange.place({ symbol: s.symbol, linkId: link("close-all"), side: "buy", type: "market", qty: 10, reduceOnly: true, positionIdx: 2 })).status).toBe("ok");
      expect(await s.exchange.place({ symbol: s.symbol, linkId: link("nothing"), side: "buy", type: "market", qty: 0.01, reduceOnly: true, positionIdx: 2 })).toMatchObject({ status: "rejected", code: "BYBIT_110017" });
    });
  });
}

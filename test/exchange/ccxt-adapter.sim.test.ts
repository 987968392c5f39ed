/**
 * The real target: the ccxt adapter (ccxt's own request and parsing code) against the
 * simulator through msw, under the same contract as the in-memory fake. Request counts must
 * equal the simulator's own request log.
 */
import { describe, expect, test } from "bun:test";
import type { ExchangeOrder, ExchangePosition } from "../../core/domain/types.ts";
import { createBybitAccount } from "../../core/exchange/ccxt-adapter.ts";
import type { PlaceOrder } from "../../core/exchange/port.ts";
import { simHandlers } from "../../core/sim/msw.ts";
import { mswFetch } from "../../core/sim/msw-fetch.ts";
import { loadScenario } from "../../core/sim/scenario.ts";
import { createSimulator } from "../../core/sim/simulator.ts";
import { describeAccountExchangeContract } from "./port.contract.ts";

/** The adapter on a simulator playing `scenario` (no latency, no limits), with the simulator's own request count. */
function onSimulator(scenario: string) {
  const sim = createSimulator(loadScenario(scenario), { latency: "zero", rateLimits: false });
  const main = sim.venue.accounts().find((a) => a.id === "main");
  if (main === undefined) throw new Error(`${scenario} scenario has no main account`);
  const exchange = createBybitAccount({ account: "main", apiKey: main.apiKey, secret: main.apiSecret, fetch: mswFetch(simHandlers(sim)) });
  return { exchange, symbol: "BTCUSDT", mark: 60000, serverRequests: () => sim.log.length };
}

describeAccountExchangeContract(
  "ccxt adapter on the simulator",
  () => onSimulator("basic"),
  () => onSimulator("hedge"),
);

describe("ccxt adapter: parsing only what changed", () => {
  function open() {
    const sim = createSimulator(loadScenario("basic"), { latency: "zero", rateLimits: false });
    const main = sim.venue.accounts().find((a) => a.id === "main");
    if (main === undefined) throw new Error("basic scenario has no main account");
    const exchange = createBybitAccount({ account: "main", apiKey: main.apiKey, secret: main.apiSecret, fetch: mswFetch(simHandlers(sim)) });
    return { sim, exchange };
  }
  const resting = (linkId: string, over: Partial<PlaceOrder> = {}): PlaceOrder => ({ symbol: "BTCUSDT", linkId, side: "buy", type: "limit", qty: 0.001, price: 30000, reduceOnly: false, ...over });

  test("an amended order shows its new size and price in the next listing, never the remembered one", async () => {
    const { exchange } = open();
    expect((await exchange.place(resting("memo-amend"))).status).toBe("ok");
    const first = (await exchange.openOrders()).find((o) => o.linkId === "memo-amend");
    expect(first?.qty).toBe(0.001);
    expect((await exchange.openOrders()).find((o) => o.linkId === "memo-amend")).toEqual(first as ExchangeOrder);
    expect((await exchange.amend({ symbol: "BTCUSDT", linkId: "memo-amend", qty: 0.002, price: 30100 })).status).toBe("ok");
    const after = (await exchange.openOrders()).find((o) => o.linkId === "memo-amend");
    expect(after?.qty).toBe(0.002);
    expect(after?.price).toBe(30100);
    const scoped = (await exchange.openOrders("BTCUSDT")).find((o) => o.linkId === "memo-amend");
    expect(scoped?.qty).toBe(0.002);
  });

  test("a cancelled order leaves the listing although its page was remembered", async () => {
    const { exchange } = open();
    expect((await exchange.place(resting("memo-cancel"))).status).toBe("ok");
    expect((await exchange.openOrders()).some((o) => o.linkId === "memo-cancel")).toBe(true);
    expect((await exchange.openOrders()).some((o) => o.linkId === "memo-cancel")).toBe(true);
    expect((await exchange.cancel("BTCUSDT", "memo-cancel")).status).toBe("ok");
    expect((await exchange.openOrders()).some((o) => o.linkId === "memo-cancel")).toBe(false);
  });

  test("a position's mark price follows every price step while its size and entry stay parsed", async () => {
    const { sim, exchange } = open();
    const before = (await exchange.positions()).find((p) => p.symbol === "BTCUSDT");
    const again = (await exchange.position("BTCUSDT"));
    expect(again).toEqual(before as ExchangePosition);
    let moved = false;
    for (let i = 0; i < 20 && !sim.finished() && !moved; i++) {
      sim.step(1);
      const raw = sim.venue.positions("main", { settleCoin: "USDT" }).find((p) => p.symbol === "BTCUSDT") as { markPrice?: string } | undefined;
      const now = (await exchange.positions()).find((p) => p.symbol === "BTCUSDT");
      expect(now?.markPrice).toBe(Number(raw?.markPrice));
      expect(now?.size).toBe(before?.size as number);
      moved = now?.markPrice !== before?.markPrice;
    }
    expect(moved).toBe(true);
  });
});

describe("ccxt adapter: hedge mode on the simulator", () => {
  test("a symbol's position is the open side even when Bybit lists the empty side's flat row first", async () => {
    const sim = createSimulator(loadScenario("hedge"), { latency: "zero", rateLimits: false });
    const main = sim.venue.accounts().find((a) => a.id === "main");
    if (main === undefined) throw new Error("hedge scenario has no main account");
    const exchange = createBybitAccount({ account: "main", apiKey: main.apiKey, secret: main.apiSecret, fetch: mswFetch(simHandlers(sim)) });
    sim.step(4); // 61000: the long's TP fills, the short stays
    const rows = sim.venue.positions("main", { symbol: "BTCUSDT" });
    expect(rows.map((r) => [r["positionIdx"], r["side"]])).toEqual([[1, ""], [2, "Sell"]]);
    expect(await exchange.position("BTCUSDT")).toMatchObject({ side: "short", positionIdx: 2, size: 0.05 });
    expect((await exchange.positions()).map((p) => [p.side, p.positionIdx])).toEqual([["short", 2]]);
    const orders = await exchange.openOrders("BTCUSDT");
    expect(orders.map((o) => [o.linkId, o.positionIdx]).sort()).toEqual([["seed-BTCUSDT-short-sl", 2], ["seed-BTCUSDT-short-tp1", 2]]);
  });
});

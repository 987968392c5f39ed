/**
 * Adversarial review: a trader flipping, hedging and reopening by hand between cycles.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { MemoryExchange } from "../../core/exchange/memory-exchange.ts";
import { START, ScriptedAccount, account, alertSummary, isProtected, runFor, startWarden, stopsOf, workingOrders } from "../support/protection-rig.ts";

describe("review: hand trading", () => {
  test("a long flipped to a short by one market sell: the short gets one buy stop, and no stop of the long stays working", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const w = await startWarden(clock, [main]);
    await runFor(w, 6_000);
    await main.mem.place({ symbol: "BTCUSDT", linkId: "trader-flip", side: "sell", type: "market", qty: 0.2, reduceOnly: false });
    await runFor(w, 30_000);
    expect({ long: stopsOf(main.mem, "BTCUSDT", "long"), short: stopsOf(main.mem, "BTCUSDT", "short"), protectedNow: await isProtected(main.mem, "BTCUSDT", 0.001) })
      .toEqual({ long: [], short: [{ qty: 0.1, triggerPrice: 63_000 }], protectedNow: true });
  });

  test("hedge mode: a long and a short on one symbol each get their stop; closing the long by hand leaves the short's stop alone", async () => {
    const clock = new VirtualClock(START);
    const mem = new MemoryExchange("main", { clock, marks: { BTCUSDT: 60_000 }, positionMode: "hedge" });
    const main = { mem, port: new ScriptedAccount(mem, clock) };
    mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    mem.setPosition("BTCUSDT", "short", 0.05, 60_000);
    const w = await startWarden(clock, [main]);
    await runFor(w, 6_000);
    const both = { long: stopsOf(mem, "BTCUSDT", "long"), short: stopsOf(mem, "BTCUSDT", "short") };
    expect(both).toEqual({ long: [{ qty: 0.1, triggerPrice: 57_000 }], short: [{ qty: 0.05, triggerPrice: 63_000 }] });
    await mem.place({ symbol: "BTCUSDT", linkId: "trader-close-long", side: "sell", type: "market", qty: 0.1, reduceOnly: true, positionIdx: 1 });
    await runFor(w, 30_000);
    expect({ long: stopsOf(mem, "BTCUSDT", "long"), short: stopsOf(mem, "BTCUSDT", "short"), alerts: alertSummary(w.sink) })
      .toMatchObject({ long: [], short: [{ qty: 0.05, triggerPrice: 63_000 }] });
  });
});

describe("review: orders without an orderLinkId (every order placed in the Bybit app)", () => {
  test("a position closed by hand: the trader's entry limit without an orderLinkId is managed like one with an id (adopted, cancelled on flat), not left working to reopen the position", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000, ETHUSDT: 3_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    await main.mem.place({ symbol: "BTCUSDT", linkId: "", side: "buy", type: "limit", qty: 0.05, price: 59_000, reduceOnly: false });
    await main.mem.place({ symbol: "BTCUSDT", linkId: "", side: "sell", type: "market", qty: 0.1, triggerPrice: 57_000, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
    const w = await startWarden(clock, [main]);
    await runFor(w, 6_000);
    await main.mem.place({ symbol: "BTCUSDT", linkId: "trader-close", side: "sell", type: "market", qty: 0.1, reduceOnly: true });
    await runFor(w, 120_000);
    expect(workingOrders(main.mem, "BTCUSDT").map((o) => ({ side: o.side, price: o.price, trigger: o.triggerPrice }))).toEqual([]);
  });
});

/** The in-memory fake keeps the port's contract, and its scripting does what engine tests need. */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { ExchangeReadError } from "../../core/exchange/failure.ts";
import { MemoryExchange } from "../../core/exchange/memory-exchange.ts";
import { describeAccountExchangeContract } from "./port.contract.ts";

function makeMemory(): MemoryExchange {
  const ex = new MemoryExchange("main", { marks: { BTCUSDT: 60000 }, clock: new VirtualClock(1_700_000_000_000) });
  ex.setPosition("BTCUSDT", "long", 0.1, 60000);
  return ex;
}

/** Hedge mode: a long of 0.1 and a short of 0.05 on BTCUSDT. */
function makeHedgedMemory(): MemoryExchange {
  const ex = new MemoryExchange("main", { marks: { BTCUSDT: 60000 }, clock: new VirtualClock(1_700_000_000_000), positionMode: "hedge" });
  ex.setPosition("BTCUSDT", "long", 0.1, 60000);
  ex.setPosition("BTCUSDT", "short", 0.05, 60500);
  return ex;
}

describeAccountExchangeContract(
  "MemoryExchange",
  () => ({ exchange: makeMemory(), symbol: "BTCUSDT", mark: 60000 }),
  () => ({ exchange: makeHedgedMemory(), symbol: "BTCUSDT", mark: 60000 }),
);

describe("MemoryExchange scripting", () => {
  test("a filled TP limit reduces the position at its price", async () => {
    const ex = makeMemory();
    await ex.place({ symbol: "BTCUSDT", linkId: "tp1", side: "sell", type: "limit", qty: 0.04, price: 61000, reduceOnly: true });
    ex.fill("tp1");
    expect((await ex.position("BTCUSDT"))?.size).toBe(0.06);
    expect((await ex.lookupOrder("BTCUSDT", "tp1"))?.status).toBe("filled");
  });

  test("an entry fill grows the position and averages its entry", async () => {
    const ex = makeMemory();
    await ex.place({ symbol: "BTCUSDT", linkId: "e1", side: "buy", type: "limit", qty: 0.1, price: 58000, reduceOnly: false });
    ex.fill("e1");
    expect(await ex.position("BTCUSDT")).toMatchObject({ size: 0.2, entryPrice: 59000 });
  });

  test("a triggered stop closes the position", async () => {
    const ex = makeMemory();
    await ex.place({ symbol: "BTCUSDT", linkId: "sl", side: "sell", type: "market", qty: 0.1, triggerPrice: 59000, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
    ex.setMark("BTCUSDT", 58900);
    ex.trigger("sl");
    expect(await ex.position("BTCUSDT")).toBeUndefined();
  });

  test("an order cancelled by hand is gone from the open listing and shows in history", async () => {
    const ex = makeMemory();
    await ex.place({ symbol: "BTCUSDT", linkId: "sl", side: "sell", type: "market", qty: 0.1, triggerPrice: 59000, triggerDirection: "fall", reduceOnly: true });
    ex.cancelByHand("sl");
    expect(await ex.openOrders()).toEqual([]);
    expect((await ex.lookupOrder("BTCUSDT", "sl"))?.status).toBe("deactivated");
  });

  test("injected failures make reads throw classified errors and writes return outcomes", async () => {
    const ex = makeMemory();
    ex.failNext("rate-limited");
    const error = await ex.positions().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeReadError);
    expect((error as ExchangeReadError).readKind).toBe("rate-limited");
    ex.failNext("timeout");
    expect((await ex.place({ symbol: "BTCUSDT", linkId: "x", side: "buy", type: "limit", qty: 0.001, price: 50000, reduceOnly: false })).status).toBe("unknown");
    expect(await ex.lookupOrder("BTCUSDT", "x")).toBeUndefined();
  });

  test("a lost response applies the write but reports an unknown outcome", async () => {
    const ex = makeMemory();
    ex.failNext("lost-response");
    expect((await ex.place({ symbol: "BTCUSDT", linkId: "y", side: "buy", type: "limit", qty: 0.001, price: 50000, reduceOnly: false })).status).toBe("unknown");
    expect((await ex.lookupOrder("BTCUSDT", "y"))?.status).toBe("open");
    expect((await ex.place({ symbol: "BTCUSDT", linkId: "y", side: "buy", type: "limit", qty: 0.001, price: 50000, reduceOnly: false })).status).toBe("exists");
  });
});

describe("MemoryExchange scripting in hedge mode", () => {
  test("setPosition sets one side without touching the other", async () => {
    const ex = makeHedgedMemory();
    ex.setPosition("BTCUSDT", "short", 0);
    expect((await ex.positions("BTCUSDT")).map((p) => [p.side, p.positionIdx, p.size])).toEqual([["long", 1, 0.1]]);
  });

  test("a triggered stop of the short closes the short only", async () => {
    const ex = makeHedgedMemory();
    await ex.place({ symbol: "BTCUSDT", linkId: "short-sl", side: "buy", type: "market", qty: 0.05, triggerPrice: 61000, triggerDirection: "rise", reduceOnly: true, closeOnTrigger: true, positionIdx: 2 });
    ex.setMark("BTCUSDT", 61100);
    ex.trigger("short-sl");
    expect((await ex.positions()).map((p) => [p.side, p.positionIdx, p.size])).toEqual([["long", 1, 0.1]]);
  });

  test("a TP limit of the long fills against the long only", async () => {
    const ex = makeHedgedMemory();
    await ex.place({ symbol: "BTCUSDT", linkId: "long-tp", side: "sell", type: "limit", qty: 0.04, price: 61000, reduceOnly: true, positionIdx: 1 });
    ex.fill("long-tp");
    expect((await ex.positions()).map((p) => [p.side, p.size])).toEqual([["long", 0.06], ["short", 0.05]]);
  });
});

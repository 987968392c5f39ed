/**
 * Regressions: what the trader does by hand on the exchange while Warden runs (adds,
 * closes, stops moved or cancelled, their own stops) and what Warden must do about it
 * (DESIGN "The TP/SL rules" and "Protection"). The test plays the trader on the fake.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import type { MemoryExchange } from "../../core/exchange/memory-exchange.ts";
import { START, account, cycleAfter, positionOf, runFor, startWarden, stopsOf, workingOrders, workingStops } from "../support/protection-rig.ts";

/** The trader closes `qty` of a long at the mark with a reduce-only market order. */
async function sellByHand(mem: MemoryExchange, symbol: string, qty: number, linkId: string): Promise<void> {
  const outcome = await mem.place({ symbol, linkId, side: "sell", type: "market", qty, reduceOnly: true });
  if (outcome.status !== "ok") throw new Error(`the trader's close was refused: ${JSON.stringify(outcome)}`);
}

/** Trader's TP ladder for a long of 0.1 BTC: 85/5/5/5 %, adopted as a conservative plan. */
async function traderLadder(mem: MemoryExchange, prices: readonly number[]): Promise<void> {
  const qtys = [0.085, 0.005, 0.005, 0.005];
  for (const [i, price] of prices.entries()) {
    await mem.place({ symbol: "BTCUSDT", linkId: `trader-tp${i + 1}`, side: "sell", type: "limit", qty: qtys[i]!, price, reduceOnly: true });
  }
}

/**
 * main: BTC long 0.1 at 60 000 whose stop Warden places (57 000) and which turns idle once
 * the mark rises to 63 000; ETH long 1 with the trader's stop 0.33% under the mark, so ETH
 * is critical and the account is read every cycle.
 */
async function idleBesideCritical() {
  const clock = new VirtualClock(START);
  const main = account("main", clock, { BTCUSDT: 60_000, ETHUSDT: 3_000 });
  main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  main.mem.setPosition("ETHUSDT", "long", 1, 3_000);
  await main.mem.place({ symbol: "ETHUSDT", linkId: "trader-eth-sl", side: "sell", type: "market", qty: 1, triggerPrice: 2_990, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
  const w = await startWarden(clock, [main]);
  await cycleAfter(w); // BTC's stop placed at 57 000
  main.mem.setMark("BTCUSDT", 63_000);
  await runFor(w, 16_000); // BTC evaluated at the new mark: idle (today: next due in 60 s)
  if (stopsOf(main.mem, "BTCUSDT").length !== 1) throw new Error("setup: BTC should have Warden's stop");
  return { clock, main, w };
}

describe("changes made by hand", () => {
  test("regression: an idle monitor whose position was added to by hand gets its stop resized in the first cycle after the account is read, not up to 60 s later", async () => {
    const { main, w } = await idleBesideCritical();
    main.mem.setPosition("BTCUSDT", "long", 0.2, 61_500); // the trader adds 0.1
    await cycleAfter(w); // the account is read this cycle (ETH is critical)
    expect(stopsOf(main.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.2]);
  });

  test("regression: an idle monitor whose position was closed by hand has its orders cancelled in the first cycle after the account is read, not up to 60 s later", async () => {
    const { main, w } = await idleBesideCritical();
    await sellByHand(main.mem, "BTCUSDT", 0.1, "trader-close");
    await cycleAfter(w);
    expect(workingOrders(main.mem, "BTCUSDT").map((o) => o.linkId)).toEqual([]);
  });

  test("regression: a stop cancelled by hand within the grace window after Warden amended it is working again in the next cycle, not ~10 s later", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const w = await startWarden(clock, [main]);
    await cycleAfter(w); // Warden's stop at 57 000
    main.mem.setMark("BTCUSDT", 57_200); // 0.35% from the stop: critical, due every cycle
    await runFor(w, 16_000); // evaluated at the new mark
    main.mem.setPosition("BTCUSDT", "long", 0.2, 58_600); // the trader adds
    await cycleAfter(w); // Warden amends its stop to 0.2
    const [stop] = workingStops(main.mem, "BTCUSDT");
    if (stop?.qty !== 0.2) throw new Error(`setup: the stop should have been amended to 0.2, is ${JSON.stringify(stopsOf(main.mem, "BTCUSDT"))}`);
    main.mem.cancelByHand(stop.linkId); // 0 s after the amend: inside the 10 s grace window
    await cycleAfter(w);
    expect(stopsOf(main.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.2]);
  });

  test("regression: the trader's own stop without an orderLinkId is resized after an add (one stop, covering the new size)", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    await main.mem.place({ symbol: "BTCUSDT", linkId: "", side: "sell", type: "market", qty: 0.1, triggerPrice: 57_000, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
    const w = await startWarden(clock, [main]);
    await cycleAfter(w);
    main.mem.setPosition("BTCUSDT", "long", 0.2, 60_000);
    await runFor(w, 62_000);
    const stops = workingStops(main.mem, "BTCUSDT");
    expect(stops.map((s) => s.qty)).toEqual([0.2]);
  });

  test("regression: breakeven never loosens a stop the trader tightened by hand above it", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 61_500 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    await traderLadder(main.mem, [62_000, 63_000, 64_000, 65_000]);
    const w = await startWarden(clock, [main]);
    await cycleAfter(w); // Warden places its stop (57 000) for the adopted conservative plan
    const [stop] = workingStops(main.mem, "BTCUSDT");
    if (stop === undefined) throw new Error("setup: Warden should have placed a stop");
    await main.mem.amend({ symbol: "BTCUSDT", linkId: stop.linkId, triggerPrice: 61_000 }); // tightened by hand, above breakeven (~60 066)
    await runFor(w, 4_000);
    main.mem.setMark("BTCUSDT", 62_000);
    main.mem.fill("trader-tp1"); // TP1 fills: 0.015 left
    const triggers: number[] = [];
    for (let i = 0; i < 10; i++) {
      await cycleAfter(w);
      triggers.push(...workingStops(main.mem, "BTCUSDT").map((s) => s.triggerPrice!));
    }
    expect(Math.min(...triggers)).toBe(61_000);
    expect(stopsOf(main.mem, "BTCUSDT")).toEqual([{ qty: 0.015, triggerPrice: 61_000 }]);
  });

  test("regression: a position closed and reopened on the same side between two evaluations gets a stop from the new entry, not the old stop price next to the mark", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const w = await startWarden(clock, [main]);
    await cycleAfter(w); // Warden's stop at 57 000
    const [old] = workingStops(main.mem, "BTCUSDT");
    if (old?.triggerPrice !== 57_000) throw new Error(`setup: expected Warden's stop at 57 000, got ${JSON.stringify(stopsOf(main.mem, "BTCUSDT"))}`);
    // between two evaluations: closed at market, its stop gone with it, the price falls, a new long opens
    await sellByHand(main.mem, "BTCUSDT", 0.1, "trader-close");
    main.mem.cancelByHand(old.linkId);
    main.mem.setMark("BTCUSDT", 50_000);
    main.mem.setPosition("BTCUSDT", "long", 0.1, 50_000);
    await runFor(w, 16_000);
    const tick = 0.1;
    expect(stopsOf(main.mem, "BTCUSDT").filter((s) => Math.abs(s.triggerPrice! - 50_000) <= tick + 1e-9)).toEqual([]); // none that triggers at once
    expect(stopsOf(main.mem, "BTCUSDT")).toEqual([{ qty: 0.1, triggerPrice: 47_500 }]); // defaultStopPct (5%) under the new entry
  });

  test("regression: after TP1 and a partial close by hand, the working TPs never exceed the position", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_500 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    await traderLadder(main.mem, [61_000, 62_000, 63_000, 64_000]);
    const w = await startWarden(clock, [main]);
    await cycleAfter(w);
    main.mem.setMark("BTCUSDT", 61_000);
    main.mem.fill("trader-tp1"); // 0.015 left, TPs 2-4 hold 0.015
    await runFor(w, 16_000);
    await sellByHand(main.mem, "BTCUSDT", 0.01, "trader-partial"); // 0.005 left
    await runFor(w, 62_000);
    const size = (await positionOf(main.mem, "BTCUSDT"))?.size ?? 0;
    const tps = workingOrders(main.mem, "BTCUSDT").filter((o) => o.reduceOnly && o.triggerPrice === undefined);
    expect(size).toBe(0.005);
    expect(Number(tps.reduce((sum, o) => sum + o.qty, 0).toFixed(3))).toBeLessThanOrEqual(size); // working TP total
  });
});

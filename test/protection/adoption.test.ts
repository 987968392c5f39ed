/**
 * Regressions: positions Warden should adopt and protect while it runs (DESIGN
 * "Protection": every open position it can see is protected, or a person hears at once).
 * The fake exchange is the trader's account; the test opens positions on it by hand.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { START, account, alerts, cycleAfter, runFor, startWarden, stopsOf } from "../support/protection-rig.ts";

describe("adoption while running", () => {
  test("regression: a position opened while no monitor is active gets a stop within 15 s", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { ETHUSDT: 3_000 });
    const w = await startWarden(clock, [main]);
    for (let i = 0; i < 3; i++) await cycleAfter(w); // nothing to watch yet
    main.mem.setPosition("ETHUSDT", "long", 1, 3_000); // opened by hand
    await runFor(w, 16_000); // 15 s and the cycle that follows
    expect(stopsOf(main.mem, "ETHUSDT").map((s) => s.qty)).toEqual([1]);
  });

  test("regression: a position opened beside one idle monitor gets a stop within 15 s, not 60 s", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000, ETHUSDT: 3_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    // a stop 16.7% away: the BTC monitor is idle (due every 60 s)
    await main.mem.place({ symbol: "BTCUSDT", linkId: "trader-sl", side: "sell", type: "market", qty: 0.1, triggerPrice: 50_000, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
    const w = await startWarden(clock, [main]);
    for (let i = 0; i < 3; i++) await cycleAfter(w);
    main.mem.setPosition("ETHUSDT", "long", 1, 3_000);
    await runFor(w, 16_000);
    expect(stopsOf(main.mem, "ETHUSDT").map((s) => s.qty)).toEqual([1]);
  });

  test("regression: a position adopted already past the default stop distance gets no stop at the mark, and an adoption-past-stop alert", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 56_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000); // default stop 5% under entry is 57 000: above the mark
    const w = await startWarden(clock, [main]);
    for (let i = 0; i < 3; i++) await cycleAfter(w);
    const tick = 0.1;
    const atTheMark = stopsOf(main.mem, "BTCUSDT").filter((s) => Math.abs(s.triggerPrice! - 56_000) <= tick + 1e-9);
    expect(atTheMark).toEqual([]);
    expect(alerts(w.sink, "adoption-past-stop").map((e) => e["monitor"])).toContain("main:BTCUSDT:long");
  });

  test("regression: a position on a symbol missing from the instrument list raises a no-instrument alert every cycle, and is protected once the instrument appears", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { SOLUSDT: 150 });
    main.mem.setPosition("SOLUSDT", "long", 10, 150); // not in the fake's instrument list
    const w = await startWarden(clock, [main]);
    for (let i = 0; i < 5; i++) await cycleAfter(w);
    const cycles = w.sink.named("cycle.completed").map((e) => e.ts);
    const alerted = new Set(alerts(w.sink, "no-instrument").map((e) => e.ts));
    expect(cycles.length).toBe(5);
    expect(cycles.filter((ts) => !alerted.has(ts))).toEqual([]); // the cycles with no no-instrument alert
    main.mem.addInstrument({ symbol: "SOLUSDT", tickSize: 0.01, qtyStep: 0.1, minQty: 0.1 });
    await runFor(w, 62_000);
    expect(stopsOf(main.mem, "SOLUSDT").map((s) => s.qty)).toEqual([10]);
  });
});

/**
 * Regressions: a stop that vanished is restored every time, and every write settles
 * (DESIGN "Protection": create, amend and cancel writes with an unknown outcome are looked
 * up and redone until the exchange shows the intended state). Unknown outcomes are played
 * by the scripted account: the write is answered "unknown" (a 5xx) and never reaches the fake.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { START, UNKNOWN, account, alerts, cycleAfter, runFor, startWarden, stopsOf, workingOrders, workingStops } from "../support/protection-rig.ts";

/** BTC long 0.1 at 60 000, mark 57 200: Warden's stop at 57 000 is 0.35% away, so the monitor is critical (due every cycle). */
async function criticalLong() {
  const clock = new VirtualClock(START);
  const main = account("main", clock, { BTCUSDT: 57_200 });
  main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  const w = await startWarden(clock, [main]);
  await cycleAfter(w); // Warden places its stop at 57 000
  await cycleAfter(w); // and sees it listed
  if (stopsOf(main.mem, "BTCUSDT").length !== 1) throw new Error(`setup: expected Warden's stop, got ${JSON.stringify(stopsOf(main.mem, "BTCUSDT"))}`);
  return { clock, main, w };
}

/** BTC long 0.1 at 60 000 with the trader's TP ladder (85/5/5/5 from 61 000) and optionally an unfilled entry at 59 000; Warden places the stop. */
async function conservativeLong(withEntry: boolean) {
  const clock = new VirtualClock(START);
  const main = account("main", clock, { BTCUSDT: 60_500 });
  main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  const qtys = [0.085, 0.005, 0.005, 0.005];
  for (const [i, price] of [61_000, 62_000, 63_000, 64_000].entries()) {
    await main.mem.place({ symbol: "BTCUSDT", linkId: `trader-tp${i + 1}`, side: "sell", type: "limit", qty: qtys[i]!, price, reduceOnly: true });
  }
  if (withEntry) await main.mem.place({ symbol: "BTCUSDT", linkId: "trader-entry1", side: "buy", type: "limit", qty: 0.05, price: 59_000, reduceOnly: false });
  const w = await startWarden(clock, [main]);
  await cycleAfter(w);
  await cycleAfter(w);
  if (stopsOf(main.mem, "BTCUSDT").length !== 1) throw new Error(`setup: expected Warden's stop, got ${JSON.stringify(stopsOf(main.mem, "BTCUSDT"))}`);
  return { clock, main, w };
}

describe("stop restores and writes that must settle", () => {
  test("regression: a stop cancelled by hand is restored in the next cycle every time, not once, with an error alert from the second restore", async () => {
    const { main, w } = await criticalLong();
    for (let round = 1; round <= 3; round++) {
      const [stop] = workingStops(main.mem, "BTCUSDT");
      main.mem.cancelByHand(stop!.linkId);
      await cycleAfter(w);
      expect({ round, stops: stopsOf(main.mem, "BTCUSDT").map((s) => s.qty) }).toEqual({ round, stops: [0.1] });
      if (round >= 2) {
        const errors = alerts(w.sink, "stop-restored").filter((e) => e.level === "error" && e["monitor"] === "main:BTCUSDT:long");
        expect(errors.length).toBeGreaterThanOrEqual(round - 1); // error-level stop-restored alerts
      }
      await cycleAfter(w); // the restored stop is seen listed
    }
  });

  test("regression: a restore the exchange refuses leaves the position reported unprotected in that cycle (cycle.completed, protection.changed, alerts), and protected again after", async () => {
    const { main, w } = await criticalLong();
    main.mem.cancelByHand(workingStops(main.mem, "BTCUSDT")[0]!.linkId);
    main.port.script("place", { status: "rejected", code: "BYBIT_110093", reason: "expect Falling, but trigger_price[57000] >= current[56990]" });
    await cycleAfter(w);
    const id = "main:BTCUSDT:long";
    expect(w.sink.named("cycle.completed").at(-1)?.["unprotected"]).toBe(1);
    expect(w.sink.named("protection.changed").filter((e) => e["monitor"] === id).map((e) => [e["was"], e["state"]])).toContainEqual(["protected", "unprotected"]);
    expect(alerts(w.sink, "unprotected").map((e) => e["monitor"])).toContain(id);
    expect(alerts(w.sink, "stop-refused").map((e) => e["monitor"])).toContain(id);
    await cycleAfter(w); // decided again: the restore goes through
    expect(stopsOf(main.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.1]);
    expect(w.sink.named("cycle.completed").at(-1)?.["unprotected"]).toBe(0);
    expect(w.sink.named("protection.changed").filter((e) => e["monitor"] === id).at(-1)?.["state"]).toBe("protected");
  });

  test("regression: a restore whose create got an unknown answer (5xx, not applied) has a stop working within 2 cycles", async () => {
    const { main, w } = await criticalLong();
    const [stop] = workingStops(main.mem, "BTCUSDT");
    main.mem.cancelByHand(stop!.linkId);
    main.port.script("place", UNKNOWN);
    await cycleAfter(w); // the restore is sent and answered unknown; it never reached the exchange
    if (!main.port.sent.some((r) => r.kind === "place")) throw new Error("setup: the restore should have been sent");
    await cycleAfter(w);
    await cycleAfter(w);
    expect(stopsOf(main.mem, "BTCUSDT").map((s) => s.qty)).toEqual([0.1]);
  });

  test("regression: an entry cancel after TP1 answered unknown (not applied) is settled: the entry is eventually cancelled", async () => {
    const { main, w } = await conservativeLong(true);
    main.port.script("cancel", UNKNOWN, (r) => r.kind === "cancel" && r.linkId === "trader-entry1");
    main.mem.setMark("BTCUSDT", 61_000);
    main.mem.fill("trader-tp1"); // TP1: the entry must go
    await runFor(w, 30_000);
    if (!main.port.sent.some((r) => r.kind === "cancel" && r.linkId === "trader-entry1")) throw new Error("setup: the entry cancel should have been sent");
    expect(workingOrders(main.mem, "BTCUSDT").filter((o) => !o.reduceOnly).map((o) => o.linkId)).toEqual([]);
  });

  test("regression: a breakeven amend answered unknown (not applied) is redone: the stop reaches breakeven within a few cycles", async () => {
    const { main, w } = await conservativeLong(false);
    main.port.script("amend", UNKNOWN, (r) => r.kind === "amend" && r.order.triggerPrice !== undefined);
    main.mem.setMark("BTCUSDT", 61_000);
    main.mem.fill("trader-tp1"); // 0.015 left; breakeven is 60 000 + 11 bps = 60 066
    await runFor(w, 20_000);
    if (!main.port.sent.some((r) => r.kind === "amend" && r.order.triggerPrice !== undefined)) throw new Error("setup: the breakeven amend should have been sent");
    expect(stopsOf(main.mem, "BTCUSDT").map((s) => s.triggerPrice)).toEqual([60_066]);
    // the amend that did not land is Warden's own, not a stop moved by hand
    expect(w.sink.named("rule.applied").filter((e) => e["rule"] === "sl-moved-by-hand")).toEqual([]);
  });
});

/**
 * Adversarial review: alerts that are missing or spam.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { START, account, alerts, alertSummary, runFor, startWarden, stopsOf, workingOrders, workingStops } from "../support/protection-rig.ts";

describe("review: alerts", () => {
  test("a closed monitor whose stop cancel keeps being refused alerts about the stray order once and then backs off, not every cycle", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 57_200 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const w = await startWarden(clock, [main]);
    await runFor(w, 6_000);
    if (stopsOf(main.mem, "BTCUSDT").length !== 1) throw new Error("setup: Warden's stop expected");
    await main.mem.place({ symbol: "BTCUSDT", linkId: "trader-close", side: "sell", type: "market", qty: 0.1, reduceOnly: true });
    for (let i = 0; i < 200; i++) main.port.script("cancel", { status: "rejected", code: "BYBIT_10001", reason: "params error" });
    await runFor(w, 120_000);
    const stray = alerts(w.sink, "order-stray").length;
    expect({ stray, left: workingOrders(main.mem, "BTCUSDT").length }).toEqual({ stray: 1, left: 1 });
  });
});

describe("review: restore alerts while the exchange refuses the restore", () => {
  test("a restore refused every cycle for a minute is not an error alert every cycle claiming the stop 'vanished again' (alerts about one position back off)", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 57_200 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const w = await startWarden(clock, [main]);
    await runFor(w, 4_000);
    main.mem.cancelByHand(workingStops(main.mem, "BTCUSDT")[0]!.linkId); // first cancel: restored at once
    await runFor(w, 4_000);
    if (stopsOf(main.mem, "BTCUSDT").length !== 1) throw new Error("setup: the stop should be restored");
    main.mem.cancelByHand(workingStops(main.mem, "BTCUSDT")[0]!.linkId); // cancelled once more
    for (let i = 0; i < 30; i++) main.port.script("place", { status: "rejected", code: "BYBIT_10001", reason: "params error" });
    const before = alerts(w.sink, "stop-restored").length;
    await runFor(w, 60_000);
    // nothing was restored: no "restored" claim; the refusal and the naked position are told, backing off
    expect(alerts(w.sink, "stop-restored").slice(before)).toEqual([]);
    expect(alerts(w.sink, "stop-refused").length).toBe(1);
    expect(alerts(w.sink, "unprotected").length).toBeGreaterThanOrEqual(1);
    expect(alerts(w.sink, "unprotected").length).toBeLessThanOrEqual(2);
  });
});

describe("review: routine closes", () => {
  test("a position with the trader's own stop (no orderLinkId) closed by hand while another position opens raises no order-stray alert (reconcile keys orders by linkId, not orderKey)", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000, ETHUSDT: 3_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    await main.mem.place({ symbol: "BTCUSDT", linkId: "", side: "sell", type: "market", qty: 0.1, triggerPrice: 57_000, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
    const w = await startWarden(clock, [main]);
    await runFor(w, 6_000);
    await main.mem.place({ symbol: "BTCUSDT", linkId: "trader-close", side: "sell", type: "market", qty: 0.1, reduceOnly: true });
    main.mem.setPosition("ETHUSDT", "long", 1, 3_000);
    await runFor(w, 30_000);
    expect({ stray: alertSummary(w.sink).filter((a) => a.includes("order-stray")), left: workingOrders(main.mem, "BTCUSDT").length }).toEqual({ stray: [], left: 0 });
  });
});

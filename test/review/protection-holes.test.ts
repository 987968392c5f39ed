/**
 * Adversarial review of issue 8: ways a position ends up unprotected or doubly stopped.
 * Each test fails on the reviewed commit.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { START, account, alerts, alertSummary, cycleAfter, runFor, startWarden, stopsOf } from "../support/protection-rig.ts";

describe("review: protection holes", () => {
  test("a position-level stop (trading-stop stopLoss) counts as protection: Warden places no second stop and raises no unprotected alert", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    // the trader set a full-position stop through /v5/position/trading-stop
    main.port.positionsOverride = () => [{ symbol: "BTCUSDT", side: "long", positionIdx: 0, size: 0.1, entryPrice: 60_000, markPrice: 60_000, stopLoss: 58_000 }];
    const w = await startWarden(clock, [main]);
    await runFor(w, 10_000);
    expect({ stops: stopsOf(main.mem, "BTCUSDT"), alerts: alertSummary(w.sink) }).toEqual({ stops: [], alerts: [] });
  });

  test("adopting a tighter partial stop of the trader never leaves the position covered by less than its size while the amend of it is refused", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const w = await startWarden(clock, [main]);
    await cycleAfter(w);
    await cycleAfter(w);
    if (stopsOf(main.mem, "BTCUSDT").map((s) => s.qty).join() !== "0.1") throw new Error("setup: Warden's full-size stop expected");
    // the trader adds a tighter stop for half the position (a scale-out stop)
    await main.mem.place({ symbol: "BTCUSDT", linkId: "trader-half-sl", side: "sell", type: "market", qty: 0.05, triggerPrice: 58_000, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
    // the exchange refuses amends for a while (a 10001, a rate limit: any refusal)
    for (let i = 0; i < 5; i++) main.port.script("amend", { status: "rejected", code: "BYBIT_10001", reason: "params error" });
    const largest: number[] = [];
    for (let i = 0; i < 20; i++) {
      await cycleAfter(w);
      largest.push(Math.max(0, ...stopsOf(main.mem, "BTCUSDT").map((s) => s.qty)));
    }
    expect(Math.min(...largest)).toBe(0.1); // the largest working stop after each cycle, never below the size
  });

  test("a stale stop of another Warden instance that no longer covers the position does not make this instance stand by while the position is half naked", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const a = await startWarden(clock, [main]); // instance A places its stop, then dies
    await cycleAfter(a);
    await cycleAfter(a);
    if (stopsOf(main.mem, "BTCUSDT").map((s) => s.qty).join() !== "0.1") throw new Error("setup: A's full-size stop expected");
    const b = await startWarden(clock, [main]); // instance B (own state dir, own tag) takes over
    main.mem.setPosition("BTCUSDT", "long", 0.2, 60_000); // the trader doubles the position
    await runFor(b, 60_000);
    const covered = Math.max(0, ...stopsOf(main.mem, "BTCUSDT").map((s) => s.qty));
    const unprotectedAlerts = alerts(b.sink, "unprotected").length;
    expect({ covered, unprotectedAlerts: unprotectedAlerts > 0, alerts: alertSummary(b.sink) }).toMatchObject({ covered: 0.2 });
  });
});

describe("review: stops only tighten", () => {
  test("a cancel of a looser second stop that did not land is not re-sent after the trader moved that stop above the kept one (Warden would cancel the tighter stop) [found by soak seed 22]", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 59_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    await main.mem.place({ symbol: "BTCUSDT", linkId: "trader-sl-a", side: "sell", type: "market", qty: 0.1, triggerPrice: 57_000, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
    const w = await startWarden(clock, [main]);
    await runFor(w, 4_000);
    if (stopsOf(main.mem, "BTCUSDT").map((s) => s.triggerPrice).join() !== "57000") throw new Error(`setup: the trader's stop adopted, got ${JSON.stringify(stopsOf(main.mem, "BTCUSDT"))}`);
    // the trader places a second, looser stop; Warden cancels it, but that cancel's answer is unknown (not applied)
    await main.mem.place({ symbol: "BTCUSDT", linkId: "trader-sl-b", side: "sell", type: "market", qty: 0.1, triggerPrice: 56_000, triggerDirection: "fall", reduceOnly: true, closeOnTrigger: true });
    main.port.script("cancel", { status: "unknown", reason: "BYBIT_10016: Service is restarting, please retry later." }, (r) => r.kind === "cancel" && r.linkId === "trader-sl-b");
    const sent = main.port.sent.length;
    for (let i = 0; i < 15 && !main.port.sent.slice(sent).some((r) => r.kind === "cancel"); i++) await cycleAfter(w);
    if (!main.port.sent.slice(sent).some((r) => r.kind === "cancel")) throw new Error("setup: Warden should have tried to cancel the looser stop");
    // the trader moves that second stop up, above the first: it is now the tighter one
    await main.mem.amend({ symbol: "BTCUSDT", linkId: "trader-sl-b", triggerPrice: 58_500 });
    await runFor(w, 30_000);
    const triggers = stopsOf(main.mem, "BTCUSDT").map((s) => s.triggerPrice);
    expect(Math.max(0, ...triggers.map((t) => t ?? 0))).toBe(58_500); // the tightest working stop
  });
});

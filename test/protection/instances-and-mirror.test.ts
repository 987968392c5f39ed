/**
 * Regressions: two Warden instances on one account (DESIGN "Protection": one instance per
 * account, a second one that sees another's orders stands by), and the mirror across
 * `--once`-style restarts (a new engine started on the same state store).
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { MemoryStateStore } from "../../core/store/memory-state-store.ts";
import { START, ScriptedAccount, account, alerts, cycleAfter, positionOf, startWarden, stopsOf, workingStops } from "../support/protection-rig.ts";

describe("two instances on one account", () => {
  test("regression: two Warden engines on one account do not both place full-size stops; the second stands by", async () => {
    const clockA = new VirtualClock(START);
    const main = account("main", clockA, { BTCUSDT: 57_200, ETHUSDT: 3_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000); // A's stop 57 000: critical, read every cycle
    const a = await startWarden(clockA, [main], { store: new MemoryStateStore() });
    await cycleAfter(a);
    await cycleAfter(a);
    if (stopsOf(main.mem, "BTCUSDT").length !== 1) throw new Error("setup: A should have placed BTC's stop");
    // B: another process (its own state store, its clock 0.7 s off A's) started on the same account, seeing A's orders
    const clockB = new VirtualClock(clockA.now() + 700);
    const b = await startWarden(clockB, [{ mem: main.mem, port: new ScriptedAccount(main.mem, clockB) }], { store: new MemoryStateStore() });
    main.mem.setPosition("ETHUSDT", "long", 1, 3_000); // the trader opens a position both can see
    for (let i = 0; i < 10; i++) await Promise.all([cycleAfter(a), cycleAfter(b)]);
    expect({ BTCUSDT: workingStops(main.mem, "BTCUSDT").length, ETHUSDT: workingStops(main.mem, "ETHUSDT").length }).toEqual({ BTCUSDT: 1, ETHUSDT: 1 });
    const standBy = [...b.sink.named("protection.changed").filter((e) => e["state"] === "stand-by"), ...alerts(b.sink, "stand-by")];
    expect(standBy.length).toBeGreaterThan(0);
  });
});

describe("mirror across restarts", () => {
  /** main BTC long 0.1 and mirror BTC long 0.05 at 60 000 (ratio 0.5 read off the accounts), store shared by the runs. */
  async function twins() {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    const mirror = account("mirror", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    mirror.mem.setPosition("BTCUSDT", "long", 0.05, 60_000);
    return { clock, main, mirror, store: new MemoryStateStore() };
  }

  test("regression: main closed by hand between two --once runs has its mirror twin closed by the next run", async () => {
    const { clock, main, mirror, store } = await twins();
    const first = await startWarden(clock, [main, mirror], { store });
    await cycleAfter(first); // --once: stops placed on both
    if (stopsOf(main.mem, "BTCUSDT").length !== 1 || stopsOf(mirror.mem, "BTCUSDT").length !== 1) throw new Error("setup: both twins should have Warden's stop");
    // between the runs: the trader closes main at market; its stop goes with the position
    await main.mem.place({ symbol: "BTCUSDT", linkId: "trader-close", side: "sell", type: "market", qty: 0.1, reduceOnly: true });
    main.mem.cancelByHand(workingStops(main.mem, "BTCUSDT")[0]!.linkId);
    clock.advance(60_000); // cron, a minute later
    const second = await startWarden(clock, [main, mirror], { store });
    await cycleAfter(second); // --once
    const exits = mirror.port.sent.filter((r) => r.kind === "place" && r.order.type === "market" && r.order.triggerPrice === undefined && r.order.reduceOnly && r.order.side === "sell");
    expect(exits.length).toBe(1); // a reduce-only market exit on mirror
    expect(await positionOf(mirror.mem, "BTCUSDT")).toBeUndefined();
  });

  test("regression: a manual add on main after start does not change the mirror ratio at the next start", async () => {
    const { clock, main, mirror, store } = await twins();
    const first = await startWarden(clock, [main, mirror], { store });
    await cycleAfter(first);
    const ratioOf = (w: typeof first) => w.engine.monitors().find((m) => m.id === "mirror:BTCUSDT:long")?.ratio;
    if (ratioOf(first) !== 0.5) throw new Error(`setup: the first run should link the mirror at 0.5, got ${ratioOf(first)}`);
    main.mem.setPosition("BTCUSDT", "long", 0.2, 60_000); // the trader adds 0.1 on main only
    clock.advance(60_000);
    const second = await startWarden(clock, [main, mirror], { store });
    await cycleAfter(second);
    expect(ratioOf(second)).toBe(0.5);
  });

  test("a mirror diverging beyond one lot is an alert, repeated while it lasts, and quiet once it follows again", async () => {
    const { clock, main, mirror, store } = await twins();
    const w = await startWarden(clock, [main, mirror], { store });
    await cycleAfter(w);
    main.mem.setPosition("BTCUSDT", "long", 0.2, 60_000); // the trader adds on main only
    await cycleAfter(w, 15_000);
    expect(alerts(w.sink, "divergence").map((e) => e["monitor"])).toEqual(["mirror:BTCUSDT:long"]);
    for (let t = 0; t < 5 * 60_000; t += 15_000) await cycleAfter(w, 15_000);
    expect(alerts(w.sink, "divergence").length).toBe(2); // once more after alertRepeatMs (5 min)
    mirror.mem.setPosition("BTCUSDT", "long", 0.1, 60_000); // the mirror follows
    for (let t = 0; t < 10 * 60_000; t += 15_000) await cycleAfter(w, 15_000);
    expect(alerts(w.sink, "divergence").length).toBe(2);
  });
});

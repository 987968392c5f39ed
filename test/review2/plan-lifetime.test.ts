/**
 * Review 2: a trader's plan (plans.json, keyed by `account:symbol:side`) outlives the position it
 * was given for. DESIGN "Protection": "A position that went flat and reopened is a new lifetime
 * with a new monitor; an earlier lifetime's prices are never reused."
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { START, account, cycleAfter, startWarden, workingOrders, workingStops } from "../support/protection-rig.ts";
import { lifetimeKey } from "../../core/domain/link-id.ts";
import type { Monitor } from "../../core/domain/monitor.ts";

/** What `warden plan` records: the plan is for the open position's lifetime. */
const forOf = (w: { engine: { monitors(): readonly Monitor[] } }, id: string) => lifetimeKey(w.engine.monitors().find((m) => m.id === id)!);


const ID = "main:BTCUSDT:long";

describe("a trader's plan belongs to one lifetime", () => {
  test("a plan given for a closed position is not applied to the next position on the symbol: no stale stop, no stale TPs below the mark", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const w = await startWarden(clock, [main]);
    await cycleAfter(w);
    // the trader's plan for this position: stop 58 500, TPs 61 000 / 62 000
    await w.store.updatePositionPlans((all) => ({ ...all, [ID]: { stop: { price: 58_500 }, tps: { prices: [61_000, 62_000] }, at: START + 1, for: forOf(w, ID) } }));
    await cycleAfter(w);
    await cycleAfter(w);
    expect(workingStops(main.mem, "BTCUSDT")[0]?.triggerPrice).toBe(58_500);

    // the position is closed; the monitor retires
    main.mem.setPosition("BTCUSDT", "long", 0);
    for (let i = 0; i < 5; i++) await cycleAfter(w);
    expect(workingOrders(main.mem, "BTCUSDT")).toEqual([]);

    // days later a new long is opened at 70 000: a new lifetime
    main.mem.setMark("BTCUSDT", 70_000);
    main.mem.setPosition("BTCUSDT", "long", 0.1, 70_000);
    for (let i = 0; i < 40; i++) await cycleAfter(w);

    const stops = workingStops(main.mem, "BTCUSDT").map((o) => o.triggerPrice);
    const tps = workingOrders(main.mem, "BTCUSDT").filter((o) => o.triggerPrice === undefined && o.reduceOnly).map((o) => o.price);
    const applied = w.sink.named("plan.applied").map((e) => e["at"]);
    // the new position's stop is its own (default 5% below 70 000: 66 500), not the old lifetime's 58 500,
    // and no reduce-only sell sits at 61 000 / 62 000, 9 000 below the mark (it would close the position at once)
    expect({ stops, tps, plansApplied: applied.length }).toEqual({ stops: [66_500], tps: [], plansApplied: 1 });
  });
});

/**
 * Review 2: DESIGN "Rules": "Mirror: every action on a main monitor has a proportional twin on
 * the mirror monitor". A trader's plan for the main position (`warden plan BTCUSDT ...`,
 * account main by default) amends main's stop and places its TPs; the mirror twin keeps the
 * old stop and gets no TP, and no divergence is reported until the sizes part at TP1.
 * engine.ts #followPlans applies plans[m.id] only, and nothing carries main's plan to its twin.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { MemoryStateStore } from "../../core/store/memory-state-store.ts";
import { START, account, cycleAfter, startWarden, stopsOf, workingOrders } from "../support/protection-rig.ts";
import { lifetimeKey } from "../../core/domain/link-id.ts";
import type { Monitor } from "../../core/domain/monitor.ts";

/** What `warden plan` records: the plan is for the open position's lifetime. */
const forOf = (w: { engine: { monitors(): readonly Monitor[] } }, id: string) => lifetimeKey(w.engine.monitors().find((m) => m.id === id)!);


describe("a trader's plan for main and its mirror twin", () => {
  test("the mirror's stop and TPs follow main's plan at the ratio", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    const mirror = account("mirror", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    mirror.mem.setPosition("BTCUSDT", "long", 0.05, 60_000);
    const w = await startWarden(clock, [main, mirror], { store: new MemoryStateStore() });
    for (let i = 0; i < 3; i++) await cycleAfter(w);
    expect([stopsOf(main.mem, "BTCUSDT"), stopsOf(mirror.mem, "BTCUSDT")]).toEqual([[{ qty: 0.1, triggerPrice: 57_000 }], [{ qty: 0.05, triggerPrice: 57_000 }]]);
    await w.store.updatePositionPlans((all) => ({ ...all, "main:BTCUSDT:long": { stop: { price: 58_500 }, tps: { prices: [61_000, 62_000] }, at: START + 1, for: forOf(w, "main:BTCUSDT:long") } }));
    for (let i = 0; i < 5; i++) await cycleAfter(w);
    const tps = (mem: typeof main.mem) => workingOrders(mem, "BTCUSDT").filter((o) => o.reduceOnly && o.triggerPrice === undefined).map((o) => [o.price, o.qty]).sort();
    expect({ main: { stop: stopsOf(main.mem, "BTCUSDT"), tps: tps(main.mem) }, mirror: { stop: stopsOf(mirror.mem, "BTCUSDT"), tps: tps(mirror.mem) } }).toEqual({
      main: { stop: [{ qty: 0.1, triggerPrice: 58_500 }], tps: [[61_000, 0.05], [62_000, 0.05]] },
      mirror: { stop: [{ qty: 0.05, triggerPrice: 58_500 }], tps: [[61_000, 0.025], [62_000, 0.025]] },
    });
  });
});

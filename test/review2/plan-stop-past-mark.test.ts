/**
 * Review 2: a trader's plan whose stop is past the mark when the engine applies it (the mark
 * moved between `warden plan`, which checked it against status.json's mark, and the next
 * cycle). followPlan (core/domain/stop-moves.ts) neither amends nor says anything: the monitor
 * keeps `planPending` forever and its `stopPrice` says the plan's stop while the exchange
 * still has the old one, so `warden plan --list` shows a stop that is not there, and hand moves
 * of the stop are ignored for as long as the plan is pending (noteStopMovedByHand returns on
 * planPending). Nobody hears that the plan was not applied.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { START, account, cycleAfter, startWarden, workingStops } from "../support/protection-rig.ts";
import { lifetimeKey } from "../../core/domain/link-id.ts";
import type { Monitor } from "../../core/domain/monitor.ts";

/** What `warden plan` records: the plan is for the open position's lifetime. */
const forOf = (w: { engine: { monitors(): readonly Monitor[] } }, id: string) => lifetimeKey(w.engine.monitors().find((m) => m.id === id)!);


const ID = "main:BTCUSDT:long";

describe("a plan's stop the mark has passed", () => {
  test("is reported (alert or rule event) rather than left pending in silence, while it stays pending", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const w = await startWarden(clock, [main]);
    await cycleAfter(w);
    await cycleAfter(w);
    expect(workingStops(main.mem, "BTCUSDT").map((o) => o.triggerPrice)).toEqual([57_000]);
    // the trader tightens the stop to 59 500 just under the market; the market dips to 59 400 before the next cycle
    await w.store.updatePositionPlans((all) => ({ ...all, [ID]: { stop: { price: 59_500 }, at: START + 1, for: forOf(w, ID) } }));
    main.mem.setMark("BTCUSDT", 59_400);
    const before = w.sink.events.length;
    for (let i = 0; i < 10; i++) await cycleAfter(w);
    const m = w.engine.monitors().find((x) => x.id === ID)!;
    const said = w.sink.events.slice(before).filter((e) => (e.event === "alert" || e.event === "rule.applied") && JSON.stringify(e).includes("59500")).map((e) => e.event);
    expect({ exchangeStop: workingStops(main.mem, "BTCUSDT")[0]?.triggerPrice, planPending: m.planPending, told: said.length > 0 }).toEqual({ exchangeStop: 57_000, planPending: true, told: true });
  });
});

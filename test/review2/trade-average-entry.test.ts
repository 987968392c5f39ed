/**
 * Review 2: `warden trade` with limit entries and `%` levels. README "warden trade": the engine
 * "places the stop and the TPs the plan says, relative to the average entry for `%` levels".
 * The plan is applied once, when the first entry fills (planAt), so the levels stay relative
 * to the first fill: with entries 2 900 / 2 850 / 2 800 and `--stop 2%` the stop sits at
 * 2 842, above the third entry, which can then never fill while the stop stands.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { planTrade } from "../../core/domain/trade.ts";
import { START, account, cycleAfter, positionOf, startWarden, workingOrders, workingStops } from "../support/protection-rig.ts";

describe("warden trade: % levels follow the average entry", () => {
  test("after all three limit entries fill, the stop is 2% under the average entry and the TPs 1%/2% over it", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { ETHUSDT: 3_000 });
    const w = await startWarden(clock, [main]);
    await cycleAfter(w);
    const eth = (await main.mem.instruments()).get("ETHUSDT")!;
    const planned = planTrade({ account: "main", symbol: "ETHUSDT", side: "long", qty: 0.3, entries: [2_900, 2_850, 2_800], stop: { pct: 2 }, tps: { pcts: [1, 2] } }, eth, clock.now(), (await w.store.settings()).instance);
    if ("problems" in planned) throw new Error(planned.problems.join("; "));
    // what `warden trade` does: the plan in plans.json, then the entries
    await w.store.updatePositionPlans((all) => ({ ...all, "main:ETHUSDT:long": planned.plan }));
    for (const o of planned.orders) expect((await main.mem.place({ symbol: "ETHUSDT", linkId: o.linkId, side: o.side, type: o.type, qty: o.qty, reduceOnly: false, price: o.price! })).status).toBe("ok");
    await cycleAfter(w);

    for (const [i, price] of [2_900, 2_850, 2_800].entries()) {
      main.mem.setMark("ETHUSDT", price);
      main.mem.fill(planned.orders[i]!.linkId);
      for (let c = 0; c < 20; c++) await cycleAfter(w);
    }
    const position = (await positionOf(main.mem, "ETHUSDT"))!;
    expect({ size: position.size, entry: position.entryPrice }).toEqual({ size: 0.3, entry: 2_850 });
    const stops = workingStops(main.mem, "ETHUSDT").map((o) => [o.triggerPrice, o.qty]);
    const tps = workingOrders(main.mem, "ETHUSDT").filter((o) => o.triggerPrice === undefined && o.reduceOnly).map((o) => o.price).sort();
    // 2 850 x 0.98 = 2 793; 2 850 x 1.01 = 2 878.5, x 1.02 = 2 907
    expect({ stops, tps }).toEqual({ stops: [[2_793, 0.3]], tps: [2_878.5, 2_907] });
  });
});

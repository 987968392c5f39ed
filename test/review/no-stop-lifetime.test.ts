/**
 * Adversarial review: "without a stop by choice" is a per-position setting (DESIGN,
 * "Protection"), but it is stored by monitor id (account:symbol:side) and outlives the
 * position it was given for.
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { lifetimeKey } from "../../core/domain/link-id.ts";
import { START, account, alertSummary, cycleAfter, runFor, startWarden, stopsOf, workingStops } from "../support/protection-rig.ts";

describe("review: the no-stop choice", () => {
  test("a no-stop choice given for one position does not leave a later, new position on the same symbol and side without a stop", async () => {
    const clock = new VirtualClock(START);
    const main = account("main", clock, { BTCUSDT: 60_000 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
    const w = await startWarden(clock, [main]);
    await cycleAfter(w);
    await cycleAfter(w);
    // the trader runs today's scalp without a stop, told to Warden the documented way
    const scalp = w.engine.monitors().find((m) => m.id === "main:BTCUSDT:long")!;
    await w.store.saveSettings({ ...(await w.store.settings()), noStop: [lifetimeKey(scalp)] }); // what `warden no-stop main:BTCUSDT:long` writes
    await cycleAfter(w);
    if (scalp.noStop === true || w.engine.monitors().find((m) => m.id === "main:BTCUSDT:long")?.noStop !== true) throw new Error("setup: the choice should apply to the scalp");
    main.mem.cancelByHand(workingStops(main.mem, "BTCUSDT")[0]!.linkId);
    await runFor(w, 10_000);
    // the scalp is closed; Warden closes the monitor
    await main.mem.place({ symbol: "BTCUSDT", linkId: "trader-close", side: "sell", type: "market", qty: 0.1, reduceOnly: true });
    await runFor(w, 120_000);
    if (w.engine.monitors().some((m) => m.id === "main:BTCUSDT:long" && m.status === "active")) throw new Error("setup: the monitor should be closed");
    // the next day, a new long on BTCUSDT; Warden is restarted (a deploy, a reboot, or the next `run --once` from cron)
    clock.advance(24 * 3_600_000);
    main.mem.setPosition("BTCUSDT", "long", 0.2, 60_000);
    const next = await startWarden(clock, [main], { store: w.store });
    await runFor(next, 60_000);
    const monitor = next.engine.monitors().find((m) => m.id === "main:BTCUSDT:long" && m.status === "active");
    expect({ stops: stopsOf(main.mem, "BTCUSDT"), state: monitor?.protection?.state, alerts: alertSummary(next.sink) })
      .toMatchObject({ stops: [{ qty: 0.2, triggerPrice: 57_000 }], state: "protected" });
    expect((await next.store.settings()).noStop ?? []).toEqual([]); // the choice ended with its position
  });
});

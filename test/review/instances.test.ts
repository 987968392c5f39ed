/**
 * Adversarial review: two Warden instances on one account (DESIGN "Protection": one instance
 * per account; never two working orders of one role).
 */
import { describe, expect, test } from "bun:test";
import { VirtualClock } from "../../core/clock.ts";
import { MemoryStateStore } from "../../core/store/memory-state-store.ts";
import { START, ScriptedAccount, account, cycleAfter, startWarden, stopsOf, workingStops } from "../support/protection-rig.ts";

describe("review: two instances", () => {
  test("when the active instance's stop is cancelled by hand, the standing-by instance and the active one do not both restore a full-size stop", async () => {
    const clockA = new VirtualClock(START);
    const main = account("main", clockA, { BTCUSDT: 57_200 });
    main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000); // stop 57 000 is 0.35% away: critical, looked at every cycle
    const a = await startWarden(clockA, [main], { store: new MemoryStateStore() });
    await cycleAfter(a);
    await cycleAfter(a);
    const clockB = new VirtualClock(clockA.now() + 700);
    const b = await startWarden(clockB, [{ mem: main.mem, port: new ScriptedAccount(main.mem, clockB) }], { store: new MemoryStateStore() });
    for (let i = 0; i < 5; i++) await Promise.all([cycleAfter(a), cycleAfter(b)]);
    if (stopsOf(main.mem, "BTCUSDT").length !== 1) throw new Error(`setup: one stop expected, got ${JSON.stringify(stopsOf(main.mem, "BTCUSDT"))}`);
    main.mem.cancelByHand(workingStops(main.mem, "BTCUSDT")[0]!.linkId);
    const counts: number[] = [];
    for (let i = 0; i < 6; i++) {
      await Promise.all([cycleAfter(a), cycleAfter(b)]);
      counts.push(workingStops(main.mem, "BTCUSDT").length);
    }
    expect(counts).toEqual([1, 1, 1, 1, 1, 1]); // working stops after each pair of cycles
  });
});

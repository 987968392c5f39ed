/**
 * Review 2: `warden plan` merges a new plan into the one before (cli/commands/plan.ts merge),
 * so a later `warden plan SYMBOL --tp ...` carries the earlier `--stop` along with a new `at`.
 * The engine applies the merged plan whole: the stop, moved to breakeven after TP1 by a rule,
 * is amended back to the old plan's stop. DESIGN "Protection": "Stops only tighten. No rule
 * moves a stop against the position". The trader only moved the TPs.
 */
import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtualClock } from "../../core/clock.ts";
import { FileStateStore } from "../../core/store/file-state-store.ts";
import type { MemoryStateStore } from "../../core/store/memory-state-store.ts";
import { runCli } from "../support/in-process-cli.ts";
import { START, account, cycleAfter, positionOf, startWarden, workingOrders, workingStops } from "../support/protection-rig.ts";

describe("a later warden plan that changes only the TPs", () => {
  test("leaves a stop already moved to breakeven where it is", async () => {
    const parent = await mkdtemp(join(tmpdir(), "review2-merge-"));
    const dir = join(parent, "state");
    try {
      const clock = new VirtualClock(START);
      const main = account("main", clock, { BTCUSDT: 60_000 });
      main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
      const w = await startWarden(clock, [main], { store: new FileStateStore(dir) as unknown as MemoryStateStore });
      await cycleAfter(w);
      await cycleAfter(w);
      // the trader's plan: stop 58 500, TPs 61 000 / 62 000
      expect((await runCli(["plan", "BTCUSDT", "--stop", "58500", "--tp", "61000,62000", "--state-dir", dir])).code).toBe(0);
      for (let i = 0; i < 3; i++) await cycleAfter(w);
      expect(workingStops(main.mem, "BTCUSDT").map((o) => o.triggerPrice)).toEqual([58_500]);

      // TP1 fills at 61 000: the stop goes to breakeven
      main.mem.setMark("BTCUSDT", 61_000);
      const tp1 = workingOrders(main.mem, "BTCUSDT").find((o) => o.reduceOnly && o.triggerPrice === undefined && o.price === 61_000)!;
      main.mem.fill(tp1.linkId);
      for (let i = 0; i < 5; i++) await cycleAfter(w);
      expect((await positionOf(main.mem, "BTCUSDT"))!.size).toBe(0.05);
      const breakeven = workingStops(main.mem, "BTCUSDT")[0]!.triggerPrice!;
      expect(breakeven).toBeGreaterThanOrEqual(60_000);

      // the trader moves the TPs only
      const r = await runCli(["plan", "BTCUSDT", "--tp", "61000,63000", "--state-dir", dir]);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
      for (let i = 0; i < 5; i++) await cycleAfter(w);
      const tps = workingOrders(main.mem, "BTCUSDT").filter((o) => o.reduceOnly && o.triggerPrice === undefined).map((o) => o.price);
      expect({ tps, stops: workingStops(main.mem, "BTCUSDT").map((o) => o.triggerPrice) }).toEqual({ tps: [63_000], stops: [breakeven] });
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

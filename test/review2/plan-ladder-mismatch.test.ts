/**
 * Review 2: `warden plan SYMBOL --ladder 50,50` alone, for a position whose plan has three TPs.
 * The command checks the ladder's length only against TPs given in the same command
 * (position-plan.ts positionPlanProblems: `rungs` is undefined without --tp), then merges it
 * into the earlier plan (three TP prices): plans.json holds a plan its own check refuses
 * ("--ladder: one share per TP (3), got 2"). The engine applies it: a conservative ladder of
 * two shares over three TP orders. DESIGN invariant: "working TPs never above the size".
 */
import { describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtualClock } from "../../core/clock.ts";
import { FileStateStore } from "../../core/store/file-state-store.ts";
import type { MemoryStateStore } from "../../core/store/memory-state-store.ts";
import { runCli } from "../support/in-process-cli.ts";
import { START, account, cycleAfter, startWarden, workingOrders } from "../support/protection-rig.ts";

describe("warden plan --ladder for a plan with more TPs", () => {
  test("is refused, or leaves working TPs that add up to no more than the position", async () => {
    const parent = await mkdtemp(join(tmpdir(), "review2-ladder-"));
    const dir = join(parent, "state");
    try {
      const clock = new VirtualClock(START);
      const main = account("main", clock, { BTCUSDT: 60_000 });
      main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
      const w = await startWarden(clock, [main], { store: new FileStateStore(dir) as unknown as MemoryStateStore });
      await cycleAfter(w);
      expect((await runCli(["plan", "BTCUSDT", "--tp", "61000,62000,63000", "--state-dir", dir])).code).toBe(0);
      for (let i = 0; i < 3; i++) await cycleAfter(w);
      const tpQty = () => workingOrders(main.mem, "BTCUSDT").filter((o) => o.reduceOnly && o.triggerPrice === undefined).map((o) => [o.price, o.qty]).sort();
      expect(tpQty()).toEqual([[61_000, 0.034], [62_000, 0.033], [63_000, 0.033]]);

      const r = await runCli(["plan", "BTCUSDT", "--ladder", "50,50", "--state-dir", dir]);
      for (let i = 0; i < 5; i++) await cycleAfter(w);
      const total = tpQty().reduce((a, [, q]) => a + (q as number), 0);
      expect({ code: r.code, tps: tpQty(), withinSize: total <= 0.1 + 1e-9 }).toEqual(r.code === 2 ? { code: 2, tps: [[61_000, 0.034], [62_000, 0.033], [63_000, 0.033]], withinSize: true } : { code: 0, tps: expect.anything(), withinSize: true });
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

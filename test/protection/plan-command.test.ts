/**
 * `warden plan`: the plan of one open position, given while the engine runs: applied within
 * one cycle, the orders amended in place (never cancel-then-create for a stop); refused, with
 * nothing written, when it is inconsistent.
 */
import { describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VirtualClock } from "../../core/clock.ts";
import { lifetimeKey } from "../../core/domain/link-id.ts";
import type { Monitor } from "../../core/domain/monitor.ts";
import { FileStateStore } from "../../core/store/file-state-store.ts";
import { makeMonitor } from "../domain/builders.ts";
import { runCli } from "../support/in-process-cli.ts";
import { START, account, cycleAfter, startWarden, workingOrders, workingStops } from "../support/protection-rig.ts";

/** What `warden plan` records: the plan is for the open position's lifetime. */
const forOf = (w: { engine: { monitors(): readonly Monitor[] } }, id: string) => lifetimeKey(w.engine.monitors().find((m) => m.id === id)!);


const ID = "main:BTCUSDT:long";

async function running() {
  const clock = new VirtualClock(START);
  const main = account("main", clock, { BTCUSDT: 60_000 });
  main.mem.setPosition("BTCUSDT", "long", 0.1, 60_000);
  const w = await startWarden(clock, [main]);
  await cycleAfter(w);
  await cycleAfter(w);
  return { clock, main, w };
}

describe("warden plan applied by a running engine", () => {
  test("a new stop and TPs for an open position: the stop is amended in place within one cycle, the TPs placed on the plan's prices", async () => {
    const { main, w } = await running();
    const stop = workingStops(main.mem, "BTCUSDT")[0]!;
    expect(stop.triggerPrice).toBe(57_000);
    await w.store.updatePositionPlans((all) => ({ ...all, [ID]: { stop: { price: 58_500 }, tps: { pcts: [1, 2] }, at: START + 1, for: forOf(w, ID) } }));
    await cycleAfter(w);
    const after = workingStops(main.mem, "BTCUSDT");
    expect(after.map((o) => [o.linkId, o.triggerPrice, o.qty])).toEqual([[stop.linkId, 58_500, 0.1]]); // the same order, amended
    const tps = workingOrders(main.mem, "BTCUSDT").filter((o) => o.triggerPrice === undefined && o.reduceOnly).map((o) => [o.price, o.qty]);
    expect(tps.sort()).toEqual([[60_600, 0.05], [61_200, 0.05]]);
    expect(w.sink.named("plan.applied").map((e) => e["monitor"])).toEqual([ID]);
    await cycleAfter(w);
    const m = w.engine.monitors().find((x) => x.id === ID)!;
    expect({ pending: m.planPending, source: m.rules?.source }).toEqual({ pending: undefined, source: "trader plan" });
  });

  test("a later plan with fewer TPs moves them in place and cancels the rung it no longer has; an unchanged plan is applied once", async () => {
    const { main, w } = await running();
    await w.store.updatePositionPlans(() => ({ [ID]: { tps: { prices: [61_000, 62_000, 63_000] }, at: START + 1, for: forOf(w, ID) } }));
    await cycleAfter(w);
    await cycleAfter(w);
    await w.store.updatePositionPlans(() => ({ [ID]: { tps: { prices: [61_500, 62_500] }, ladder: [50, 50], at: START + 2, for: forOf(w, ID) } }));
    await cycleAfter(w);
    await cycleAfter(w);
    const tps = workingOrders(main.mem, "BTCUSDT").filter((o) => o.triggerPrice === undefined && o.reduceOnly).map((o) => [o.price, o.qty]);
    expect(tps.sort()).toEqual([[61_500, 0.05], [62_500, 0.05]]);
    await cycleAfter(w);
    expect(w.sink.named("plan.applied").length).toBe(2);
  });
});

describe("warden plan, the command", () => {
  async function withState(fn: (dir: string) => Promise<void>) {
    const parent = await mkdtemp(join(tmpdir(), "warden-plan-"));
    const dir = join(parent, "state");
    try {
      await new FileStateStore(dir).saveMonitors([makeMonitor({ plan: "fast" })]);
      await fn(dir);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  }

  test("records the plan of an open position in plans.json, and --list shows it and its source", async () => {
    await withState(async (dir) => {
      const set = await runCli(["plan", "BTCUSDT", "--stop", "2%", "--tp", "1%,2%", "--trail", "1:0.5%", "--state-dir", dir, "--json"]);
      expect(set.code).toBe(0);
      expect(JSON.parse(set.stdout)).toMatchObject({ monitor: ID, plan: { stop: { pct: 2 }, tps: { pcts: [1, 2] }, trail: { afterTp: 1, distancePct: 0.5 } } });
      const file = JSON.parse(await readFile(join(dir, "plans.json"), "utf8")) as { schema: number; checksum: string; plans: Record<string, unknown> };
      expect({ schema: file.schema, ids: Object.keys(file.plans), checksum: file.checksum.startsWith("sha256:") }).toEqual({ schema: 1, ids: [ID], checksum: true });
      // a second change records only what it gives: what the first set is already on the monitor, and is never set again
      expect((await runCli(["plan", "BTCUSDT", "--stop", "58000", "--state-dir", dir])).code).toBe(0);
      const listed = JSON.parse((await runCli(["plan", "--list", "--json", "--state-dir", dir])).stdout) as { monitor: string; source: string; given: Record<string, unknown> }[];
      expect(listed).toEqual([expect.objectContaining({ monitor: ID, source: "trader plan", given: { stop: { price: 58_000 }, at: expect.any(Number), for: lifetimeKey(makeMonitor({ plan: "fast" })) } })]);
    });
  });

  test("--no-stop runs the open position without a stop by choice (as warden no-stop), for this position only", async () => {
    await withState(async (dir) => {
      const r = await runCli(["plan", "BTCUSDT", "--no-stop", "--state-dir", dir, "--json"]);
      expect({ code: r.code, out: JSON.parse(r.stdout) }).toEqual({ code: 0, out: { monitor: ID, noStop: true } });
      expect((await new FileStateStore(dir).settings()).noStop).toEqual([lifetimeKey(makeMonitor({ plan: "fast" }))]);
    });
  });

  test("refuses an inconsistent plan, exit 2, one line, nothing written", async () => {
    await withState(async (dir) => {
      for (const [args, says] of [
        [["--stop", "61000"], "would trigger at once"],
        [["--tp", "59000,61000"], "take-profits go above the entry"],
        [["--tp", "62000,61000"], "nearest first"],
        [["--tp", "1%,2%", "--ladder", "50,40"], "shares must sum to 100"],
        [["--tp", "1%,2%", "--ladder", "100"], "one share per TP"],
        [["--trail", "soon"], "--trail expects"],
        [[], "at least one of"],
      ] as const) {
        const r = await runCli(["plan", "BTCUSDT", ...args, "--state-dir", dir]);
        expect({ args, code: r.code, says: r.stderr.includes(says), lines: r.stderr.trim().split("\n").length }).toEqual({ args, code: 2, says: true, lines: 1 });
      }
      const unknown = await runCli(["plan", "SOLUSDT", "--stop", "1%", "--state-dir", dir]);
      expect({ code: unknown.code, says: unknown.stderr.includes("no open position main:SOLUSDT") }).toEqual({ code: 2, says: true });
      expect(await readFile(join(dir, "plans.json"), "utf8").catch(() => "absent")).toBe("absent");
    });
  });
});

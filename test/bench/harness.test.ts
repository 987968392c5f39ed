import { describe, expect, test } from "bun:test";
import { runBench } from "../../core/bench/bench.ts";
import { allPass } from "../../core/bench/document.ts";
import { runHarness } from "../../core/bench/harness.ts";
import { loadScenario } from "../../core/sim/scenario.ts";
import { fakeOpen } from "./builders.ts";

const scenario = loadScenario("demo-30");

describe("harness", () => {
  test("runs every strategy on a fresh session with the same latency and seed, interleaved with a rotating order", async () => {
    const order: string[] = [];
    const open = fakeOpen();
    const run = await runHarness(scenario, {
      strategies: ["naive", "ttl", "warden"],
      cycles: 3,
      latency: "fixed:5",
      seed: 7,
      open,
      onCycle: (s) => order.push(s),
    });
    expect(open.opened.map((o) => [o.strategy, o.latency, o.seed])).toEqual([
      ["naive", "fixed:5", 7],
      ["ttl", "fixed:5", 7],
      ["warden", "fixed:5", 7],
    ]);
    expect(order).toEqual(["naive", "ttl", "warden", "ttl", "warden", "naive", "warden", "naive", "ttl"]);
    expect(run.samples.warden?.length).toBe(3);
  });

  test("fewer cycles for one strategy, and a strategy stops when its price path ends", async () => {
    const run = await runHarness(scenario, {
      strategies: ["naive", "warden"],
      cycles: 5,
      cyclesFor: { naive: 2 },
      latency: "zero",
      seed: 1,
      open: fakeOpen({}, 4),
    });
    expect(run.samples.naive?.length).toBe(2);
    expect(run.samples.warden?.length).toBe(4);
  });

  test("counts the calls made: adapter count, meter count and the simulated log agree per cycle", async () => {
    const run = await runHarness(scenario, { strategies: ["ttl"], cycles: 2, latency: "zero", seed: 1, open: fakeOpen() });
    for (const s of run.samples.ttl ?? []) {
      expect(s.restCalls).toBe(40);
      expect(s.readCalls).toBe(40);
      expect(s.simRequests).toBe(40);
      expect(s.poolWarnings).toBe(30);
      expect(s.floor).toMatchObject({ calls: 5, callsFollowingCursor: 9, latencyMs: 0 });
    }
  });
});

describe("bench gates over fake sessions", () => {
  test("demo-30-like figures pass every gate", async () => {
    const doc = await runBench({ strategies: ["naive", "ttl", "warden"], cycles: 4, latency: "recorded", seed: 1, open: fakeOpen() });
    expect(doc.gates.filter((g) => !g.pass)).toEqual([]);
    expect(allPass(doc)).toBe(true);
    expect(doc.ratios.warden?.vsNaive?.callsFewer).toBe(32);
  });

  test("a deliberately slowed warden (a fetch wrapper adding calls) fails its floor and naive-ratio gates", async () => {
    const doubling = (f: typeof fetch) => (async (input: RequestInfo | URL, init?: RequestInit) => {
      await f(input, init);
      return f(input, init);
    }) as typeof fetch;
    const doc = await runBench({
      strategies: ["naive", "warden"],
      cycles: 3,
      latency: "recorded",
      seed: 1,
      open: fakeOpen({ warden: { calls: 9 } }),
      fetchFor: { warden: doubling },
    });
    const failed = doc.gates.filter((g) => !g.pass).map((g) => g.id);
    expect(failed).toContain("warden.read-calls-at-floor");
    expect(failed).toContain("warden.calls-20x-fewer-than-naive");
    expect(allPass(doc)).toBe(false);
  });

  test("a slow warden cycle fails the latency-floor and 10x-shorter gates", async () => {
    const doc = await runBench({ strategies: ["naive", "warden"], cycles: 3, latency: "recorded", seed: 1, open: fakeOpen({ warden: { durationMs: 600 } }) });
    const byId = new Map(doc.gates.map((g) => [g.id, g]));
    expect(byId.get("warden.read-only-cycle-p95-within-1.5x-latency-floor-p95")).toMatchObject({ pass: false, value: 600, limit: 1.5 * doc.floor.latencyMsP95 });
    expect(byId.get("warden.cycle-p50-10x-shorter-than-naive")?.pass).toBe(false);
    expect(byId.get("old.cycle-max-under-8s")?.pass).toBe(true);
  });

  test("a sweep reports each size and gates warden's calls on the floor and its CPU per monitor", async () => {
    const doc = await runBench({ monitors: [6, 12], cycles: 2, latency: "zero", seed: 1, open: fakeOpen() });
    expect(doc.sweep?.map((r) => r.monitors)).toEqual([6, 12]);
    expect(doc.gates.map((g) => g.id)).toEqual(expect.arrayContaining(["sweep.6.read-calls-at-floor", "sweep.12.read-calls-at-floor", "sweep.cpu-per-monitor-flat"]));
    expect(doc.notes).toContain("zero latency: the latency-floor gate does not apply (the floor is 0 ms)");
  });
});

import { describe, expect, test } from "bun:test";
import { runBench } from "../../core/bench/bench.ts";
import { allPass } from "../../core/bench/document.ts";
import { figuresOf, STEADY_FROM_CYCLE } from "../../core/bench/cycle-sample.ts";
import { runHarness } from "../../core/bench/harness.ts";
import { loadScenario } from "../../core/sim/scenario.ts";
import { fakeOpen, makeSample } from "./builders.ts";

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

describe("client model", () => {
  test("naive and ttl are opened with the old system's throttled ccxt client, warden without, and the document says which", async () => {
    const open = fakeOpen();
    const doc = await runBench({ strategies: ["naive", "ttl", "warden"], cycles: 2, latency: "zero", seed: 1, open });
    expect(open.opened.map((o) => [o.strategy, o.legacyClient])).toEqual([["naive", true], ["ttl", true], ["warden", false]]);
    expect([doc.strategies.naive?.client, doc.strategies.ttl?.client, doc.strategies.warden?.client]).toEqual(["ccxt-throttle", "ccxt-throttle", "no-throttle"]);
  });

  test("legacyThrottle false opens every strategy unthrottled", async () => {
    const open = fakeOpen();
    const doc = await runBench({ strategies: ["naive", "warden"], cycles: 1, latency: "zero", seed: 1, legacyThrottle: false, open });
    expect(open.opened.map((o) => o.legacyClient)).toEqual([false, false]);
    expect(doc.strategies.naive?.client).toBe("no-throttle");
  });
});

describe("CPU figures", () => {
  test("the engine's CPU is averaged over the steady cycles; the wide figure over all", () => {
    const samples = [1, 2, 3, 4, 5, 6].map((cycle) => makeSample({ cycle, cpuMicros: 40_000, engineCpuMicros: cycle < STEADY_FROM_CYCLE ? 100_000 : 4_000 }));
    const f = figuresOf("warden", samples);
    expect(f.engineCpuMs.steadyFrom).toBe(STEADY_FROM_CYCLE);
    expect(f.engineCpuMs.steadyCycles).toBe(6 - STEADY_FROM_CYCLE + 1);
    expect(f.engineCpuMs.steadyMean).toBeCloseTo(4, 6);
    expect(f.engineCpuMs.mean).toBeGreaterThan(4);
    expect(f.cpuMs.mean).toBeCloseTo(40, 6);
  });

  test("at zero latency the CPU gate reads the engine's own CPU, not the wide figure", async () => {
    const light = await runBench({ strategies: ["naive", "warden"], cycles: 6, latency: "zero", seed: 1, open: fakeOpen({ warden: { engineCpuMicros: 5_000 } }) });
    const heavy = await runBench({ strategies: ["naive", "warden"], cycles: 6, latency: "zero", seed: 1, open: fakeOpen({ warden: { engineCpuMicros: 25_000 } }) });
    const cpuGate = (d: typeof light) => d.gates.find((g) => g.id === "warden.engine-cpu-ms-per-steady-cycle-under-20-at-zero-latency");
    expect(cpuGate(light)).toMatchObject({ value: 5, limit: 20, pass: true });
    expect(cpuGate(heavy)).toMatchObject({ value: 25, pass: false });
    expect(allPass(heavy)).toBe(false);
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
    expect(failed).toContain("warden.read-only-cycles-read-at-floor");
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
    expect(doc.gates.map((g) => g.id)).toEqual(expect.arrayContaining(["sweep.6.read-only-cycles-read-at-floor", "sweep.12.read-only-cycles-read-at-floor", "sweep.cpu-per-monitor-flat"]));
    expect(doc.notes).toContain("zero latency: the latency-floor gate does not apply (the floor is 0 ms)");
  });
});

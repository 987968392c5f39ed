import { describe, expect, test } from "bun:test";
import { runBench } from "../../core/bench/bench.ts";
import { allPass } from "../../core/bench/document.ts";
import { runHarness } from "../../core/bench/harness.ts";
import type { OpenSession } from "../../core/bench/session-port.ts";
import { openBenchSession, type SimBenchSession } from "../../core/bench/sim-bench-session.ts";
import { sleep } from "../../core/clock.ts";
import type { ReadPathName as StrategyName } from "../../core/engine/read-path.ts";
import { loadScenario } from "../../core/sim/scenario.ts";
import { generateScenario } from "../../core/sim/scenario-gen.ts";

const scenario = loadScenario("demo-30");
/**
 * The accounting test runs the legacy strategies with the old system's throttled client (as
 * the bench does), which spaces each account's reads 100 ms apart: a demo-30-shaped scenario
 * of 8 monitors keeps that to about a second per cycle.
 */
const small = generateScenario({ monitors: 8, seed: 1 });

/** Opens real sessions and remembers each one's simulator log length before its first cycle. */
function recordingOpen(): OpenSession & { sessions: Map<StrategyName, { session: SimBenchSession; logAtStart: number }> } {
  const sessions = new Map<StrategyName, { session: SimBenchSession; logAtStart: number }>();
  const open: OpenSession = async (sc, opts) => {
    const session = await openBenchSession(sc, opts);
    sessions.set(opts.strategy, { session, logAtStart: session.inner.sim.log.length });
    return session;
  };
  return Object.assign(open, { sessions });
}

describe("bench accounting against the simulator's own request log", () => {
  test("the calls counted for each strategy are the requests the simulator logged", async () => {
    const open = recordingOpen();
    const run = await runHarness(small, { strategies: ["naive", "ttl", "warden"], cycles: 2, latency: "zero", seed: 3, open });
    expect([run.clients.naive, run.clients.ttl, run.clients.warden]).toEqual(["ccxt-throttle", "ccxt-throttle", "no-throttle"]);
    for (const strategy of ["naive", "ttl", "warden"] as const) {
      const samples = run.samples[strategy] ?? [];
      const rec = open.sessions.get(strategy);
      if (!rec) throw new Error(`no session for ${strategy}`);
      const logged = rec.session.inner.sim.log.length - rec.logAtStart;
      const counted = samples.reduce((n, s) => n + s.restCalls, 0);
      const metered = samples.reduce((n, s) => n + s.readCalls + s.writeCalls, 0);
      expect(samples.length).toBe(2);
      expect(logged).toBeGreaterThan(0);
      expect({ strategy, counted, metered }).toEqual({ strategy, counted: logged, metered: logged });
      expect(samples.reduce((n, s) => n + s.simRequests, 0)).toBe(logged);
    }
    const naive = run.samples.naive ?? [];
    const warden = run.samples.warden ?? [];
    // naive reads per monitor, warden per account: more calls for the same scenario.
    expect(naive[0]?.restCalls ?? 0).toBeGreaterThan(3 * (warden[0]?.restCalls ?? 0));
  }, 30_000);

  test("a warden slowed by a fetch wrapper fails its latency gate and the bench verdict", async () => {
    const slow = (f: typeof fetch) => (async (input: RequestInfo | URL, init?: RequestInit) => {
      await sleep(150);
      return f(input, init);
    }) as typeof fetch;
    const doc = await runBench({ strategies: ["warden"], cycles: 2, latency: "fixed:5", seed: 3, open: openBenchSession, fetchFor: { warden: slow } });
    const latency = doc.gates.find((g) => g.id === "warden.read-only-cycle-p95-within-1.5x-latency-floor-p95");
    expect(latency?.pass).toBe(false);
    expect(latency?.limit).toBe(15);
    expect(allPass(doc)).toBe(false);
  }, 30_000);
});

describe("the transport's CPU is the simulator's side of the wire", () => {
  test("with zero latency every request is answered in its own counted window, and none is left uncounted", async () => {
    const session = await openBenchSession(scenario, { strategy: "warden", latency: "zero", seed: 3 });
    try {
      const before = session.transport?.windows ?? 0;
      const sim0 = session.simRequests();
      await session.cycle();
      await session.cycle();
      expect((session.transport?.windows ?? 0) - before).toBe(session.simRequests() - sim0);
      expect(session.transport?.impureWindows).toBe(0);
      expect(session.transport?.cpuMicros ?? 0).toBeGreaterThan(0);
      expect(session.simCpuMicros()).toBeGreaterThanOrEqual(session.transport?.cpuMicros ?? 0);
    } finally {
      await session.close();
    }
  });

  test("with latency the transport is not isolated and nothing of it is subtracted", async () => {
    const session = await openBenchSession(scenario, { strategy: "warden", latency: "fixed:2", seed: 3 });
    try {
      await session.cycle();
      expect(session.transport?.windows).toBe(0);
      expect(session.transport?.cpuMicros).toBe(0);
    } finally {
      await session.close();
    }
  });
});

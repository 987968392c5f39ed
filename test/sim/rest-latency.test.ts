import { describe, expect, test } from "bun:test";
import { LatencyModel, RECORDED_LATENCY, latencyClassOf, parseLatencyProfile } from "../../core/sim/latency.ts";
import { createSimulator } from "../../core/sim/simulator.ts";
import { buildScenario, publicGet } from "../support/sim-requests.ts";

const PATHS = ["/v5/market/time", "/v5/order/realtime", "/v5/position/list", "/v5/order/create", "/v5/position/trading-stop"];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

describe("latency profiles", () => {
  test("zero delays nothing", () => {
    const m = new LatencyModel("zero", 1);
    expect(PATHS.map((p) => m.delayFor(p))).toEqual([0, 0, 0, 0, 0]);
  });

  test("fixed:MS delays every endpoint by MS, and control routes by nothing", () => {
    const m = new LatencyModel("fixed:25", 1);
    expect(PATHS.map((p) => m.delayFor(p))).toEqual([25, 25, 25, 25, 25]);
    expect(m.delayFor("/__sim/step")).toBe(0);
  });

  test("recorded draws the same delays for the same seed and others for another seed", () => {
    const draw = (seed: number) => {
      const m = new LatencyModel("recorded", seed);
      return Array.from({ length: 30 }, (_, i) => m.delayFor(PATHS[i % PATHS.length]!));
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
  });

  test("recorded keeps each endpoint class within its table's bounds, writes slowest and market fastest", () => {
    const m = new LatencyModel("recorded", 9);
    const sample = (path: string) => Array.from({ length: 301 }, () => m.delayFor(path));
    const market = sample("/v5/market/tickers");
    const read = sample("/v5/order/realtime");
    const write = sample("/v5/order/amend");
    for (const [xs, c] of [
      [market, RECORDED_LATENCY.market],
      [read, RECORDED_LATENCY.read],
      [write, RECORDED_LATENCY.write],
    ] as const) {
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(c.minMs);
      expect(Math.max(...xs)).toBeLessThanOrEqual(c.maxMs);
    }
    expect(median(market)).toBeLessThan(median(read));
    expect(median(read)).toBeLessThan(median(write));
  });

  test("classifies endpoints", () => {
    expect(["/v5/market/time", "/v5/order/history", "/v5/order/cancel-all", "/__sim/state"].map(latencyClassOf)).toEqual(["market", "read", "write", "control"]);
  });

  test("parses profile names and rejects others", () => {
    expect(["recorded", "zero", "fixed:50", "fast", "fixed:", "fixed:-1"].map(parseLatencyProfile)).toEqual(["recorded", "zero", "fixed:50", undefined, undefined, undefined]);
  });
});

describe("latency in handle()", () => {
  test("a delayed response resolves after an undelayed one started at the same time", async () => {
    const slow = createSimulator(buildScenario(), { latency: "fixed:40" });
    const fast = createSimulator(buildScenario(), { latency: "zero" });
    const order: string[] = [];
    await Promise.all([
      slow.handle(publicGet("/v5/market/time")).then(() => order.push("slow")),
      fast.handle(publicGet("/v5/market/time")).then(() => order.push("fast")),
    ]);
    expect(order).toEqual(["fast", "slow"]);
  });

  test("takes the scenario's latency profile unless overridden", () => {
    expect(createSimulator(buildScenario({ latency: "fixed:5" })).latency).toBe("fixed:5");
    expect(createSimulator(buildScenario({ latency: "fixed:5" }), { latency: "zero" }).latency).toBe("zero");
  });
});

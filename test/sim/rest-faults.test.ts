import { describe, expect, test } from "bun:test";
import type { FaultSpec } from "../../core/sim/faults.ts";
import { createSimulator } from "../../core/sim/simulator.ts";
import { buildScenario, envelopeOf, publicGet, signedGet, signedPost } from "../support/sim-requests.ts";

const main = { apiKey: "sim-main-key", apiSecret: "sim-main-secret" };
const order = { category: "linear", symbol: "BTCUSDT", side: "Buy", orderType: "Limit", qty: "0.001", price: "50000" };
const openOrders = { category: "linear", settleCoin: "USDT", limit: 50 };

function makeSim(faults: FaultSpec[], seed = 1) {
  const clock = { now: 1_800_000_000_000 };
  const sim = createSimulator(buildScenario(), { latency: "zero", faults, seed, wallClock: () => clock.now });
  return { sim, clock };
}

async function openCount(sim: ReturnType<typeof makeSim>["sim"], at: number): Promise<number> {
  const res = await sim.handle(signedGet(main, "/v5/order/realtime", openOrders, { timestamp: at }));
  return envelopeOf(res).result.list?.length ?? -1;
}

describe("fault kinds", () => {
  test("timeout: the response never comes and the write is not applied", async () => {
    const { sim, clock } = makeSim([{ kind: "timeout", path: "/v5/order/create" }]);
    const res = await sim.handle(signedPost(main, "/v5/order/create", order, { timestamp: clock.now }));
    expect(res.hang).toBe(true);
    expect(await openCount(sim, clock.now)).toBe(2);
  });

  test("lost-response: the write IS applied, then the response never comes", async () => {
    const { sim, clock } = makeSim([{ kind: "lost-response", path: "/v5/order/create" }]);
    const res = await sim.handle(signedPost(main, "/v5/order/create", order, { timestamp: clock.now }));
    expect(res.hang).toBe(true);
    expect(await openCount(sim, clock.now)).toBe(3);
  });

  test("5xx: HTTP 502 then 503 with an HTML body", async () => {
    const { sim } = makeSim([{ kind: "5xx", path: "/v5/market/time", count: 2 }]);
    const a = await sim.handle(publicGet("/v5/market/time"));
    const b = await sim.handle(publicGet("/v5/market/time"));
    expect([a.status, b.status]).toEqual([502, 503]);
    expect(String(a.body)).toContain("502 Bad Gateway");
    expect(a.headers["Content-Type"]).toBe("text/html");
    expect((await sim.handle(publicGet("/v5/market/time"))).status).toBe(200);
  });

  test("10006: Bybit's rate-limit envelope with the limit headers at zero", async () => {
    const { sim, clock } = makeSim([{ kind: "10006", path: "/v5/order/realtime" }]);
    const res = await sim.handle(signedGet(main, "/v5/order/realtime", openOrders, { timestamp: clock.now }));
    expect(res.status).toBe(200);
    expect(envelopeOf(res).retCode).toBe(10006);
    expect(res.headers["X-Bapi-Limit-Status"]).toBe("0");
  });

  test("10016: Bybit's server-error envelope, the write not applied", async () => {
    const { sim, clock } = makeSim([{ kind: "10016", path: "/v5/order/create" }]);
    const res = await sim.handle(signedPost(main, "/v5/order/create", order, { timestamp: clock.now }));
    expect(envelopeOf(res).retCode).toBe(10016);
    expect(await openCount(sim, clock.now)).toBe(2);
  });

  test("403: HTTP 403 'access too frequent'", async () => {
    const { sim } = makeSim([{ kind: "403" }]);
    const res = await sim.handle(publicGet("/v5/market/time"));
    expect([res.status, res.body]).toEqual([403, "access too frequent"]);
  });

  test("clock-skew: signed requests fail with 10002 until the client resyncs from /v5/market/time", async () => {
    const { sim, clock } = makeSim([{ kind: "clock-skew", skewMs: 60_000 }]);
    expect(envelopeOf(await sim.handle(signedGet(main, "/v5/order/realtime", openOrders, { timestamp: clock.now }))).retCode).toBe(10002);
    const time = envelopeOf(await sim.handle(publicGet("/v5/market/time")));
    expect(time.time).toBe(clock.now + 60_000);
    expect(time.result["timeSecond"]).toBe(String(Math.floor((clock.now + 60_000) / 1000)));
    const offset = time.time - clock.now;
    expect(envelopeOf(await sim.handle(signedGet(main, "/v5/order/realtime", openOrders, { timestamp: clock.now + offset }))).retCode).toBe(0);
  });
});

describe("fault scope", () => {
  test("applies only to its path", async () => {
    const { sim } = makeSim([{ kind: "403", path: "/v5/market/tickers" }]);
    expect((await sim.handle(publicGet("/v5/market/time"))).status).toBe(200);
    expect((await sim.handle(publicGet("/v5/market/tickers", "category=linear"))).status).toBe(403);
  });

  test("applies only to requests carrying its account's key", async () => {
    const { sim, clock } = makeSim([{ kind: "10016", account: "mirror" }]);
    expect(envelopeOf(await sim.handle(signedGet(main, "/v5/order/realtime", openOrders, { timestamp: clock.now }))).retCode).toBe(0);
  });

  test("applies only between fromStep and toStep", async () => {
    const { sim } = makeSim([{ kind: "403", fromStep: 2, toStep: 3 }]);
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await sim.handle(publicGet("/v5/market/time"))).status);
      sim.step(1);
    }
    expect(statuses).toEqual([200, 200, 403, 403, 200]);
  });

  test("fires at most count times", async () => {
    const { sim } = makeSim([{ kind: "403", count: 2 }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await sim.handle(publicGet("/v5/market/time"))).status);
    expect(statuses).toEqual([403, 403, 200, 200]);
  });

  test("fires with its probability, the same way for the same seed", async () => {
    const run = async (seed: number) => {
      const { sim } = makeSim([{ kind: "403", probability: 0.5 }], seed);
      const out = [];
      for (let i = 0; i < 40; i++) out.push((await sim.handle(publicGet("/v5/market/time"))).status);
      return out;
    };
    const a = await run(3);
    expect(await run(3)).toEqual(a);
    expect(a.filter((s) => s === 403).length).toBeGreaterThan(5);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(5);
  });

  test("comes from the scenario's faults too", async () => {
    const clock = { now: 1_800_000_000_000 };
    const sim = createSimulator(buildScenario({ faults: [{ kind: "10016", path: "/v5/market/time" }] }), { latency: "zero", wallClock: () => clock.now });
    expect(envelopeOf(await sim.handle(publicGet("/v5/market/time"))).retCode).toBe(10016);
  });

  test("never touches the control routes", async () => {
    const { sim } = makeSim([{ kind: "403" }]);
    expect((await sim.handle(publicGet("/__sim/state"))).status).toBe(200);
  });
});

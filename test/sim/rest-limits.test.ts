import { describe, expect, test } from "bun:test";
import { createSimulator, type SimulatorOptions } from "../../core/sim/simulator.ts";
import { buildScenario, envelopeOf, publicGet, signedGet, signedPost } from "../support/sim-requests.ts";

const main = { apiKey: "sim-main-key", apiSecret: "sim-main-secret" };
const mirror = { apiKey: "sim-mirror-key", apiSecret: "sim-mirror-secret" };

/** A simulator on a wall clock the test moves by hand, so windows never roll by accident. */
function makeSim(opts: SimulatorOptions = {}) {
  const clock = { now: 1_800_000_000_000 };
  const scenario = buildScenario({
    fields: {
      accounts: {
        main: { ...main, balance: 10_000 },
        mirror: { ...mirror, balance: 10_000, ratio: 0.5 },
      },
    },
  });
  const sim = createSimulator(scenario, { latency: "zero", wallClock: () => clock.now, ...opts });
  return { sim, clock };
}

const order = { category: "linear", symbol: "BTCUSDT", side: "Buy", orderType: "Limit", qty: "0.001", price: "50000" };

describe("per-account endpoint limits", () => {
  test("the 11th order create within one second gets 10006 with Bybit's limit headers", async () => {
    const { sim, clock } = makeSim();
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push(await sim.handle(signedPost(main, "/v5/order/create", order, { timestamp: clock.now })));
    expect(answers.slice(0, 10).map((r) => envelopeOf(r).retCode)).toEqual(Array(10).fill(0));
    const refused = answers[10]!;
    expect(refused.status).toBe(200);
    expect(envelopeOf(refused).retCode).toBe(10006);
    expect(envelopeOf(refused).retMsg).toBe("Too many visits. Exceeded the API Rate Limit.");
    expect(refused.headers["X-Bapi-Limit"]).toBe("10");
    expect(refused.headers["X-Bapi-Limit-Status"]).toBe("0");
    expect(refused.headers["X-Bapi-Limit-Reset-Timestamp"]).toBe(String(clock.now + 1_000));
  });

  test("every authenticated response carries the limit headers, counting down", async () => {
    const { sim, clock } = makeSim();
    const q = { category: "linear", settleCoin: "USDT" };
    const a = await sim.handle(signedGet(main, "/v5/position/list", q, { timestamp: clock.now }));
    const b = await sim.handle(signedGet(main, "/v5/position/list", q, { timestamp: clock.now }));
    expect([a.headers["X-Bapi-Limit"], a.headers["X-Bapi-Limit-Status"]]).toEqual(["50", "49"]);
    expect(b.headers["X-Bapi-Limit-Status"]).toBe("48");
  });

  test("the limit is per endpoint and per account, and frees up a second later", async () => {
    const { sim, clock } = makeSim();
    const q = { category: "linear", settleCoin: "USDT" };
    for (let i = 0; i < 50; i++) await sim.handle(signedGet(main, "/v5/order/realtime", q, { timestamp: clock.now }));
    expect(envelopeOf(await sim.handle(signedGet(main, "/v5/order/realtime", q, { timestamp: clock.now }))).retCode).toBe(10006);
    expect(envelopeOf(await sim.handle(signedGet(main, "/v5/position/list", q, { timestamp: clock.now }))).retCode).toBe(0);
    expect(envelopeOf(await sim.handle(signedGet(mirror, "/v5/order/realtime", q, { timestamp: clock.now }))).retCode).toBe(0);
    clock.now += 1_000;
    expect(envelopeOf(await sim.handle(signedGet(main, "/v5/order/realtime", q, { timestamp: clock.now }))).retCode).toBe(0);
  });

  test("the window rolls: a request is allowed once the one a second before it has left", async () => {
    const { sim, clock } = makeSim();
    const create = async () => envelopeOf(await sim.handle(signedPost(main, "/v5/order/create", order, { timestamp: clock.now }))).retCode;
    const t0 = clock.now;
    for (let i = 0; i < 5; i++) expect(await create()).toBe(0);
    clock.now = t0 + 500;
    for (let i = 0; i < 5; i++) expect(await create()).toBe(0);
    clock.now = t0 + 999;
    expect(await create()).toBe(10006);
    clock.now = t0 + 1_000; // the five from t0 have left; the five from t0+500 have not
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push(await create());
    expect(codes).toEqual([0, 0, 0, 0, 0, 10006]);
  });

  test("a response within the limit says the current time as its reset timestamp, as Bybit documents", async () => {
    const { sim, clock } = makeSim();
    const res = await sim.handle(signedPost(main, "/v5/order/create", order, { timestamp: clock.now }));
    expect(res.headers["X-Bapi-Limit-Reset-Timestamp"]).toBe(String(clock.now));
  });

  test("rateLimits: false lets any rate through", async () => {
    const { sim, clock } = makeSim({ rateLimits: false });
    const codes = [];
    for (let i = 0; i < 15; i++) codes.push(envelopeOf(await sim.handle(signedPost(main, "/v5/order/create", order, { timestamp: clock.now }))).retCode);
    expect(codes).toEqual(Array(15).fill(0));
  });
});

describe("per-IP limit", () => {
  test("the 601st request from one IP within 5 s gets HTTP 403 'access too frequent' as plain text", async () => {
    const { sim } = makeSim();
    for (let i = 0; i < 600; i++) expect((await sim.handle(publicGet("/v5/market/time", "", "10.0.0.1"))).status).toBe(200);
    const banned = await sim.handle(publicGet("/v5/market/time", "", "10.0.0.1"));
    expect(banned.status).toBe(403);
    expect(banned.body).toBe("access too frequent");
    expect(banned.headers["Content-Type"]).toBe("text/plain");
  });

  test("other IPs are not affected, and with ipBanMs 0 the ban ends when the window has room again", async () => {
    const { sim, clock } = makeSim({ ipBanMs: 0 });
    for (let i = 0; i < 601; i++) await sim.handle(publicGet("/v5/market/time", "", "10.0.0.1"));
    expect((await sim.handle(publicGet("/v5/market/time", "", "10.0.0.2"))).status).toBe(200);
    clock.now += 5_000;
    expect((await sim.handle(publicGet("/v5/market/time", "", "10.0.0.1"))).status).toBe(200);
  });

  test("every account's signed requests from one IP share its window: 50 accounts x 12 requests fill it, the next from any of them gets 403, and ipLimit() reports the peak and the refusals", async () => {
    const clock = { now: 1_800_000_000_000 };
    const keys = Array.from({ length: 50 }, (_, i) => ({ apiKey: `sim-a${i}-key`, apiSecret: `sim-a${i}-secret` }));
    const scenario = buildScenario({ fields: { accounts: { main: { ...main, balance: 10_000 }, ...Object.fromEntries(keys.map((k, i) => [`a${i}`, { ...k, balance: 10_000 }])) } } });
    const sim = createSimulator(scenario, { latency: "zero", wallClock: () => clock.now });
    const q = { category: "linear", settleCoin: "USDT" };
    const codes = new Set<number>();
    for (let round = 0; round < 12; round++) {
      for (const k of keys) {
        clock.now += 1; // 600 requests over 0.6 s: far under each account's 50/s per endpoint
        const res = await sim.handle(signedGet(k, round % 2 === 0 ? "/v5/position/list" : "/v5/order/realtime", q, { timestamp: clock.now }));
        codes.add(res.status * 100_000 + envelopeOf(res).retCode);
      }
    }
    expect([...codes]).toEqual([200 * 100_000]);
    expect(sim.ipLimit()).toEqual({ limit: 600, windowMs: 5_000, peak: 600, refused: 0 });
    const refused = await sim.handle(signedGet(keys[49]!, "/v5/position/list", q, { timestamp: clock.now }));
    expect(refused.status).toBe(403);
    expect(sim.ipLimit()).toMatchObject({ peak: 600, refused: 1 });
    expect(sim.log.filter((e) => e.status === 403).map((e) => e.account)).toEqual(["a49"]);
  });

  test("by default the IP stays banned for Bybit's 10 minutes", async () => {
    const { sim, clock } = makeSim();
    for (let i = 0; i < 601; i++) await sim.handle(publicGet("/v5/market/time", "", "10.0.0.1"));
    clock.now += 599_999;
    expect((await sim.handle(publicGet("/v5/market/time", "", "10.0.0.1"))).status).toBe(403);
    clock.now += 1;
    expect((await sim.handle(publicGet("/v5/market/time", "", "10.0.0.1"))).status).toBe(200);
  });

  test("every account's signed requests count against the one IP window, and the ban refuses them all", async () => {
    const { sim, clock } = makeSim();
    const q = { category: "linear", settleCoin: "USDT" };
    const paths = ["/v5/position/list", "/v5/order/realtime"];
    const statuses: number[] = [];
    // 600 requests of two accounts over 4 s: each account and endpoint under its own 50 a second
    for (let i = 0; i < 600; i++) {
      clock.now += i % 150 === 0 && i > 0 ? 1_000 : 0;
      const creds = i % 2 === 0 ? main : mirror;
      const res = await sim.handle(signedGet(creds, paths[Math.floor(i / 2) % 2]!, q, { timestamp: clock.now }));
      statuses.push(res.status === 200 ? envelopeOf(res).retCode : res.status);
    }
    expect(statuses.filter((s) => s !== 0)).toEqual([]);
    const over = await sim.handle(signedGet(mirror, "/v5/position/list", q, { timestamp: clock.now }));
    expect([over.status, over.body]).toEqual([403, "access too frequent"]);
    clock.now += 5_000; // the window has room again, but the IP is banned
    for (const creds of [main, mirror]) expect((await sim.handle(signedGet(creds, "/v5/position/list", q, { timestamp: clock.now }))).status).toBe(403);
  });
});

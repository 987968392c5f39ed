import { describe, expect, test } from "bun:test";
import { loadScenario } from "../../core/sim/scenario.ts";
import { createSimulator, type Simulator } from "../../core/sim/simulator.ts";
import { buildScenario, envelopeOf, publicGet, signedGet, signedPost, type Envelope } from "../support/sim-requests.ts";

const main = { apiKey: "sim-main-key", apiSecret: "sim-main-secret" };

async function pub(sim: Simulator, path: string, query: string): Promise<Envelope> {
  return envelopeOf(await sim.handle(publicGet(path, query)));
}

describe("market endpoints", () => {
  const sim = createSimulator(loadScenario("demo-30"), { latency: "zero", rateLimits: false });

  test("linear instruments page through the cursor and end with an empty cursor, as recorded", async () => {
    const all = (await pub(sim, "/v5/market/instruments-info", "category=linear&limit=1000")).result.list ?? [];
    expect(all.length).toBeGreaterThan(2);
    const symbols: unknown[] = [];
    let query = "category=linear&limit=2";
    for (let i = 0; i < 50; i++) {
      const env = await pub(sim, "/v5/market/instruments-info", query);
      symbols.push(...(env.result.list ?? []).map((r) => r["symbol"]));
      if (env.result.nextPageCursor === "") break;
      query = `category=linear&limit=2&cursor=${env.result.nextPageCursor}`;
    }
    expect(symbols).toEqual(all.map((r) => r["symbol"]));
    expect([...symbols].sort()).toEqual(symbols);
  });

  test("pre-launch and option listings are empty; spot and inverse answer the recordings", async () => {
    expect((await pub(sim, "/v5/market/instruments-info", "category=linear&limit=1000&status=PreLaunch")).result.list).toEqual([]);
    expect((await pub(sim, "/v5/market/instruments-info", "category=option&baseCoin=BTC")).result.list).toEqual([]);
    expect((await pub(sim, "/v5/market/instruments-info", "category=spot")).result.list).toHaveLength(7);
    expect((await pub(sim, "/v5/market/instruments-info", "category=inverse&limit=1000")).result.list).toHaveLength(2);
  });

  test("refuses a missing or unknown category with 10001", async () => {
    expect((await pub(sim, "/v5/market/instruments-info", "")).retCode).toBe(10001);
    expect((await pub(sim, "/v5/market/tickers", "category=futures")).retCode).toBe(10001);
  });

  test("tickers answer one symbol or all", async () => {
    expect((await pub(sim, "/v5/market/tickers", "category=linear&symbol=BTCUSDT")).result.list?.map((r) => r["symbol"])).toEqual(["BTCUSDT"]);
    expect((await pub(sim, "/v5/market/tickers", "category=linear")).result.list?.length).toBeGreaterThan(1);
  });
});

describe("account endpoints", () => {
  const sim = createSimulator(buildScenario(), { latency: "zero" });

  test("the API-key info says unified trading account, with the caller's key and no secret", async () => {
    const env = envelopeOf(await sim.handle(signedGet(main, "/v5/user/query-api")));
    expect([env.result["apiKey"], env.result["uta"], env.result["secret"], env.result["readOnly"]]).toEqual([main.apiKey, 1, "", 0]);
  });

  test("account info reports UTA 2.0", async () => {
    expect(envelopeOf(await sim.handle(signedGet(main, "/v5/account/info"))).result["unifiedMarginStatus"]).toBe(6);
  });

  test("wallet balance answers the unified account and refuses other account types", async () => {
    const ok = envelopeOf(await sim.handle(signedGet(main, "/v5/account/wallet-balance", { accountType: "UNIFIED" })));
    expect(ok.result.list?.[0]?.["accountType"]).toBe("UNIFIED");
    expect(envelopeOf(await sim.handle(signedGet(main, "/v5/account/wallet-balance", { accountType: "CONTRACT" }))).retCode).toBe(10001);
  });

  test("writes refuse a category other than linear and a body that is not JSON", async () => {
    const spot = await sim.handle(signedPost(main, "/v5/order/cancel-all", { category: "spot", symbol: "BTCUSDT" }));
    expect(envelopeOf(spot).retCode).toBe(10001);
    const bad = await sim.handle(signedPost(main, "/v5/order/cancel-all", "{not json"));
    expect(envelopeOf(bad).retCode).toBe(10001);
    expect(envelopeOf(bad).retMsg).toContain("JSON");
  });
});

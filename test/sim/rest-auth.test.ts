import { describe, expect, test } from "bun:test";
import { createSimulator } from "../../core/sim/simulator.ts";
import { buildScenario, envelopeOf, publicGet, signedGet, signedPost } from "../support/sim-requests.ts";

const main = { apiKey: "sim-main-key", apiSecret: "sim-main-secret" };
const positions = { category: "linear", settleCoin: "USDT" };

function makeSim() {
  return createSimulator(buildScenario(), { latency: "zero" });
}

describe("signatures", () => {
  test("accepts a correctly signed GET and answers in Bybit's envelope", async () => {
    const res = await makeSim().handle(signedGet(main, "/v5/position/list", positions));
    const env = envelopeOf(res);
    expect(res.status).toBe(200);
    expect(env.retCode).toBe(0);
    expect(env.retMsg).toBe("OK");
    expect(env.retExtInfo).toEqual({});
    expect(typeof env.time).toBe("number");
    expect(env.result.list?.[0]?.["symbol"]).toBe("BTCUSDT");
  });

  test("accepts a correctly signed POST (the signature covers the raw body)", async () => {
    const sim = makeSim();
    const res = await sim.handle(
      signedPost(main, "/v5/order/create", { category: "linear", symbol: "BTCUSDT", side: "Buy", orderType: "Limit", qty: "0.001", price: "50000" }),
    );
    expect(envelopeOf(res).retCode).toBe(0);
    expect(typeof envelopeOf(res).result["orderId"]).toBe("string");
  });

  test("refuses a wrong secret with 10004 and HTTP 200", async () => {
    const res = await makeSim().handle(signedGet(main, "/v5/position/list", positions, { secret: "wrong" }));
    expect(res.status).toBe(200);
    expect(envelopeOf(res).retCode).toBe(10004);
    expect(envelopeOf(res).retMsg).toStartWith("error sign!");
  });

  test("refuses a body changed after signing with 10004", async () => {
    const req = signedPost(main, "/v5/order/cancel", { category: "linear", symbol: "BTCUSDT", orderId: "x" });
    const res = await makeSim().handle({ ...req, body: req.body.replace('"x"', '"y"') });
    expect(envelopeOf(res).retCode).toBe(10004);
  });

  test("refuses an unknown API key with 10003", async () => {
    const res = await makeSim().handle(signedGet({ apiKey: "nobody", apiSecret: "s" }, "/v5/position/list", positions));
    expect(envelopeOf(res).retCode).toBe(10003);
    expect(envelopeOf(res).retMsg).toBe("API key is invalid.");
  });

  test("refuses a missing API key with 10003", async () => {
    const res = await makeSim().handle(publicGet("/v5/position/list", "category=linear&settleCoin=USDT"));
    expect(envelopeOf(res).retCode).toBe(10003);
  });

  test("refuses a timestamp older than the receive window with 10002 in Bybit's message shape", async () => {
    const res = await makeSim().handle(signedGet(main, "/v5/position/list", positions, { timestamp: Date.now() - 6_000, recvWindow: "5000" }));
    expect(envelopeOf(res).retCode).toBe(10002);
    expect(envelopeOf(res).retMsg).toMatch(/^invalid request, please check your server timestamp or recv_window param\. req_timestamp\[\d+\],server_timestamp\[\d+\],recv_window\[5000\]$/);
  });

  test("refuses a timestamp more than a second ahead with 10002", async () => {
    const res = await makeSim().handle(signedGet(main, "/v5/position/list", positions, { timestamp: Date.now() + 3_000 }));
    expect(envelopeOf(res).retCode).toBe(10002);
  });

  test("checks the receive window against the wall clock, not the venue's virtual clock", async () => {
    const sim = makeSim();
    sim.step(5); // the virtual clock moves 25 s ahead
    const res = await sim.handle(signedGet(main, "/v5/position/list", positions));
    expect(envelopeOf(res).retCode).toBe(0);
  });

  test("answers public market endpoints without a signature", async () => {
    const sim = makeSim();
    for (const [path, query] of [
      ["/v5/market/time", ""],
      ["/v5/market/instruments-info", "category=linear"],
      ["/v5/market/tickers", "category=linear&symbol=BTCUSDT"],
    ] as const) {
      expect(envelopeOf(await sim.handle(publicGet(path, query))).retCode).toBe(0);
    }
  });

  test("logs every request with its account and retCode", async () => {
    const sim = makeSim();
    await sim.handle(signedGet(main, "/v5/position/list", positions));
    await sim.handle(signedGet(main, "/v5/position/list", positions, { secret: "wrong" }));
    await sim.handle(publicGet("/v5/market/time"));
    expect(sim.log.map((e) => [e.path, e.account, e.status, e.retCode])).toEqual([
      ["/v5/position/list", "main", 200, 0],
      ["/v5/position/list", "main", 200, 10004],
      ["/v5/market/time", undefined, 200, 0],
    ]);
  });

  test("answers an unknown path with HTTP 404", async () => {
    const res = await makeSim().handle(publicGet("/v5/nothing/here"));
    expect(res.status).toBe(404);
  });
});

describe("a revoke-keys intervention", () => {
  test("from its step on, the account's signed requests are refused with 10003 and logged under it; other accounts are unaffected", async () => {
    const mirror = { apiKey: "sim-mirror-key", apiSecret: "sim-mirror-secret" };
    const sim = createSimulator(
      buildScenario({
        fields: {
          accounts: { main: { ...main, balance: 10_000 }, mirror: { ...mirror, balance: 10_000 } },
          interventions: [{ step: 2, action: "revoke-keys", account: "mirror" }],
        },
      }),
      { latency: "zero" },
    );
    const code = async (who: typeof main) => envelopeOf(await sim.handle(signedGet(who, "/v5/position/list", positions))).retCode;
    sim.step(1);
    expect([await code(main), await code(mirror)]).toEqual([0, 0]);
    sim.step(1);
    expect([await code(main), await code(mirror)]).toEqual([0, 10003]);
    expect(sim.log.at(-1)).toMatchObject({ account: "mirror", retCode: 10003 });
    expect((sim.state() as { interventions: { action: string; outcome: string }[] }).interventions).toContainEqual(expect.objectContaining({ action: "revoke-keys", account: "mirror", outcome: "revoked" }));
  });
});

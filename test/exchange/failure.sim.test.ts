/**
 * Failure classification against the simulator's fault injection: the faults Bybit's edge
 * produces, as ccxt sees them through msw, come out of the adapter as the policy says.
 */
import { describe, expect, test } from "bun:test";
import { createBybitAccount } from "../../core/exchange/ccxt-adapter.ts";
import { ExchangeReadError } from "../../core/exchange/failure.ts";
import type { AccountExchange } from "../../core/exchange/port.ts";
import type { FaultSpec } from "../../core/sim/faults.ts";
import { simHandlers } from "../../core/sim/msw.ts";
import { mswFetch } from "../../core/sim/msw-fetch.ts";
import { loadScenario } from "../../core/sim/scenario.ts";
import { createSimulator, type Simulator } from "../../core/sim/simulator.ts";

function onSim(faults: FaultSpec[]): { sim: Simulator; exchange: AccountExchange; key: string; secret: string } {
  const sim = createSimulator(loadScenario("basic"), { latency: "zero", rateLimits: false, faults });
  const main = sim.venue.accounts().find((a) => a.id === "main");
  if (main === undefined) throw new Error("no main account");
  const exchange = createBybitAccount({ account: "main", apiKey: main.apiKey, secret: main.apiSecret, fetch: mswFetch(simHandlers(sim)), timeoutMs: 100, readRetry: { retries: 1, baseDelayMs: 1, sleep: async () => {} } });
  return { sim, exchange, key: main.apiKey, secret: main.apiSecret };
}

const stop = { symbol: "BTCUSDT", linkId: "f-sl", side: "sell" as const, type: "market" as const, qty: 0.1, triggerPrice: 58000, triggerDirection: "fall" as const, reduceOnly: true, closeOnTrigger: true };

describe("simulator faults, classified", () => {
  const reads: [FaultSpec["kind"], string][] = [
    ["10006", "rate-limited"],
    ["403", "ip-banned"],
    ["5xx", "retryable"],
    ["10016", "retryable"],
    ["timeout", "retryable"],
  ];
  for (const [kind, expected] of reads) {
    test(`a ${kind} fault on the open-order listing is a ${expected} read`, async () => {
      const { exchange } = onSim([{ kind, path: "/v5/order/realtime" }]);
      const error = await exchange.openOrders().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExchangeReadError);
      expect((error as ExchangeReadError).readKind).toBe(expected as ExchangeReadError["readKind"]);
    });
  }

  test("a transient fault that clears is retried and the read succeeds", async () => {
    const { exchange, sim } = onSim([{ kind: "5xx", path: "/v5/position/list", count: 1 }]);
    expect((await exchange.positions()).map((p) => p.symbol)).toEqual(["BTCUSDT"]);
    const statuses = sim.log.filter((e) => e.path === "/v5/position/list").map((e) => e.status);
    expect(statuses).toHaveLength(2);
    expect(statuses[0]).toBeGreaterThanOrEqual(500);
    expect(statuses[1]).toBe(200);
  });

  test("clock skew is re-synced from the exchange's time and the read retried", async () => {
    const { exchange, sim } = onSim([{ kind: "clock-skew", skewMs: 60_000 }]);
    expect((await exchange.positions()).map((p) => p.symbol)).toEqual(["BTCUSDT"]);
    expect(sim.log.some((e) => e.path === "/v5/market/time")).toBe(true);
    expect(sim.log.filter((e) => e.retCode === 10002).length).toBeGreaterThan(0);
  });

  test("a lost response on create is an unknown outcome, and the lookup finds the order applied", async () => {
    const { exchange, sim } = onSim([{ kind: "lost-response", path: "/v5/order/create", count: 1 }]);
    expect((await exchange.place(stop)).status).toBe("unknown");
    expect(sim.log.filter((e) => e.path === "/v5/order/create")).toHaveLength(1);
    expect((await exchange.lookupOrder("BTCUSDT", "f-sl"))?.status).toBe("untriggered");
    expect(await exchange.place(stop)).toEqual({ status: "exists" });
  });

  test("a timeout on create is unknown and is not retried", async () => {
    const { exchange, sim } = onSim([{ kind: "timeout", path: "/v5/order/create", count: 1 }]);
    expect((await exchange.place(stop)).status).toBe("unknown");
    expect(sim.log.filter((e) => e.path === "/v5/order/create")).toHaveLength(1);
    expect(await exchange.lookupOrder("BTCUSDT", "f-sl")).toBeUndefined();
  });

  test("a 10006 on cancel is rate-limited; a 403 on amend is an IP ban", async () => {
    const { exchange } = onSim([{ kind: "10006", path: "/v5/order/cancel" }, { kind: "403", path: "/v5/order/amend" }]);
    expect((await exchange.cancel("BTCUSDT", "seed-BTCUSDT-tp1")).status).toBe("rate-limited");
    expect((await exchange.amend({ symbol: "BTCUSDT", linkId: "seed-BTCUSDT-tp1", price: 61500 })).status).toBe("ip-banned");
  });

  test("the simulator's signature error echoing the key never reaches a message", async () => {
    const sim = createSimulator(loadScenario("basic"), { latency: "zero", rateLimits: false });
    const main = sim.venue.accounts().find((a) => a.id === "main");
    if (main === undefined) throw new Error("no main account");
    const exchange = createBybitAccount({ account: "main", apiKey: main.apiKey, secret: "wrong-secret-value", fetch: mswFetch(simHandlers(sim)) });
    const error = (await exchange.positions().catch((e: unknown) => e)) as ExchangeReadError;
    expect(error.readKind).toBe("auth");
    expect(error.message).not.toContain(main.apiKey);
    expect(error.message).not.toContain("wrong-secret-value");
    const outcome = await exchange.place(stop);
    expect(outcome).toMatchObject({ status: "rejected", code: "BYBIT_10004" });
    expect(JSON.stringify(outcome)).not.toContain(main.apiKey);
  });
});

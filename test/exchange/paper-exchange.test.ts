/**
 * The paper exchange of `run --dry-run` over the ccxt adapter on the simulator. It keeps the
 * order part of the port's contract (place, look up, amend, cancel, list, by linkId); the rest
 * of the contract (market fills, reduce-only refusals, positions moved by orders, write
 * requests counted) does not apply, since its orders never fill and its writes make no request.
 * That part is this focused suite instead: reads pass through, writes become an overlay, and
 * the simulator's own request log shows no write.
 */
import { describe, expect, test } from "bun:test";
import { createBybitAccount } from "../../core/exchange/ccxt-adapter.ts";
import { PaperExchange } from "../../core/exchange/paper-exchange.ts";
import type { PlaceOrder } from "../../core/exchange/port.ts";
import { simHandlers } from "../../core/sim/msw.ts";
import { mswFetch } from "../../core/sim/msw-fetch.ts";
import type { Scenario } from "../../core/sim/scenario-schema.ts";
import { loadScenario } from "../../core/sim/scenario.ts";
import { createSimulator, type Simulator } from "../../core/sim/simulator.ts";
import { buildScenario } from "../support/sim-requests.ts";
import { describeOrderContract } from "./port.contract.ts";

const WRITE_PATHS = ["/v5/order/create", "/v5/order/amend", "/v5/order/cancel", "/v5/order/cancel-all"];

/** A paper exchange over the adapter on a simulator playing `scenario` (basic: a long BTCUSDT 0.1 @ 60000, a TP at 61000, a stop at 59000). */
function paperOnSimulator(scenario: Scenario = loadScenario("basic")) {
  const sim = createSimulator(scenario, { latency: "zero", rateLimits: false });
  const main = sim.venue.accounts().find((a) => a.id === "main");
  if (main === undefined) throw new Error(`${scenario.name} has no main account`);
  const real = createBybitAccount({ account: "main", apiKey: main.apiKey, secret: main.apiSecret, fetch: mswFetch(simHandlers(sim)) });
  const paper = new PaperExchange(real, { now: () => sim.venue.now() });
  return { sim, real, paper };
}

/** Write requests that reached the simulator, from its own log. */
function writesLogged(sim: Simulator): number {
  return sim.log.filter((e) => WRITE_PATHS.includes(e.path)).length;
}

/** The simulator's open orders on main's BTCUSDT, read off the venue (no request). */
function venueOrders(sim: Simulator): string[] {
  return sim.venue
    .openOrders("main", { symbol: "BTCUSDT" })
    .map((o) => `${String(o["orderLinkId"])} ${String(o["qty"])} ${String(o["price"])} ${String(o["triggerPrice"])}`)
    .sort();
}

describeOrderContract("PaperExchange over the ccxt adapter on the simulator", () => {
  const { paper } = paperOnSimulator();
  return { exchange: paper, symbol: "BTCUSDT", mark: 60000 };
});

describe("PaperExchange", () => {
  const resting = (linkId: string, over: Partial<PlaceOrder> = {}): PlaceOrder => ({ symbol: "BTCUSDT", linkId, side: "buy", type: "limit", qty: 0.001, price: 50000, reduceOnly: false, ...over });

  test("reads pass through: positions, instruments and open orders are the real exchange's while nothing was written", async () => {
    const { real, paper } = paperOnSimulator();
    expect(await paper.positions()).toEqual(await real.positions());
    expect(await paper.position("BTCUSDT")).toEqual(await real.position("BTCUSDT"));
    expect([...(await paper.instruments()).keys()]).toEqual([...(await real.instruments()).keys()]);
    expect(await paper.openOrders()).toEqual(await real.openOrders());
    expect(await paper.lookupOrder("BTCUSDT", "seed-BTCUSDT-sl")).toEqual((await real.lookupOrder("BTCUSDT", "seed-BTCUSDT-sl"))!);
    expect(paper.account).toBe("main");
    expect(paper.paper).toBe(true);
  });

  test("sends no write request: place, amend and cancel of paper and real orders leave the simulator's orders as they were", async () => {
    const { sim, paper } = paperOnSimulator();
    const before = venueOrders(sim);
    expect((await paper.place(resting("p-1"))).status).toBe("ok");
    expect((await paper.amend({ symbol: "BTCUSDT", linkId: "p-1", price: 50100 })).status).toBe("ok");
    expect((await paper.cancel("BTCUSDT", "p-1")).status).toBe("ok");
    expect((await paper.amend({ symbol: "BTCUSDT", linkId: "seed-BTCUSDT-sl", triggerPrice: 59500, qty: 0.1 })).status).toBe("ok");
    expect((await paper.cancel("BTCUSDT", "seed-BTCUSDT-tp1")).status).toBe("ok");
    expect((await paper.place({ symbol: "BTCUSDT", linkId: "p-close", side: "sell", type: "market", qty: 0.1, reduceOnly: true })).status).toBe("ok");
    expect(writesLogged(sim)).toBe(0);
    expect(sim.log.length).toBeGreaterThan(0); // the log does record this exchange's reads
    expect(Object.keys(paper.requestStats().byEndpoint).filter((p) => WRITE_PATHS.includes(p))).toEqual([]);
    expect(paper.requestStats().total).toBe(sim.log.length);
    expect(venueOrders(sim)).toEqual(before);
    expect((await paper.position("BTCUSDT"))?.size).toBe(0.1); // the paper market close did not fill
  });

  test("a real order amended on paper shows the amend in listings and lookups; the exchange keeps it as it was", async () => {
    const { sim, real, paper } = paperOnSimulator();
    expect((await paper.amend({ symbol: "BTCUSDT", linkId: "seed-BTCUSDT-sl", triggerPrice: 59500 })).status).toBe("ok");
    expect((await paper.amend({ symbol: "BTCUSDT", linkId: "seed-BTCUSDT-sl", qty: 0.05 })).status).toBe("ok");
    expect((await paper.openOrders("BTCUSDT")).find((o) => o.linkId === "seed-BTCUSDT-sl")).toMatchObject({ triggerPrice: 59500, qty: 0.05, status: "untriggered" });
    expect(await paper.lookupOrder("BTCUSDT", "seed-BTCUSDT-sl")).toMatchObject({ triggerPrice: 59500, qty: 0.05 });
    expect(await real.lookupOrder("BTCUSDT", "seed-BTCUSDT-sl")).toMatchObject({ triggerPrice: 59000, qty: 0.1 });
    expect(writesLogged(sim)).toBe(0);
  });

  test("a real order cancelled on paper leaves listings and is looked up cancelled; a second cancel or an amend answers gone", async () => {
    const { real, paper } = paperOnSimulator();
    expect((await paper.cancel("BTCUSDT", "seed-BTCUSDT-tp1")).status).toBe("ok");
    expect((await paper.openOrders()).some((o) => o.linkId === "seed-BTCUSDT-tp1")).toBe(false);
    expect((await paper.lookupOrder("BTCUSDT", "seed-BTCUSDT-tp1"))?.status).toBe("cancelled");
    expect(await paper.cancel("BTCUSDT", "seed-BTCUSDT-tp1")).toEqual({ status: "gone" });
    expect(await paper.amend({ symbol: "BTCUSDT", linkId: "seed-BTCUSDT-tp1", price: 61500 })).toEqual({ status: "gone" });
    expect((await real.openOrders()).some((o) => o.linkId === "seed-BTCUSDT-tp1")).toBe(true);
  });

  test("a cancelled stop is deactivated, as Bybit reports a conditional cancelled before its trigger", async () => {
    const { paper } = paperOnSimulator();
    await paper.cancel("BTCUSDT", "seed-BTCUSDT-sl");
    expect((await paper.lookupOrder("BTCUSDT", "seed-BTCUSDT-sl"))?.status).toBe("deactivated");
  });

  test("an amend or cancel of an order the exchange does not have answers gone, as Bybit's 110001", async () => {
    const { paper } = paperOnSimulator();
    expect(await paper.amend({ symbol: "BTCUSDT", linkId: "never-placed", qty: 0.01 })).toEqual({ status: "gone" });
    expect(await paper.cancel("BTCUSDT", "never-placed")).toEqual({ status: "gone" });
  });

  test("an amend Bybit would refuse is refused: a trigger on a resting limit", async () => {
    const { paper } = paperOnSimulator();
    expect(await paper.amend({ symbol: "BTCUSDT", linkId: "seed-BTCUSDT-tp1", triggerPrice: 61500 })).toMatchObject({ status: "rejected", code: "BYBIT_10001" });
    await paper.place(resting("p-limit"));
    expect(await paper.amend({ symbol: "BTCUSDT", linkId: "p-limit", triggerPrice: 50500 })).toMatchObject({ status: "rejected", code: "BYBIT_10001" });
  });

  test("paper orders never fill: a paper TP the price runs through stays working, while the real TP cancelled on paper only fills on the exchange", async () => {
    const { sim, paper } = paperOnSimulator();
    await paper.cancel("BTCUSDT", "seed-BTCUSDT-tp1");
    await paper.place({ symbol: "BTCUSDT", linkId: "p-tp", side: "sell", type: "limit", qty: 0.1, price: 60100, reduceOnly: true });
    while (!sim.finished()) sim.step(1);
    expect(await paper.lookupOrder("BTCUSDT", "p-tp")).toMatchObject({ status: "open", filledQty: 0 });
    // the real TP at 61000 did fill on the exchange, closing the position: that wins
    expect((await paper.lookupOrder("BTCUSDT", "seed-BTCUSDT-tp1"))?.status).toBe("filled");
    expect(await paper.position("BTCUSDT")).toBeUndefined();
  });

  test("what happens on the exchange wins over a paper amend: a real TP amended on paper and then filled is looked up filled", async () => {
    const { sim, paper } = paperOnSimulator();
    expect((await paper.amend({ symbol: "BTCUSDT", linkId: "seed-BTCUSDT-tp1", qty: 0.05 })).status).toBe("ok");
    while (!sim.finished()) sim.step(1);
    expect(await paper.lookupOrder("BTCUSDT", "seed-BTCUSDT-tp1")).toMatchObject({ status: "filled", qty: 0.1 });
    expect((await paper.openOrders()).some((o) => o.linkId === "seed-BTCUSDT-tp1")).toBe(false);
  });

  test("a paper write whose look-up of the real order fails is unknown, never gone, so the engine settles it", async () => {
    const { sim, paper } = paperOnSimulator(buildScenario({ faults: [{ kind: "5xx", path: "/v5/order/realtime" }] }));
    expect(await paper.amend({ symbol: "BTCUSDT", linkId: "seed-BTCUSDT-sl", triggerPrice: 59500 })).toMatchObject({ status: "unknown" });
    expect(await paper.cancel("BTCUSDT", "seed-BTCUSDT-sl")).toMatchObject({ status: "unknown" });
    expect(writesLogged(sim)).toBe(0);
  });
});

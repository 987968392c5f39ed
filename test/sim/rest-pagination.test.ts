import { describe, expect, test } from "bun:test";
import { decodeCursor, encodeCursor, orderKey, paginate } from "../../core/sim/pagination.ts";
import { createSimulator, type Simulator } from "../../core/sim/simulator.ts";
import { buildScenario, envelopeOf, signedGet, type Envelope } from "../support/sim-requests.ts";

const main = { apiKey: "sim-main-key", apiSecret: "sim-main-secret" };

/** basic has 2 open orders on main; 60 extra make 62. */
function makeSim(extraOrders = 60): Simulator {
  return createSimulator(buildScenario({ extraOrders }), { latency: "zero", rateLimits: false });
}

async function get(sim: Simulator, path: string, query: Record<string, string | number>): Promise<Envelope> {
  return envelopeOf(await sim.handle(signedGet(main, path, query)));
}

async function allPages(sim: Simulator, path: string, query: Record<string, string | number>): Promise<{ ids: string[]; pages: Envelope[] }> {
  const pages: Envelope[] = [];
  let cursor = "";
  for (let i = 0; i < 20; i++) {
    const env = await get(sim, path, cursor === "" ? query : { ...query, cursor });
    pages.push(env);
    if (env.result.nextPageCursor === "" || env.result.list?.length === 0) break;
    cursor = env.result.nextPageCursor ?? "";
  }
  const ids = pages.flatMap((p) => (p.result.list ?? []).map((r) => String(r["orderId"])));
  return { ids, pages };
}

describe("open orders pagination (/v5/order/realtime)", () => {
  test("returns Bybit's default 20 orders without a limit, missing the rest", async () => {
    const env = await get(makeSim(), "/v5/order/realtime", { category: "linear", settleCoin: "USDT" });
    expect(env.result.list).toHaveLength(20);
    expect(env.result.nextPageCursor).not.toBe("");
  });

  test("with limit 50 and the cursor returns every one of more than 50 orders, each once", async () => {
    const sim = makeSim();
    const { ids, pages } = await allPages(sim, "/v5/order/realtime", { category: "linear", settleCoin: "USDT", limit: 50 });
    expect(ids).toHaveLength(62);
    expect(new Set(ids).size).toBe(62);
    expect(pages.map((p) => p.result.list?.length)).toEqual([50, 12, 0]);
  });

  test("gives the last page a non-empty cursor, and the page after it is empty with an empty cursor", async () => {
    const { pages } = await allPages(makeSim(), "/v5/order/realtime", { category: "linear", settleCoin: "USDT", limit: 50 });
    expect(pages[1]?.result.nextPageCursor).not.toBe("");
    expect(pages[2]?.result.list).toEqual([]);
    expect(pages[2]?.result.nextPageCursor).toBe("");
  });

  test("a single order still comes with a cursor, as Bybit's recording shows", async () => {
    const env = await get(makeSim(0), "/v5/order/realtime", { category: "linear", symbol: "BTCUSDT", orderLinkId: "seed-BTCUSDT-tp1" });
    expect(env.result.list).toHaveLength(1);
    expect(decodeURIComponent(env.result.nextPageCursor ?? "")).toMatch(/^[0-9a-f-]+:\d+,[0-9a-f-]+:\d+$/);
  });

  test("refuses a limit above 50 with 10001", async () => {
    const env = await get(makeSim(), "/v5/order/realtime", { category: "linear", settleCoin: "USDT", limit: 51 });
    expect(env.retCode).toBe(10001);
  });

  test("requires symbol, baseCoin or settleCoin", async () => {
    const env = await get(makeSim(), "/v5/order/realtime", { category: "linear" });
    expect(env.retCode).toBe(10001);
  });

  test("filters conditional orders with orderFilter=StopOrder", async () => {
    const env = await get(makeSim(), "/v5/order/realtime", { category: "linear", settleCoin: "USDT", orderFilter: "StopOrder" });
    expect(env.result.list?.map((r) => r["orderLinkId"])).toEqual(["seed-BTCUSDT-sl"]);
  });
});

describe("other listings", () => {
  test("position list pages up to 200 and defaults to 20", async () => {
    const sim = makeSim(0);
    expect((await get(sim, "/v5/position/list", { category: "linear", settleCoin: "USDT", limit: 200 })).result.list).toHaveLength(1);
    expect((await get(sim, "/v5/position/list", { category: "linear", settleCoin: "USDT", limit: 201 })).retCode).toBe(10001);
  });

  test("order history and executions page with their own cursors", async () => {
    const sim = makeSim(0);
    sim.step(5); // the TP at 61000 fills at step 4
    const history = await allPages(sim, "/v5/order/history", { category: "linear", symbol: "BTCUSDT", limit: 1 });
    expect(history.ids.length).toBeGreaterThanOrEqual(1);
    expect(history.pages.at(-1)?.result.list).toEqual([]);
    const execs = await get(sim, "/v5/execution/list", { category: "linear", symbol: "BTCUSDT", limit: 100 });
    expect(execs.result.list?.length).toBeGreaterThanOrEqual(1);
    expect((await get(sim, "/v5/execution/list", { category: "linear", limit: 101 })).retCode).toBe(10001);
  });
});

describe("cursor", () => {
  const rec = (id: string, t: number) => ({ orderId: id, createdTime: String(t) });
  const list = [rec("e", 5), rec("d", 4), rec("c", 3), rec("b", 2), rec("a", 1)];

  test("round-trips through its URL-encoded form", () => {
    expect(decodeCursor(encodeCursor({ id: "x", time: 1 }, { id: "y", time: 2 }))).toEqual({ id: "y", time: 2 });
  });

  test("resumes after the named record", () => {
    const first = paginate(list, 2, null, orderKey);
    expect(paginate(list, 2, first.nextPageCursor, orderKey).list.map((r) => r.orderId)).toEqual(["c", "b"]);
  });

  test("resumes at the first older record when the named one has left the listing", () => {
    const first = paginate(list, 2, null, orderKey);
    const without = list.filter((r) => r.orderId !== "d");
    expect(paginate(without, 2, first.nextPageCursor, orderKey).list.map((r) => r.orderId)).toEqual(["c", "b"]);
  });

  test("never skips records that share the millisecond of a record that left the listing", () => {
    const same = ["a", "b", "c", "d", "e"].map((id) => rec(id, 7));
    const first = paginate(same, 2, null, orderKey);
    expect(first.list.map((r) => r.orderId)).toEqual(["a", "b"]);
    const without = same.filter((r) => r.orderId !== "b");
    expect(paginate(without, 2, first.nextPageCursor, orderKey).list.map((r) => r.orderId)).toEqual(["c", "d"]);
  });
});

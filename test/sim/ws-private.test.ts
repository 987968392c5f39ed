/**
 * The simulator speaks Bybit's private WebSocket (`/v5/private` on the server's port): a bare
 * client on the runtime's WebSocket signs in, subscribes and gets Bybit-shaped pushes for
 * orders a plain ccxt client places over REST.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { startServer, type SimServer } from "../../core/sim/server.ts";
import { createSimulator, type Simulator } from "../../core/sim/simulator.ts";
import { maxActiveMs } from "../../core/sim/ws-server.ts";
import { bybitOnSim, type Bybit } from "../support/ccxt-sim.ts";
import { buildScenario } from "../support/sim-requests.ts";
import { authArgs, isTopic, openPrivate, privateUrl, type PrivateProbe, type WsJson } from "../support/ws-private-client.ts";

const SYMBOL = "BTC/USDT:USDT";
const MAIN = { key: "sim-main-key", secret: "sim-main-secret" };
const MIRROR = { key: "sim-mirror-key", secret: "sim-mirror-secret" };

let sim: Simulator;
let server: SimServer;
let bybit: Bybit;
const open: PrivateProbe[] = [];

async function connect(query = ""): Promise<PrivateProbe> {
  const probe = await openPrivate(privateUrl(server.url, query));
  open.push(probe);
  return probe;
}

async function signedIn(who = MAIN, topics: string[] = ["order.linear", "execution.linear", "position.linear"]): Promise<PrivateProbe> {
  const probe = await connect();
  expect((await probe.request("auth", authArgs(who.key, who.secret))).success).toBe(true);
  expect((await probe.request("subscribe", topics)).success).toBe(true);
  return probe;
}

/** Every push sent before this pong has arrived: messages on one connection keep their order. */
async function settled(probe: PrivateProbe): Promise<WsJson[]> {
  await probe.request("ping");
  return probe.messages.filter((m) => typeof m.topic === "string");
}

beforeAll(async () => {
  sim = createSimulator(
    buildScenario({
      fields: {
        accounts: {
          main: { apiKey: MAIN.key, apiSecret: MAIN.secret, balance: 10_000 },
          mirror: { apiKey: MIRROR.key, apiSecret: MIRROR.secret, balance: 10_000, ratio: 1 },
        },
      },
    }),
    { latency: "zero" },
  );
  server = await startServer(sim, { port: 0, stream: { venue: sim.venue } });
  bybit = bybitOnSim(sim, { url: server.url });
  await bybit.loadMarkets();
});

afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

afterAll(async () => {
  await server.close();
});

describe("auth", () => {
  test("signs in with [apiKey, expires, signature], expires a number or a string, and echoes req_id", async () => {
    const a = await connect();
    const reply = await a.request("auth", authArgs(MAIN.key, MAIN.secret));
    expect(reply).toEqual({ success: true, ret_msg: "", op: "auth", conn_id: expect.any(String), req_id: expect.any(String) });
    const b = await connect();
    expect((await b.request("auth", authArgs(MAIN.key, MAIN.secret, String(Date.now() + 5_000)))).success).toBe(true);
  });

  test("refuses an expired expires with Params Error", async () => {
    const probe = await connect();
    const reply = await probe.request("auth", authArgs(MAIN.key, MAIN.secret, Date.now() - 1));
    expect(reply).toMatchObject({ success: false, ret_msg: "Params Error", op: "auth" });
  });

  test("refuses a wrong signature and an unknown key, and the connection stays signed out", async () => {
    const probe = await connect();
    expect(await probe.request("auth", authArgs(MAIN.key, "not-the-secret"))).toMatchObject({ success: false, ret_msg: "Request not authorized", op: "auth" });
    expect(await probe.request("auth", authArgs("nobody", MAIN.secret))).toMatchObject({ success: false, ret_msg: "Request not authorized" });
    expect(await probe.request("subscribe", ["order"])).toMatchObject({ success: false, ret_msg: "Request not authorized", op: "subscribe" });
  });

  test("refuses a second auth on a signed-in connection", async () => {
    const probe = await connect();
    await probe.request("auth", authArgs(MAIN.key, MAIN.secret));
    expect(await probe.request("auth", authArgs(MAIN.key, MAIN.secret))).toMatchObject({ success: false, op: "auth" });
  });
});

describe("subscribe, unsubscribe, ping", () => {
  test("acks both topic forms with Bybit's private ack, echoing req_id", async () => {
    const probe = await connect();
    await probe.request("auth", authArgs(MAIN.key, MAIN.secret));
    const ack = await probe.request("subscribe", ["order", "execution", "position"]);
    expect(ack).toEqual({ success: true, ret_msg: "", op: "subscribe", conn_id: expect.any(String), req_id: expect.any(String) });
    expect((await probe.request("subscribe", ["order.linear", "execution.fast.linear"])).success).toBe(true);
    expect(await probe.request("unsubscribe", ["order"])).toMatchObject({ success: true, op: "unsubscribe" });
  });

  test("refuses a request mixing the all-in-one and per-category forms, and an unknown topic", async () => {
    const probe = await connect();
    await probe.request("auth", authArgs(MAIN.key, MAIN.secret));
    expect(await probe.request("subscribe", ["order", "execution.linear"])).toMatchObject({ success: false, op: "subscribe" });
    expect(await probe.request("subscribe", ["wallet.linear"])).toMatchObject({ success: false, op: "subscribe" });
  });

  test("answers ping with the private pong shape, signed in or not", async () => {
    const probe = await connect();
    const before = Date.now();
    const pong = await probe.request("ping");
    expect(Object.keys(pong).sort()).toEqual(["args", "conn_id", "op", "req_id"]);
    expect(pong.op).toBe("pong");
    const [ms] = pong.args as string[];
    expect(typeof ms).toBe("string");
    expect(Number(ms)).toBeGreaterThanOrEqual(before - 1);
  });

  test("sends no snapshot on subscribe", async () => {
    const probe = await signedIn();
    expect(await settled(probe)).toEqual([]);
  });
});

describe("pushes", () => {
  test("an order placed over REST arrives as an order row in Bybit's wire types, then a position row", async () => {
    const probe = await signedIn();
    const created = await bybit.createOrder(SYMBOL, "limit", "buy", 0.01, 55_000, { clientOrderId: "ws-entry-1" });
    const frame = await probe.waitFor(isTopic("order.linear"));
    expect(frame).toEqual({ id: expect.any(String), topic: "order.linear", creationTime: expect.any(Number), data: [expect.any(Object)] });
    const row = (frame.data as WsJson[])[0]!;
    expect(row).toMatchObject({
      category: "linear",
      orderId: created.id,
      orderLinkId: "ws-entry-1",
      symbol: "BTCUSDT",
      side: "Buy",
      orderType: "Limit",
      orderStatus: "New",
      price: "55000.00",
      qty: "0.010",
      leavesQty: "0.010",
      cumExecQty: "0.000",
      positionIdx: 0,
      triggerDirection: 0,
      reduceOnly: false,
      closeOnTrigger: false,
      createdTime: expect.stringMatching(/^\d+$/),
      updatedTime: expect.stringMatching(/^\d+$/),
    });
    const position = await probe.waitFor(isTopic("position.linear"));
    expect((position.data as WsJson[])[0]).toMatchObject({ category: "linear", symbol: "BTCUSDT", side: "Buy", size: "0.100", entryPrice: "60000", positionIdx: 0, seq: expect.any(Number) });
    await bybit.cancelOrder(created.id!, SYMBOL);
    const cancelled = await probe.waitFor(isTopic("order.linear"));
    expect((cancelled.data as WsJson[])[0]).toMatchObject({ orderId: created.id, orderStatus: "Cancelled", cancelType: "CancelByUser" });
    await probe.waitFor(isTopic("position.linear"));
  });

  test("a market fill pushes the order rows, its execution and the position after it", async () => {
    const probe = await signedIn();
    const created = await bybit.createOrder(SYMBOL, "market", "buy", 0.01, undefined, { clientOrderId: "ws-market-1" });
    const pushes = await settled(probe);
    const orders = pushes.filter(isTopic("order.linear")).flatMap((f) => f.data as WsJson[]);
    expect(orders.at(-1)).toMatchObject({ orderId: created.id, orderStatus: "Filled", cumExecQty: "0.010", leavesQty: "0.000" });
    const executions = pushes.filter(isTopic("execution.linear")).flatMap((f) => f.data as WsJson[]);
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ category: "linear", orderId: created.id, orderLinkId: "ws-market-1", execType: "Trade", execQty: "0.010", isMaker: false, seq: expect.any(Number), execId: expect.any(String) });
    const positions = pushes.filter(isTopic("position.linear")).flatMap((f) => f.data as WsJson[]);
    expect(positions.at(-1)).toMatchObject({ symbol: "BTCUSDT", size: "0.110", side: "Buy" });
    // Close it again so the other tests see the seeded position.
    await bybit.createOrder(SYMBOL, "market", "sell", 0.01, undefined, { reduceOnly: true });
  });

  test("one price step that fills two orders pushes both executions in one frame", async () => {
    await bybit.createOrder(SYMBOL, "limit", "sell", 0.01, 60_100, { clientOrderId: "ws-sell-a" });
    await bybit.createOrder(SYMBOL, "limit", "sell", 0.01, 60_150, { clientOrderId: "ws-sell-b" });
    const probe = await signedIn(MAIN, ["execution", "order", "position"]);
    const res = await fetch(`${server.url}/__sim/step?n=1`, { method: "POST" });
    expect(res.ok).toBe(true);
    const frame = await probe.waitFor(isTopic("execution"));
    expect((frame.data as WsJson[]).map((e) => e.orderLinkId).sort()).toEqual(["ws-sell-a", "ws-sell-b"]);
    const filled = (await settled(probe)).filter(isTopic("order")).flatMap((f) => f.data as WsJson[]);
    expect(filled.filter((o) => o.orderStatus === "Filled").map((o) => o.orderLinkId).sort()).toEqual(["ws-sell-a", "ws-sell-b"]);
  });

  test("a connection of another account sees nothing of main's orders", async () => {
    const main = await signedIn(MAIN);
    const mirror = await signedIn(MIRROR, ["order", "execution", "position"]);
    const created = await bybit.createOrder(SYMBOL, "limit", "buy", 0.01, 50_000, { clientOrderId: "ws-private-to-main" });
    await main.waitFor(isTopic("order.linear"));
    expect(await settled(mirror)).toEqual([]);
    await bybit.cancelOrder(created.id!, SYMBOL);
  });

  test("execution.fast rows carry no orderLinkId on maker fills and no message id", async () => {
    // The mark is 60200 after the previous test's step; two more steps reach 60800.
    await bybit.createOrder(SYMBOL, "limit", "sell", 0.01, 60_700, { clientOrderId: "ws-maker" });
    const probe = await signedIn(MAIN, ["execution.fast"]);
    const step = async (): Promise<void> => {
      await fetch(`${server.url}/__sim/step?n=1`, { method: "POST" });
    };
    await step();
    await step();
    const frame = await probe.waitFor(isTopic("execution.fast"));
    expect(frame.id).toBeUndefined();
    expect((frame.data as WsJson[])[0]).toMatchObject({ category: "linear", isMaker: true, orderLinkId: "", execQty: "0.010" });
  });

  test("a conditional order pushes Untriggered, then Bybit's instantaneous Triggered, New and Filled", async () => {
    // The mark is 60800 after the previous tests' steps; the path goes on 61000, 61200.
    const probe = await signedIn(MAIN, ["order"]);
    const created = await bybit.createOrder(SYMBOL, "market", "buy", 0.01, undefined, { triggerPrice: 61_100, triggerDirection: "ascending", clientOrderId: "ws-stop-buy" });
    await fetch(`${server.url}/__sim/step?n=2`, { method: "POST" });
    const rows = (await settled(probe)).flatMap((f) => f.data as WsJson[]).filter((r) => r.orderId === created.id);
    expect(rows.map((r) => r.orderStatus)).toEqual(["Untriggered", "Triggered", "New", "Filled"]);
    expect(rows[0]).toMatchObject({ stopOrderType: "Stop", triggerPrice: "61100.00", triggerDirection: 1 });
    const history = await bybit.fetchClosedOrders(SYMBOL);
    expect(history.find((o) => o.id === created.id)?.status).toBe("closed");
  });

  test("/__sim/state reports WebSocket connections and messages apart from REST requests", async () => {
    await signedIn();
    const state = (await (await fetch(`${server.url}/__sim/state`)).json()) as { websocket: Record<string, number>; requests: Record<string, number> };
    expect(state.websocket.open).toBeGreaterThanOrEqual(1);
    expect(state.websocket.messagesIn).toBeGreaterThan(0);
    expect(state.websocket.messagesOut).toBeGreaterThan(0);
    expect(Object.keys(state.requests).some((p) => p.includes("private"))).toBe(false);
  });
});

describe("changes made by hand", () => {
  test("a cancel by hand (a scenario intervention) pushes the order row and the position row", async () => {
    const manual = createSimulator(
      buildScenario({ fields: { interventions: [{ step: 1, action: "cancel-order", account: "main", symbol: "BTCUSDT", orderLinkId: "seed-BTCUSDT-tp1" }] } }),
      { latency: "zero" },
    );
    const own = await startServer(manual, { port: 0, stream: { venue: manual.venue } });
    try {
      const probe = await openPrivate(privateUrl(own.url));
      open.push(probe);
      await probe.request("auth", authArgs(MAIN.key, MAIN.secret));
      await probe.request("subscribe", ["order", "position"]);
      manual.step(1);
      const order = await probe.waitFor(isTopic("order"));
      expect((order.data as WsJson[])[0]).toMatchObject({ orderLinkId: "seed-BTCUSDT-tp1", orderStatus: "Cancelled" });
      const position = await probe.waitFor(isTopic("position"));
      expect((position.data as WsJson[])[0]).toMatchObject({ symbol: "BTCUSDT", size: "0.100" });
    } finally {
      await own.close();
    }
  });
});

describe("connections", () => {
  test("cuts a connection with no ping and no data for the idle time", async () => {
    const quiet = await startServer(sim, { port: 0, stream: { venue: sim.venue, idleMs: 100 } });
    try {
      const probe = await openPrivate(privateUrl(quiet.url));
      expect((await probe.closed).code).toBe(1000);
    } finally {
      await quiet.close();
    }
  });

  test("keeps a connection that pings alive past the idle time", async () => {
    const quiet = await startServer(sim, { port: 0, stream: { venue: sim.venue, idleMs: 300 } });
    try {
      const probe = await openPrivate(privateUrl(quiet.url));
      const start = Date.now();
      while (Date.now() - start < 900) await probe.request("ping");
      expect(probe.ws.readyState).toBe(WebSocket.OPEN);
      probe.close();
    } finally {
      await quiet.close();
    }
  });

  test("reads max_active_time as Bybit bounds it (30 s to 10 minutes)", () => {
    expect(maxActiveMs("max_active_time=1m")).toBe(60_000);
    expect(maxActiveMs("max_active_time=45s")).toBe(45_000);
    expect(maxActiveMs("max_active_time=5s")).toBe(30_000);
    expect(maxActiveMs("max_active_time=20m")).toBe(600_000);
    expect(maxActiveMs("")).toBeUndefined();
  });

  test("refuses a WebSocket on any other path", async () => {
    await expect(openPrivate(`${server.url.replace(/^http/, "ws")}/v5/public/linear`)).rejects.toThrow();
  });
});

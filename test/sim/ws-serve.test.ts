/**
 * The acceptance for the simulator's stream: a WebSocket client with no Warden code
 * (HMAC auth, subscribe, read pushes) gets Bybit-shaped order, execution and position pushes
 * from a real `warden sim serve` process for orders a plain ccxt client places, and is
 * refused with a wrong signature.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { parseStreamFaultFlag } from "../../cli/commands/sim.ts";
import { main } from "../../cli/main.ts";
import type { Venue } from "../../core/sim/venue-api.ts";
import { bybitOnSim, type Bybit } from "../support/ccxt-sim.ts";
import { DEMO_KEYS, killAllProcesses, spawnWarden, startSimServer, type SimServerProcess } from "../support/processes.ts";
import { authArgs, isTopic, openPrivate, privateUrl, type PrivateProbe, type WsJson } from "../support/ws-private-client.ts";

const SYMBOL = "ETH/USDT:USDT";
const KEY = DEMO_KEYS.WARDEN_MAIN_API_KEY!;
const SECRET = DEMO_KEYS.WARDEN_MAIN_API_SECRET!;

let server: SimServerProcess;
let bybit: Bybit;
const open: PrivateProbe[] = [];

async function connect(url = server.url, query = ""): Promise<PrivateProbe> {
  const probe = await openPrivate(privateUrl(url, query));
  open.push(probe);
  return probe;
}

beforeAll(async () => {
  server = await startSimServer({ latency: "zero", rateLimits: "off" });
  // ccxt only needs the account's keys; the simulator lives in the other process.
  const venue = { accounts: () => [{ id: "main", apiKey: KEY, apiSecret: SECRET }] } as unknown as Venue;
  bybit = bybitOnSim({ venue }, { url: server.url });
  await bybit.loadMarkets();
});

afterEach(() => {
  for (const p of open.splice(0)) p.close();
});

afterAll(async () => {
  await killAllProcesses();
});

describe("sim serve's private stream", () => {
  test("refuses a wrong signature", async () => {
    const probe = await connect();
    expect(await probe.request("auth", authArgs(KEY, "wrong-secret"))).toMatchObject({ success: false, op: "auth" });
  });

  test("pushes order, execution and position rows for a market order ccxt places", async () => {
    const probe = await connect();
    expect((await probe.request("auth", authArgs(KEY, SECRET))).success).toBe(true);
    expect((await probe.request("subscribe", ["order", "execution", "position"])).success).toBe(true);
    const ticker = await bybit.fetchTicker(SYMBOL);
    const created = await bybit.createOrder(SYMBOL, "market", "buy", 0.1, undefined, { clientOrderId: "ws-serve-1" });
    const order = await probe.waitFor((m) => isTopic("order")(m) && (m.data as WsJson[]).some((r) => r.orderStatus === "Filled"));
    expect((order.data as WsJson[]).find((r) => r.orderStatus === "Filled")).toMatchObject({ category: "linear", orderId: created.id, orderLinkId: "ws-serve-1", symbol: "ETHUSDT", positionIdx: 0 });
    const execution = await probe.waitFor(isTopic("execution"));
    const row = (execution.data as WsJson[])[0]!;
    expect(row).toMatchObject({ orderId: created.id, execType: "Trade", isMaker: false, execQty: "0.10" });
    expect(typeof row.execPrice).toBe("string");
    expect(Number(row.execPrice)).toBeCloseTo(ticker.last ?? Number.NaN, 0);
    const position = await probe.waitFor(isTopic("position"));
    expect((position.data as WsJson[])[0]).toMatchObject({ category: "linear", symbol: "ETHUSDT", side: "Buy", seq: expect.any(Number) });
    expect(typeof execution.creationTime).toBe("number");
    const state = (await (await fetch(`${server.url}/__sim/state`)).json()) as { websocket: { open: number } };
    expect(state.websocket.open).toBeGreaterThanOrEqual(1);
  });

  test("--stream-idle-ms cuts a connection that neither pings nor gets data", async () => {
    const proc = spawnWarden(["sim", "serve", "--port", "0", "--latency", "zero", "--stream-idle-ms", "150"], { server: true });
    const line = await proc.waitForLine((l) => l.startsWith("listening on "), 20_000);
    const probe = await connect(line.slice("listening on ".length).trim());
    expect((await probe.closed).code).toBe(1000);
  });

  test("--stream-fault plays a stream fault: close@1 closes the signed-in connection at step 1", async () => {
    const proc = spawnWarden(["sim", "serve", "--port", "0", "--latency", "zero", "--scenario", "basic", "--stream-fault", "close@1", "--stream-fault", "duplicate@1,topic=order,count=2"], { server: true });
    const url = (await proc.waitForLine((l) => l.startsWith("listening on "), 20_000)).slice("listening on ".length).trim();
    const probe = await connect(url);
    expect((await probe.request("auth", authArgs("sim-main-key", "sim-main-secret"))).success).toBe(true);
    await fetch(`${url}/__sim/step?n=1`, { method: "POST" });
    expect((await probe.closed).code).toBe(1000);
    const state = (await (await fetch(`${url}/__sim/state`)).json()) as { websocket: { faultsFired: number[] } };
    expect(state.websocket.faultsFired).toEqual([1, 0]);
  });
});

describe("--stream-fault", () => {
  test("reads KIND@STEP and its keys", () => {
    expect(parseStreamFaultFlag("delay@3,topic=execution,delayMs=500,account=mirror,count=2")).toEqual({ kind: "delay", atStep: 3, topic: "execution", delayMs: 500, account: "mirror", count: 2 });
  });

  test.each([
    [["sim", "serve", "--stream-fault", "drop"]],
    [["sim", "serve", "--stream-fault", "drop@1,colour=red"]],
    [["sim", "serve", "--stream-fault", "drop-frame@1"]],
    [["sim", "serve", "--stream-fault", "explode@1"]],
  ])("exits 2 on a bad stream fault: %p", async (args) => {
    expect(await main(args)).toBe(2);
  });
});

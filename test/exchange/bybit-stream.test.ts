/**
 * Warden's private-stream client against the simulator's WebSocket server (in process): it
 * signs in, subscribes and goes live; an order a plain ccxt client places arrives as rows;
 * it reconnects after the server closes or drops the link, and after a silent stall (the
 * dead-link timeout); a refused sign-in is reported without the keys; dials are capped.
 */
import { Arrivals } from "../support/arrivals.ts";
import { ManualTimers } from "../support/manual-timers.ts";
import { linkTimings } from "../../core/exchange/bybit-stream.ts";
import { afterEach, describe, expect, test } from "bun:test";
import { backoffMs, BybitPrivateStream, privateStreamUrl, type BybitStreamOptions, type StreamEvent } from "../../core/exchange/bybit-stream.ts";
import type { ScenarioInput } from "../../core/sim/scenario-schema.ts";
import { startServer } from "../../core/sim/server.ts";
import { createSimulator, type Simulator } from "../../core/sim/simulator.ts";
import { bybitOnSim, type Bybit } from "../support/ccxt-sim.ts";
import { buildScenario } from "../support/sim-requests.ts";

const SYMBOL = "BTC/USDT:USDT";
const CREDS = { apiKey: "sim-main-key", secret: "sim-main-secret" };
type StreamFaults = NonNullable<ScenarioInput["streamFaults"]>;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  readonly sim: Simulator;
  readonly url: string;
  readonly bybit: Bybit;
}

async function rig(streamFaults: StreamFaults = []): Promise<Rig> {
  const scenario = buildScenario({ fields: { streamFaults } });
  const sim = createSimulator(scenario, { latency: "zero" });
  const server = await startServer(sim, { port: 0, stream: { venue: sim.venue, faults: scenario.streamFaults } });
  cleanups.push(() => server.close());
  const bybit = bybitOnSim(sim, { url: server.url });
  await bybit.loadMarkets();
  return { sim, url: privateStreamUrl(server.url), bybit };
}

/** A started client and its events, with a waiter that hands out each event once. */
function client(url: string, opts: Partial<BybitStreamOptions> = {}) {
  const arrivals = new Arrivals<StreamEvent>();
  const stream = new BybitPrivateStream({ url, credentials: CREDS, backoffBaseMs: 5, backoffMaxMs: 20, onEvent: (e) => arrivals.push(e), ...opts });
  cleanups.push(() => stream.stop());
  stream.start();
  const next = <E extends StreamEvent>(match: (e: StreamEvent) => e is E, timeoutMs = 5_000): Promise<E> => arrivals.next(match, timeoutMs, "no matching event") as Promise<E>;
  return { stream, events: arrivals.items, next };
}

const isLive = (e: StreamEvent): e is Extract<StreamEvent, { kind: "live" }> => e.kind === "live";
const isDown = (e: StreamEvent): e is Extract<StreamEvent, { kind: "down" }> => e.kind === "down";
const rowsOf = (topic: string, pred: (r: Record<string, unknown>) => boolean = () => true) => (e: StreamEvent): e is Extract<StreamEvent, { kind: "rows" }> =>
  e.kind === "rows" && e.topic === topic && e.data.some(pred);

describe("BybitPrivateStream", () => {
  test("signs in, subscribes order, execution and position, and delivers the rows of an order ccxt places", async () => {
    const r = await rig();
    const c = client(r.url);
    expect(await c.next(isLive)).toMatchObject({ kind: "live", attempt: 1 });
    const created = await r.bybit.createOrder(SYMBOL, "market", "buy", 0.01);
    const order = await c.next(rowsOf("order", (row) => row.orderId === created.id && row.orderStatus === "Filled"));
    expect(order.creationTime).toBeGreaterThan(0);
    await c.next(rowsOf("execution", (row) => row.orderId === created.id && row.execType === "Trade"));
    await c.next(rowsOf("position", (row) => row.symbol === "BTCUSDT" && typeof row.seq === "number"));
  });

  test("reconnects after the server closes the link, and after it drops it", async () => {
    const r = await rig([
      { kind: "close", atStep: 1 },
      { kind: "drop", atStep: 2 },
    ]);
    const c = client(r.url);
    await c.next(isLive);
    r.sim.step(1);
    expect((await c.next(isDown)).reason).toContain("1000");
    await c.next(isLive);
    r.sim.step(2);
    expect(await c.next(isDown)).toMatchObject({ final: false });
    await c.next(isLive);
    const created = await r.bybit.createOrder(SYMBOL, "limit", "buy", 0.01, 55_000);
    await c.next(rowsOf("order", (row) => row.orderId === created.id));
  });

  test("declares a stalled link dead when pings get no pong, and redials", async () => {
    const r = await rig([{ kind: "stall", atStep: 1 }]);
    const c = client(r.url, { pingEveryMs: 20, deadAfterMs: 150 });
    await c.next(isLive);
    r.sim.step(1);
    expect((await c.next(isDown)).reason).toContain("silent");
    await c.next(isLive);
  });

  test("reports a refused sign-in without the keys, and at the cap on dials waits for the 5-minute window, then dials again", async () => {
    const r = await rig();
    const timers = new ManualTimers();
    const c = client(r.url, { credentials: { apiKey: CREDS.apiKey, secret: "wrong-secret-value" }, maxAttemptsPer5Min: 3, timers, now: () => Date.now() + timers.now });
    for (let dial = 1; dial <= 3; dial++) {
      const down = await c.next(isDown);
      expect(down.reason).toContain("auth refused");
      timers.advance(down.retryInMs!);
    }
    // the 4th dial would break the cap: it waits until the first dial is 5 minutes old
    const capped = await c.next(isDown);
    expect(capped.reason).toContain("3 connection attempts within 5 minutes");
    expect(capped.final).toBe(false);
    expect(capped.retryInMs!).toBeGreaterThan(299_000 - timers.now);
    timers.advance(capped.retryInMs!);
    expect((await c.next(isDown)).reason).toContain("auth refused");
    const text = JSON.stringify(c.events);
    expect(text).not.toContain(CREDS.apiKey);
    expect(text).not.toContain("wrong-secret-value");
  });
});

describe("stream helpers", () => {
  test("privateStreamUrl maps Bybit's REST hosts to their stream hosts and sim serve to ws://", () => {
    expect(privateStreamUrl("https://api.bybit.com")).toBe("wss://stream.bybit.com/v5/private");
    expect(privateStreamUrl("https://api-testnet.bybit.com")).toBe("wss://stream-testnet.bybit.com/v5/private");
    expect(privateStreamUrl("https://api-demo.bybit.com")).toBe("wss://stream-demo.bybit.com/v5/private");
    expect(privateStreamUrl("http://127.0.0.1:4321")).toBe("ws://127.0.0.1:4321/v5/private");
  });

  test("backoffMs grows exponentially to its cap with jitter in the upper half", () => {
    expect(backoffMs(1, 500, 30_000, () => 0)).toBe(250);
    expect(backoffMs(1, 500, 30_000, () => 0.999)).toBeLessThanOrEqual(500);
    expect(backoffMs(4, 500, 30_000, () => 0)).toBe(2_000);
    expect(backoffMs(20, 500, 30_000, () => 0.5)).toBe(22_500);
  });
});

/** A hand-written stand-in for the runtime's WebSocket: records what the client sends; the test plays the server. */
class StubSocket extends EventTarget {
  static last: StubSocket | undefined;
  static opened = 0;
  readonly sent: Record<string, unknown>[] = [];
  readyState = 0;
  constructor(readonly url: string) {
    super();
    StubSocket.last = this;
    StubSocket.opened++;
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text) as Record<string, unknown>);
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.dispatchEvent(new Event("open"));
  }
  reply(message: Record<string, unknown>): void {
    this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(message) }));
  }
}


describe("BybitPrivateStream timers (a stub socket and manual timers)", () => {
  const flush = () => new Promise<void>((resolve) => queueMicrotask(resolve));

  async function handshake(timers: ManualTimers, events: StreamEvent[]) {
    const stream = new BybitPrivateStream({
      url: "ws://stub/v5/private",
      credentials: CREDS,
      onEvent: (e) => events.push(e),
      timers,
      now: () => 1_700_000_000_000 + timers.now,
      random: () => 0,
      webSocket: StubSocket as unknown as new (url: string) => WebSocket,
    });
    stream.start();
    const ws = StubSocket.last!;
    ws.open();
    const auth = ws.sent.at(-1)!;
    expect(auth).toMatchObject({ op: "auth" });
    expect((auth.args as unknown[])[0]).toBe(CREDS.apiKey);
    ws.reply({ success: true, ret_msg: "", op: "auth", conn_id: "c1", req_id: auth.req_id });
    await flush();
    const sub = ws.sent.at(-1)!;
    expect(sub).toMatchObject({ op: "subscribe", args: ["order", "execution", "position"] });
    ws.reply({ success: true, ret_msg: "", op: "subscribe", conn_id: "c1", req_id: sub.req_id });
    await flush();
    await flush();
    return { stream, ws };
  }

  test("never subscribes dcp, pings every 20 s, and a link silent for 45 s is dead and redialled after the back-off", async () => {
    const timers = new ManualTimers();
    const events: StreamEvent[] = [];
    const { stream, ws } = await handshake(timers, events);
    expect(events).toEqual([{ kind: "live", connId: "c1", attempt: 1 }]);
    expect(JSON.stringify(ws.sent)).not.toContain("dcp");
    timers.advance(20_000);
    expect(ws.sent.at(-1)).toMatchObject({ op: "ping" });
    ws.reply({ op: "pong", args: ["1"], conn_id: "c1", req_id: ws.sent.at(-1)!.req_id });
    timers.advance(20_000);
    expect(ws.sent.filter((m) => m.op === "ping")).toHaveLength(2);
    // no pong to the second ping: 45 s after the last message the link is dead
    const opened = StubSocket.opened;
    timers.advance(25_000);
    expect(events.at(-1)).toMatchObject({ kind: "down", final: false, retryInMs: 250 });
    expect((events.at(-1) as { reason: string }).reason).toContain("silent");
    expect(StubSocket.opened).toBe(opened);
    timers.advance(250);
    expect(StubSocket.opened).toBe(opened + 1);
    stream.stop();
  });

  test("rows arrive as events only once live, per topic, in both topic forms", async () => {
    const timers = new ManualTimers();
    const events: StreamEvent[] = [];
    const { stream, ws } = await handshake(timers, events);
    ws.reply({ id: "1", topic: "order.linear", creationTime: 5, data: [{ orderId: "x" }] });
    ws.reply({ id: "2", topic: "position", creationTime: 6, data: [{ symbol: "BTCUSDT" }] });
    ws.reply({ id: "3", topic: "dcp.linear", creationTime: 7, data: [{}] });
    expect(events.slice(1)).toEqual([
      { kind: "rows", topic: "order", creationTime: 5, data: [{ orderId: "x" }] },
      { kind: "rows", topic: "position", creationTime: 6, data: [{ symbol: "BTCUSDT" }] },
    ]);
    stream.stop();
    ws.reply({ id: "4", topic: "order", creationTime: 8, data: [{}] });
    expect(events).toHaveLength(3);
  });
});

describe("link timings for a run's interval", () => {
  test("a stall is found within about one interval: ping every half interval (at most 20 s), dead after one interval (at least two pings, at most 45 s)", () => {
    expect(linkTimings(2_000)).toEqual({ pingEveryMs: 1_000, deadAfterMs: 2_000 });
    expect(linkTimings(60_000)).toEqual({ pingEveryMs: 20_000, deadAfterMs: 45_000 });
    expect(linkTimings(100)).toEqual({ pingEveryMs: 250, deadAfterMs: 500 });
  });
});

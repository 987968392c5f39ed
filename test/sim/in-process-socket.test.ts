/**
 * The in-process private stream (core/sim/in-process-socket.ts): Warden's own client
 * (BybitPrivateStream) signs in over it and gets the rows of an order a plain ccxt client
 * places through msw, a wrong signature is refused, and the hub's connection faults reach it
 * as a socket would report them: a clean close (1000), an abrupt drop (1006), a stall.
 */
import { Arrivals } from "../support/arrivals.ts";
import { afterEach, describe, expect, test } from "bun:test";
import { BybitPrivateStream, type BybitStreamOptions, type StreamEvent } from "../../core/exchange/bybit-stream.ts";
import { inProcessStream, type InProcessStream } from "../../core/sim/in-process-socket.ts";
import { simHandlers } from "../../core/sim/msw.ts";
import { mswFetch } from "../../core/sim/msw-fetch.ts";
import type { ScenarioInput } from "../../core/sim/scenario-schema.ts";
import { createSimulator, type Simulator } from "../../core/sim/simulator.ts";
import { bybitOnSim, type Bybit } from "../support/ccxt-sim.ts";
import { buildScenario } from "../support/sim-requests.ts";

const SYMBOL = "BTC/USDT:USDT";
const BASE = "https://api.bybit.sim.invalid";
const CREDS = { apiKey: "sim-main-key", secret: "sim-main-secret" };

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function rig(streamFaults: NonNullable<ScenarioInput["streamFaults"]> = []): { sim: Simulator; stream: InProcessStream; bybit: Bybit } {
  const scenario = buildScenario({ fields: { streamFaults } });
  const sim = createSimulator(scenario, { latency: "zero" });
  const stream = inProcessStream(sim.venue, { faults: scenario.streamFaults });
  cleanups.push(() => stream.close());
  const bybit = bybitOnSim(sim, { url: BASE });
  bybit.fetchImplementation = mswFetch(simHandlers(sim, BASE));
  return { sim, stream, bybit };
}

function client(stream: InProcessStream, opts: Partial<BybitStreamOptions> = {}) {
  const arrivals = new Arrivals<StreamEvent>();
  const c = new BybitPrivateStream({ url: "ws://sim.invalid/v5/private", credentials: CREDS, webSocket: stream.WebSocket, backoffBaseMs: 5, backoffMaxMs: 20, onEvent: (e) => arrivals.push(e), ...opts });
  cleanups.push(() => c.stop());
  c.start();
  return { events: arrivals.items, next: (match: (e: StreamEvent) => boolean) => arrivals.next(match, 10_000, "no matching event") };
}

const live = (e: StreamEvent) => e.kind === "live";
const down = (e: StreamEvent) => e.kind === "down";

describe("in-process private stream", () => {
  test("Warden's client signs in and receives the order, execution and position rows of orders ccxt places", async () => {
    const r = rig();
    const c = client(r.stream);
    await c.next(live);
    await r.bybit.loadMarkets();
    const created = await r.bybit.createOrder(SYMBOL, "limit", "buy", 0.01, 55_000, { clientOrderId: "in-process-1" });
    const rows = await c.next((e) => e.kind === "rows" && e.topic === "order" && e.data.some((row) => row.orderId === created.id));
    expect(rows).toMatchObject({ kind: "rows", topic: "order" });
    expect((rows as Extract<StreamEvent, { kind: "rows" }>).data[0]).toMatchObject({ orderLinkId: "in-process-1", orderStatus: "New", price: "55000.00", qty: "0.010", category: "linear" });
    await r.bybit.createOrder(SYMBOL, "market", "buy", 0.01);
    await c.next((e) => e.kind === "rows" && e.topic === "execution");
    await c.next((e) => e.kind === "rows" && e.topic === "position");
    expect(r.stream.stats()).toMatchObject({ connections: 1, open: 1 });
  });

  test("a wrong signature is refused, and the refusal names no key", async () => {
    const r = rig();
    const c = client(r.stream, { credentials: { apiKey: CREDS.apiKey, secret: "not-the-secret" } });
    const refused = await c.next(down);
    expect((refused as { reason: string }).reason).toContain("auth refused: Request not authorized");
    expect(JSON.stringify(c.events)).not.toContain("not-the-secret");
  });

  test("a clean close arrives as close 1000, a drop as 1006, a stall as silence; the client redials each time", async () => {
    const r = rig([{ kind: "close", atStep: 1 }, { kind: "drop", atStep: 2 }, { kind: "stall", atStep: 3 }]);
    const c = client(r.stream, { pingEveryMs: 10, deadAfterMs: 100 });
    await c.next(live);
    r.sim.step(1);
    expect((await c.next(down)) as { reason: string }).toMatchObject({ reason: "closed (1000)" });
    await c.next(live);
    r.sim.step(1);
    expect((await c.next(down)) as { reason: string }).toMatchObject({ reason: "closed (1006)" });
    await c.next(live);
    r.sim.step(1);
    expect(((await c.next(down)) as { reason: string }).reason).toContain("silent for 100 ms");
    await c.next(live);
    expect(r.stream.stats().connections).toBe(4);
  });

  test("flushed() resolves once every message sent so far is delivered", async () => {
    const r = rig();
    const c = client(r.stream);
    await c.next(live);
    await r.bybit.loadMarkets();
    await r.bybit.createOrder(SYMBOL, "limit", "buy", 0.01, 55_000);
    await r.stream.flushed();
    expect(c.events.some((e) => e.kind === "rows" && e.topic === "position")).toBe(true);
  });
});

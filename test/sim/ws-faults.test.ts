/**
 * Stream faults from the scenario (`streamFaults`): clean close, abrupt drop, silent stall, a
 * dropped frame of one topic, duplicate, delayed and reordered frames, refused auth and
 * subscribe. Each fires as its step begins.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { ScenarioInput } from "../../core/sim/scenario-schema.ts";
import { startServer, type SimServer } from "../../core/sim/server.ts";
import { createSimulator, type Simulator } from "../../core/sim/simulator.ts";
import { bybitOnSim, type Bybit } from "../support/ccxt-sim.ts";
import { buildScenario } from "../support/sim-requests.ts";
import { authArgs, isTopic, openPrivate, privateUrl, type PrivateProbe, type WsJson } from "../support/ws-private-client.ts";

const SYMBOL = "BTC/USDT:USDT";
type StreamFaults = NonNullable<ScenarioInput["streamFaults"]>;

interface Rig {
  sim: Simulator;
  server: SimServer;
  bybit: Bybit;
  connect(): Promise<PrivateProbe>;
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(streamFaults: StreamFaults): Promise<Rig> {
  const scenario = buildScenario({ fields: { streamFaults } });
  const sim = createSimulator(scenario, { latency: "zero" });
  const server = await startServer(sim, { port: 0, stream: { venue: sim.venue, faults: scenario.streamFaults } });
  cleanups.push(() => server.close());
  const bybit = bybitOnSim(sim, { url: server.url });
  await bybit.loadMarkets();
  return {
    sim,
    server,
    bybit,
    async connect() {
      const probe = await openPrivate(privateUrl(server.url));
      cleanups.push(() => probe.close());
      expect((await probe.request("auth", authArgs("sim-main-key", "sim-main-secret"))).success).toBe(true);
      expect((await probe.request("subscribe", ["order", "execution", "position"])).success).toBe(true);
      return probe;
    },
  };
}

async function pushes(probe: PrivateProbe): Promise<WsJson[]> {
  await probe.request("ping");
  return probe.messages.filter((m) => typeof m.topic === "string");
}

describe("stream faults", () => {
  test("close: the signed-in connection gets a close frame 1000 as the step begins; a new one works", async () => {
    const r = await rig([{ kind: "close", atStep: 1 }]);
    const probe = await r.connect();
    r.sim.step(1);
    expect((await probe.closed).code).toBe(1000);
    const again = await r.connect();
    await r.bybit.createOrder(SYMBOL, "limit", "buy", 0.01, 55_000);
    await again.waitFor(isTopic("order"));
  });

  test("refuse-connect: Bybit's connection-rate limit answers the next upgrades 429, then lets one in", async () => {
    const r = await rig([{ kind: "refuse-connect", atStep: 0, count: 2 }]);
    const attempt = () =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(privateUrl(r.server.url));
        ws.onopen = () => {
          ws.close();
          resolve("open");
        };
        ws.onerror = () => resolve("refused");
      });
    expect([await attempt(), await attempt(), await attempt()]).toEqual(["refused", "refused", "open"]);
    const state = (await (await fetch(`${r.server.url}/__sim/state`)).json()) as { websocket: { refused: number; faultsFired: number[] } };
    expect([state.websocket.refused, state.websocket.faultsFired]).toEqual([2, [2]]);
  });

  test("drop: the socket ends with no close frame", async () => {
    const r = await rig([{ kind: "drop", atStep: 1 }]);
    const probe = await r.connect();
    r.sim.step(1);
    expect((await probe.closed).code).toBe(1006);
  });

  test("stall: the socket stays open but answers nothing and pushes nothing", async () => {
    const r = await rig([{ kind: "stall", atStep: 1 }]);
    const stalled = await r.connect();
    r.sim.step(1);
    const healthy = await r.connect();
    stalled.send({ req_id: "stalled-ping", op: "ping" });
    await r.bybit.createOrder(SYMBOL, "limit", "buy", 0.01, 55_000);
    await healthy.waitFor(isTopic("order"));
    await healthy.request("ping");
    expect(stalled.messages.filter((m) => m.topic !== undefined || m.req_id === "stalled-ping")).toEqual([]);
    expect(stalled.ws.readyState).toBe(WebSocket.OPEN);
    const state = (await (await fetch(`${r.server.url}/__sim/state`)).json()) as { websocket: { faultsFired: number[] } };
    expect(state.websocket.faultsFired).toEqual([1]);
  });

  test("drop-frame: the next order frame is never sent, the position frame after it is", async () => {
    const r = await rig([{ kind: "drop-frame", atStep: 1, topic: "order" }]);
    const probe = await r.connect();
    r.sim.step(1);
    await r.bybit.createOrder(SYMBOL, "limit", "buy", 0.01, 55_000, { clientOrderId: "lost-echo" });
    const first = await pushes(probe);
    expect(first.map((m) => m.topic)).toEqual(["position"]);
    await r.bybit.createOrder(SYMBOL, "limit", "buy", 0.01, 54_000, { clientOrderId: "seen-echo" });
    const frame = await probe.waitFor(isTopic("order"));
    expect((frame.data as WsJson[])[0]).toMatchObject({ orderLinkId: "seen-echo" });
  });

  test("duplicate: the next execution frame arrives twice, same id", async () => {
    const r = await rig([{ kind: "duplicate", atStep: 1, topic: "execution" }]);
    const probe = await r.connect();
    r.sim.step(1);
    await r.bybit.createOrder(SYMBOL, "market", "buy", 0.01);
    const executions = (await pushes(probe)).filter(isTopic("execution"));
    expect(executions).toHaveLength(2);
    expect(executions[0]).toEqual(executions[1]!);
  });

  test.each([
    ["delay", { kind: "delay", atStep: 1, topic: "order", delayMs: 50 }],
    ["reorder", { kind: "reorder", atStep: 1, topic: "order" }],
  ] as const)("%s: the order frame arrives after the position frame that followed it", async (_name, fault) => {
    const r = await rig([fault]);
    const probe = await r.connect();
    r.sim.step(1);
    await r.bybit.createOrder(SYMBOL, "limit", "buy", 0.01, 55_000, { clientOrderId: "late-echo" });
    const order = await probe.waitFor(isTopic("order"));
    expect((order.data as WsJson[])[0]).toMatchObject({ orderLinkId: "late-echo" });
    expect(probe.messages.filter((m) => typeof m.topic === "string").map((m) => m.topic)).toEqual(["position", "order"]);
  });

  test("refuse-auth: the next sign-in with valid keys is refused, the one after succeeds", async () => {
    const r = await rig([{ kind: "refuse-auth", atStep: 1 }]);
    r.sim.step(1);
    const probe = await openPrivate(privateUrl(r.server.url));
    cleanups.push(() => probe.close());
    expect(await probe.request("auth", authArgs("sim-main-key", "sim-main-secret"))).toMatchObject({ success: false, op: "auth" });
    expect((await probe.request("auth", authArgs("sim-main-key", "sim-main-secret"))).success).toBe(true);
  });

  test("refuse-subscribe: the next subscribe is refused, the one after is acked", async () => {
    const r = await rig([{ kind: "refuse-subscribe", atStep: 1, count: 1 }]);
    r.sim.step(1);
    const probe = await openPrivate(privateUrl(r.server.url));
    cleanups.push(() => probe.close());
    await probe.request("auth", authArgs("sim-main-key", "sim-main-secret"));
    expect(await probe.request("subscribe", ["order"])).toMatchObject({ success: false, op: "subscribe" });
    expect((await probe.request("subscribe", ["order"])).success).toBe(true);
  });

  test("the scenario refuses a frame fault without a topic and a connection fault with one", () => {
    expect(() => buildScenario({ fields: { streamFaults: [{ kind: "drop-frame", atStep: 1 }] } })).toThrow(/streamFaults\[0\]\.topic: required for drop-frame/);
    expect(() => buildScenario({ fields: { streamFaults: [{ kind: "close", atStep: 1, topic: "order" }] } })).toThrow(/streamFaults\[0\]\.topic/);
    expect(() => buildScenario({ fields: { streamFaults: [{ kind: "close", atStep: 99 }] } })).toThrow(/streamFaults\[0\]\.atStep/);
    expect(() => buildScenario({ fields: { streamFaults: [{ kind: "delay", atStep: 1, topic: "order" }] } })).toThrow(/streamFaults\[0\]\.delayMs: required/);
  });
});

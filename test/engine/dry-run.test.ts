/**
 * `run --dry-run` (issue 10): the engine decides and announces every write, and none reaches
 * the exchange. Proved in process on the simulator's own request log, with real `warden run`
 * processes on the in-process simulator (the adapters' request counts, in the summary) and
 * against `sim serve` (its `/__sim/state`), each beside a real run that does write.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openSimSession } from "../../app/sim-session.ts";
import { MemorySink, type WardenEvent } from "../../core/logs/event.ts";
import { parseScenario } from "../../core/sim/scenario.ts";
import { eventsOf, killAllProcesses, spawnWarden, startSimServer, tempDir, type SimServerProcess } from "../support/processes.ts";

const WRITE_PATHS = ["/v5/order/create", "/v5/order/amend", "/v5/order/cancel", "/v5/order/cancel-all"];
const ORDER_EVENTS = ["order.placed", "order.amended", "order.cancelled", "order.failed"];

/**
 * Every kind of write in the first cycle: a long BTCUSDT with a TP for 40 % and two stops
 * (the looser is cancelled, the TP is resized to the whole position), a short ETHUSDT with
 * nothing (a stop is placed). The BTCUSDT TP fills at step 2 (the stop then goes to breakeven).
 */
const SCENARIO = {
  name: "dry-run-check",
  seed: 3,
  latency: "zero",
  accounts: { main: { apiKey: "sim-main-key", apiSecret: "sim-main-secret" } },
  instruments: ["BTCUSDT", "ETHUSDT"],
  positions: [
    { account: "main", symbol: "BTCUSDT", side: "long", size: 0.1, entryPrice: 60000 },
    { account: "main", symbol: "ETHUSDT", side: "short", size: 1, entryPrice: 3000 },
  ],
  orders: [
    { account: "main", symbol: "BTCUSDT", side: "Sell", orderType: "Limit", qty: 0.04, price: 60500, reduceOnly: true, orderLinkId: "seed-BTCUSDT-tp1" },
    { account: "main", symbol: "BTCUSDT", side: "Sell", orderType: "Market", qty: 0.1, triggerPrice: 59000, triggerDirection: 2, reduceOnly: true, closeOnTrigger: true, orderLinkId: "seed-BTCUSDT-sl" },
    { account: "main", symbol: "BTCUSDT", side: "Sell", orderType: "Market", qty: 0.1, triggerPrice: 58000, triggerDirection: 2, reduceOnly: true, closeOnTrigger: true, orderLinkId: "seed-BTCUSDT-sl2" },
  ],
  prices: {
    BTCUSDT: [60000, 60200, 60600, 60700, 60800, 60900, 61000, 61100],
    ETHUSDT: [3000, 3001, 3002, 2999, 2998, 3000, 3001, 3000],
  },
};
const MAIN_KEYS = { WARDEN_MAIN_API_KEY: "sim-main-key", WARDEN_MAIN_API_SECRET: "sim-main-secret" };

/** A write as decided, without its linkId (which carries each state dir's own instance tag). */
const decided = (events: readonly Record<string, unknown>[]) =>
  events
    .filter((e) => ORDER_EVENTS.includes(String(e["event"])))
    .map((e) => `${String(e["event"])} ${String(e["monitor"])} ${String(e["role"])} qty=${String(e["qty"])} price=${String(e["price"])} trigger=${String(e["triggerPrice"])}`)
    .sort();

async function session(dryRun: boolean) {
  const sink = new MemorySink();
  const s = await openSimSession(parseScenario(SCENARIO, "dry-run-check"), { strategy: "warden", sink, dryRun });
  return { ...s, sink };
}

const firstCycle = (sink: MemorySink): WardenEvent[] => {
  const end = sink.events.findIndex((e) => e.event === "cycle.completed");
  return sink.events.slice(0, end);
};

describe("dry run in process", () => {
  test("decides the first cycle's writes exactly as a real run does, and the simulator logs no write request", async () => {
    const real = await session(false);
    const dry = await session(true);
    await real.runCycle();
    await dry.runCycle();
    const realWrites = decided(firstCycle(real.sink));
    expect(realWrites.map((w) => w.split(" ")[0]).sort()).toEqual(["order.amended", "order.cancelled", "order.placed"]);
    expect(decided(firstCycle(dry.sink))).toEqual(realWrites);
    expect(real.sim.log.filter((e) => WRITE_PATHS.includes(e.path))).toHaveLength(3); // the control: these writes are requests
    expect(dry.sim.log.filter((e) => WRITE_PATHS.includes(e.path))).toEqual([]);
    expect(dry.sim.log.length).toBeGreaterThan(0);
  });

  test("converges on its paper orders: each write is decided once, not again every cycle, and later rules act on the paper state", async () => {
    const dry = await session(true);
    while (!dry.finished()) await dry.runCycle();
    const writes = dry.sink.events.filter((e) => ORDER_EVENTS.includes(e.event));
    expect(writes.every((e) => e["dryRun"] === true)).toBe(true);
    expect(dry.sink.named("order.failed")).toEqual([]);
    expect(dry.sink.named("order.placed").map((e) => `${String(e["monitor"])} ${String(e["role"])}`)).toEqual(["main:ETHUSDT:short sl"]);
    expect(dry.sink.named("order.cancelled").map((e) => e["linkId"])).toEqual(["seed-BTCUSDT-sl2"]);
    // The real TP filled 0.04 at step 2: the real stop, amended on paper, goes to breakeven on paper.
    expect(dry.sink.named("rule.applied").map((e) => e["rule"])).toContain("tp1-filled-breakeven");
    expect(dry.sink.named("order.amended").at(-1)).toMatchObject({ linkId: "seed-BTCUSDT-sl", qty: 0.06, dryRun: true });
    expect(dry.engine.monitors().filter((m) => m.protection?.state === "unprotected")).toEqual([]);
    expect(dry.sim.log.filter((e) => WRITE_PATHS.includes(e.path))).toEqual([]);
    // and the exchange still holds exactly what the scenario put there, less what filled
    const open = dry.sim.venue.openOrders("main", {}).map((o) => o["orderLinkId"]).sort();
    expect(open).toEqual(["seed-BTCUSDT-sl", "seed-BTCUSDT-sl2"]);
  });
});

describe("warden run --dry-run, real processes", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let scenarioFile: string;
  let sim: SimServerProcess;

  beforeAll(async () => {
    dir = await tempDir("dry-run");
    scenarioFile = join(dir.path, "dry-run-check.json");
    writeFileSync(scenarioFile, JSON.stringify(SCENARIO));
    sim = await startSimServer({ scenario: scenarioFile, latency: "zero", rateLimits: "off" });
  });
  afterAll(async () => {
    await killAllProcesses();
    await dir.remove();
  });

  const summaryOf = (lines: readonly string[]) => (JSON.parse(lines.at(-1) ?? "{}") as { summary: Record<string, unknown> }).summary;

  test("on the in-process simulator: paper writes announced, zero write requests in the adapters' counts, a -dry-run state dir, status says DRY RUN", async () => {
    const home = join(dir.path, "home");
    const run = (extra: string[]) => spawnWarden(["run", "--exchange", "sim", "--scenario", scenarioFile, "--latency", "zero", "--cycles", "6", "--json", ...extra], { env: { WARDEN_HOME: home } });
    const dry = run(["--dry-run"]);
    expect((await dry.exited).code).toBe(0);
    const events = eventsOf(dry.lines);
    const started = events.find((e) => e["event"] === "run.started");
    expect(started).toMatchObject({ dryRun: true });
    const stateDir = String(started?.["stateDir"]);
    expect(stateDir.endsWith("-dry-run")).toBe(true);
    const writes = events.filter((e) => ORDER_EVENTS.includes(String(e["event"])));
    expect(writes.length).toBeGreaterThanOrEqual(3);
    expect(writes.every((e) => e["dryRun"] === true)).toBe(true);
    const summary = summaryOf(dry.lines);
    expect(summary).toMatchObject({ dryRun: true, writeRequests: 0, stateDir });
    expect(summary["orders"]).toMatchObject({ placed: 1, cancelled: 1, failed: 0 });

    // The control: the same run for real sends its writes, into a state dir of its own.
    const real = run([]);
    expect((await real.exited).code).toBe(0);
    const realSummary = summaryOf(real.lines);
    expect(realSummary).toMatchObject({ dryRun: false });
    expect(realSummary["writeRequests"]).toBeGreaterThanOrEqual(3);
    expect(realSummary["stateDir"]).toBe(stateDir.slice(0, -"-dry-run".length));

    const status = JSON.parse(readFileSync(join(stateDir, "status.json"), "utf8")) as Record<string, unknown>;
    expect(status["dryRun"]).toBe(true);
    const shown = spawnWarden(["status", "--state-dir", stateDir]);
    expect((await shown.exited).code).toBe(0);
    expect(shown.lines[0]).toContain("DRY RUN");
    const realShown = spawnWarden(["status", "--state-dir", String(realSummary["stateDir"])]);
    expect((await realShown.exited).code).toBe(0);
    expect(realShown.stdout()).not.toContain("DRY RUN");
  }, 60_000);

  test("against sim serve: no order is created, amended or cancelled on the exchange, the paper stop is placed once over several cycles, and a second dry run starts afresh", async () => {
    const before = await sim.state();
    const stateDir = join(dir.path, "serve-dry");
    const dry = spawnWarden(["run", "--exchange", "bybit", "--base-url", sim.url, "--cycles", "4", "--interval", "0", "--dry-run", "--json", "--state-dir", stateDir], { env: MAIN_KEYS });
    expect({ code: (await dry.exited).code, stderr: dry.stderr() }).toEqual({ code: 0, stderr: "" });
    const after = await sim.state();
    for (const path of WRITE_PATHS) expect(after.requests[path] ?? 0).toBe(before.requests[path] ?? 0);
    expect(after.requests["/v5/order/realtime"] ?? 0).toBeGreaterThan(before.requests["/v5/order/realtime"] ?? 0); // it did read
    const linkIds = (s: typeof before) => (s.accounts["main"]?.openOrders.list ?? []).map((o) => `${o.orderLinkId} ${o.qty} ${o.triggerPrice}`).sort();
    expect(linkIds(after)).toEqual(linkIds(before));
    const events = eventsOf(dry.lines);
    expect(events.filter((e) => e["event"] === "order.placed").map((e) => e["monitor"])).toEqual(["main:ETHUSDT:short"]);
    expect(events.filter((e) => ORDER_EVENTS.includes(String(e["event"]))).every((e) => e["dryRun"] === true)).toBe(true);
    expect(summaryOf(dry.lines)).toMatchObject({ dryRun: true, writeRequests: 0 });
    expect(existsSync(join(stateDir, "status.json"))).toBe(true);

    // A second dry run on that state dir: the paper orders went with the first, so its monitors are set aside.
    const again = spawnWarden(["run", "--exchange", "bybit", "--base-url", sim.url, "--once", "--dry-run", "--json", "--state-dir", stateDir], { env: MAIN_KEYS });
    expect((await again.exited).code).toBe(0);
    const againEvents = eventsOf(again.lines);
    expect(againEvents.find((e) => e["event"] === "state.set-aside")).toMatchObject({ reason: "paper orders of an earlier dry run are gone" });
    expect(againEvents.filter((e) => e["event"] === "order.placed").map((e) => e["monitor"])).toEqual(["main:ETHUSDT:short"]);
    for (const path of WRITE_PATHS) expect((await sim.state()).requests[path] ?? 0).toBe(before.requests[path] ?? 0);

    // The control: a real run on the same server does create its stop.
    const real = spawnWarden(["run", "--exchange", "bybit", "--base-url", sim.url, "--once", "--json", "--state-dir", join(dir.path, "serve-real")], { env: MAIN_KEYS });
    expect((await real.exited).code).toBe(0);
    expect((await sim.state()).requests["/v5/order/create"] ?? 0).toBeGreaterThan(after.requests["/v5/order/create"] ?? 0);
  }, 60_000);
});

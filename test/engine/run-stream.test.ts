/**
 * `warden run --exchange bybit --base-url URL --read stream` against a real `sim serve`
 * process: the accounts go live on the private stream, steady cycles make no REST request
 * (the simulator's request log does not move), and the status document says `readMode:
 * "stream"`. The default read path stays polling.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_KEYS, eventsOf, isEvent, killAllProcesses, spawnWarden, startSimServer, tempDir, type SimServerProcess } from "../support/processes.ts";

let sim: SimServerProcess;

beforeAll(async () => {
  sim = await startSimServer({ latency: "zero", env: DEMO_KEYS });
});

afterAll(async () => {
  await killAllProcesses();
});

/** REST requests to Bybit's API paths (`/v5/...`) the simulator has answered. */
const totalRequests = async (): Promise<number> =>
  Object.entries((await sim.state()).requests)
    .filter(([path]) => path.includes("/v5/"))
    .reduce((a, [, n]) => a + n, 0);

/** A `cycle.completed` line (with that many REST calls, when given). */
function cycleLine(restCalls?: number) {
  return (line: string): boolean => {
    if (!isEvent("cycle.completed")(line)) return false;
    const e = JSON.parse(line) as { restCalls?: number };
    return restCalls === undefined || e.restCalls === restCalls;
  };
}

describe("run --read stream on sim serve", () => {
  test("goes live on the stream and runs steady cycles with no REST request; status says readMode stream", async () => {
    const dir = await tempDir("run-stream");
    const run = spawnWarden(["run", "--exchange", "bybit", "--base-url", sim.url, "--state-dir", dir.path, "--interval", "50", "--read", "stream", "--json"], { env: DEMO_KEYS });
    // Both accounts (main and mirror) live, then the start-up writes settled: a cycle with no REST call after that.
    await run.waitForLine((l) => isEvent("stream.live")(l) && l.includes('"account":"mirror"'), 30_000);
    await run.waitForLine((l) => isEvent("stream.live")(l) && l.includes('"account":"main"'), 30_000);
    for (let settled = 0; settled < 3; ) {
      const n = run.lines.length;
      const line = await run.waitForLine((l) => run.lines.indexOf(l) >= n && cycleLine()(l), 30_000);
      settled = (JSON.parse(line) as { restCalls: number }).restCalls === 0 ? settled + 1 : 0;
    }
    const before = await totalRequests();
    const seen = run.lines.length;
    // three more steady cycles
    for (let i = 0; i < 3; i++) {
      const n = run.lines.length;
      await run.waitForLine((l) => run.lines.indexOf(l) >= n && cycleLine()(l), 30_000);
    }
    const cycles = eventsOf(run.lines.slice(seen)).filter((e) => e["event"] === "cycle.completed");
    expect(cycles.length).toBeGreaterThanOrEqual(3);
    if (cycles.some((c) => c["restCalls"] !== 0)) console.log(eventsOf(run.lines).filter((e) => ["cycle.completed", "stream.live", "stream.audit", "stream.fallback", "order.amended", "order.placed", "order.cancelled"].includes(String(e["event"]))).map((e) => `${e["event"]} ${e["restCalls"] ?? ""} ${e["account"] ?? ""} ${e["monitor"] ?? ""}`).join("\n"));
    for (const c of cycles) expect(c["restCalls"]).toBe(0);
    expect(await totalRequests()).toBe(before);
    const status = JSON.parse(readFileSync(join(dir.path, "status.json"), "utf8")) as { engine: { readMode: string } };
    expect(status.engine.readMode).toBe("stream");
    expect(eventsOf(run.lines).find((e) => e["event"] === "run.started")?.["read"]).toBe("stream");
    await run.kill("SIGTERM");
    await dir.remove();
  }, 60_000);

  test("falls back to polling when sim serve closes or drops the stream, and goes live again through a fresh REST snapshot", async () => {
    const server = spawnWarden(["sim", "serve", "--port", "0", "--latency", "zero", "--stream-fault", "close@1,account=main", "--stream-fault", "drop@2,account=main"], { env: DEMO_KEYS, server: true });
    const url = (await server.waitForLine((l) => l.startsWith("listening on "), 20_000)).slice("listening on ".length).trim();
    const dir = await tempDir("run-stream-faults");
    const run = spawnWarden(["run", "--exchange", "bybit", "--base-url", url, "--state-dir", dir.path, "--interval", "50", "--read", "stream", "--json"], { env: DEMO_KEYS });
    const isMain = (name: string) => (l: string): boolean => isEvent(name)(l) && l.includes('"account":"main"');
    await run.waitForLine(isMain("stream.live"), 30_000);
    for (const step of [1, 2]) {
      const n = run.lines.length;
      const res = await fetch(`${url}/__sim/step?n=1`, { method: "POST" });
      expect(res.ok).toBe(true);
      await run.waitForLine((l) => run.lines.indexOf(l) >= n && isMain("stream.fallback")(l), 30_000);
      const back = await run.waitForLine((l) => run.lines.indexOf(l) >= n && isMain("stream.live")(l), 30_000);
      // the way back is an audit: a fresh REST snapshot of the account
      const audit = eventsOf(run.lines.slice(n, run.lines.indexOf(back) + 1)).find((e) => e["event"] === "stream.audit" && e["account"] === "main");
      expect(audit?.["calls"]).toBeGreaterThan(0);
      expect(step).toBeGreaterThan(0);
    }
    await run.kill("SIGTERM");
    await dir.remove();
  }, 60_000);

  test("a silent stall of sim serve's stream is found within about one interval: the account polls, then goes live again on a new connection", async () => {
    const server = spawnWarden(["sim", "serve", "--port", "0", "--latency", "zero", "--stream-fault", "stall@1,account=main"], { env: DEMO_KEYS, server: true });
    const url = (await server.waitForLine((l) => l.startsWith("listening on "), 20_000)).slice("listening on ".length).trim();
    const dir = await tempDir("run-stream-stall");
    const run = spawnWarden(["run", "--exchange", "bybit", "--base-url", url, "--state-dir", dir.path, "--interval", "1000", "--stream", "--json"], { env: DEMO_KEYS });
    const isMain = (name: string) => (l: string): boolean => isEvent(name)(l) && l.includes('"account":"main"');
    await run.waitForLine(isMain("stream.live"), 30_000);
    const n = run.lines.length;
    expect((await fetch(`${url}/__sim/step?n=1`, { method: "POST" })).ok).toBe(true);
    const fallback = eventsOf([await run.waitForLine((l) => run.lines.indexOf(l) >= n && isMain("stream.fallback")(l), 30_000)])[0]!;
    // ping every 500 ms, dead after 1 s of silence (linkTimings(1000)): not the 45 s default
    expect(String(fallback["why"])).toContain("silent for 1000 ms");
    await run.waitForLine((l) => run.lines.indexOf(l) >= n && isMain("stream.live")(l), 30_000);
    await run.kill("SIGTERM");
    await dir.remove();
  }, 60_000);

  test("--stream reacts to a TP1 fill pushed on the stream at once, not at the next interval (60 s): the stop goes to breakeven", async () => {
    const env = { WARDEN_MAIN_API_KEY: "sim-main-key", WARDEN_MAIN_API_SECRET: "sim-main-secret" };
    const dir = await tempDir("run-stream-fill");
    // the basic scenario with a TP1 of half the position: once it fills, the stop goes to breakeven
    const scenario = JSON.parse(readFileSync(join(import.meta.dir, "..", "..", "fixtures", "scenarios", "basic.json"), "utf8")) as { orders: { orderLinkId: string; qty: number }[] };
    for (const o of scenario.orders) if (o.orderLinkId === "seed-BTCUSDT-tp1") o.qty = 0.05;
    scenario.orders.push({ ...scenario.orders.find((o) => o.orderLinkId === "seed-BTCUSDT-tp1")!, orderLinkId: "seed-BTCUSDT-tp2", price: 65_000 } as (typeof scenario.orders)[number]);
    const file = join(dir.path, "tp1-half.json");
    writeFileSync(file, JSON.stringify(scenario));
    const basic = await startSimServer({ scenario: file, latency: "zero", env });
    const run = spawnWarden(["run", "--exchange", "bybit", "--base-url", basic.url, "--state-dir", dir.path, "--interval", "60000", "--stream", "--json"], { env });
    await run.waitForLine(isEvent("stream.live"), 30_000);
    // the first cycle ran; the next one is 60 s away unless the stream wakes the loop
    await run.waitForLine(cycleLine(), 30_000);
    const rest = async (): Promise<number> => Object.entries((await basic.state()).requests).filter(([path]) => path.includes("/v5/")).reduce((a, [, n]) => a + n, 0);
    const before = await rest();
    const n = run.lines.length;
    const t0 = Date.now();
    await basic.step(4); // the price rises through the TP at 61000: TP1 fills
    const amended = await run.waitForLine((l) => run.lines.indexOf(l) >= n && isEvent("order.amended")(l) && l.includes('"role":"sl"'), 20_000).catch((e: unknown) => {
      console.log(run.lines.slice(n - 5).map((l) => l.slice(0, 300)).join("\n"));
      throw e;
    });
    const reactedMs = Date.parse(String((JSON.parse(amended) as { ts: string }).ts)) - t0;
    expect(reactedMs).toBeLessThan(5_000);
    expect(eventsOf(run.lines.slice(n)).some((e) => e["event"] === "rule.applied" && e["rule"] === "tp1-filled-breakeven")).toBe(true);
    // the cycle that reacted, woken by the stream, completes as every cycle does
    const at = run.lines.indexOf(amended);
    await run.waitForLine((l) => run.lines.indexOf(l) > at && cycleLine()(l), 20_000);
    // the reaction read nothing over REST: only the writes (the stop's amend, and the TP ladder's follow-ups)
    const writes = eventsOf(run.lines.slice(n)).filter((e) => ["order.amended", "order.placed", "order.cancelled"].includes(String(e["event"]))).length;
    expect((await rest()) - before).toBe(writes);
    await run.kill("SIGTERM");
    await basic.close();
    await dir.remove();
  }, 60_000);

  test("--stream and --read polling contradict each other (a usage error)", async () => {
    const run = spawnWarden(["run", "--stream", "--read", "polling", "--once"], { env: DEMO_KEYS });
    const exit = await run.exited;
    expect(exit.code).toBe(2);
    expect(run.stderr() + run.stdout()).toContain("--stream and --read polling contradict each other");
  }, 30_000);
});

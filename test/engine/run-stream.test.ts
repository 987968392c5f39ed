/**
 * `warden run --exchange bybit --base-url URL --read stream` against a real `sim serve`
 * process: the accounts go live on the private stream, steady cycles make no REST request
 * (the simulator's request log does not move), and the status document says `readMode:
 * "stream"`. The default read path stays polling.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
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

  test("--stream and --read polling contradict each other (a usage error)", async () => {
    const run = spawnWarden(["run", "--stream", "--read", "polling", "--once"], { env: DEMO_KEYS });
    const exit = await run.exited;
    expect(exit.code).toBe(2);
    expect(run.stderr() + run.stdout()).toContain("--stream and --read polling contradict each other");
  }, 30_000);
});

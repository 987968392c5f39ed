/**
 * Graceful stop (issue 3): SIGTERM or SIGINT to a running engine lets the cycle in progress
 * finish, persists, releases the lock and exits 0.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEMO_KEYS, eventsOf, isEvent, killAllProcesses, killAllWardens, spawnWarden, startSimServer, tempDir, type SimServerProcess } from "../support/processes.ts";

describe("a running engine stopped by a signal", () => {
  let sim: SimServerProcess;
  beforeAll(async () => {
    sim = await startSimServer({ latency: "fixed:50", env: DEMO_KEYS });
  });
  afterEach(async () => {
    await killAllWardens();
  });
  afterAll(async () => {
    await killAllProcesses();
  });

  test.each(["SIGTERM", "SIGINT"] as const)("%s: finishes the cycle, persists, releases the lock, exits 0", async (signal) => {
    const dir = await tempDir("signal");
    const run = spawnWarden(["run", "--exchange", "bybit", "--base-url", sim.url, "--state-dir", dir.path, "--interval", "200", "--json"], { env: DEMO_KEYS });
    await run.waitForLine(isEvent("cycle.completed"), 30_000);
    const exit = await run.kill(signal);
    expect(exit).toEqual({ code: 0, signal: null });
    const events = eventsOf(run.lines);
    const names = events.map((e) => e["event"]);
    expect(names).toContain("run.stopping");
    const stopped = events.find((e) => e["event"] === "run.stopped");
    expect(stopped?.["reason"]).toBe("signal");
    expect(names.lastIndexOf("cycle.completed")).toBeLessThan(names.indexOf("run.stopped"));
    expect(existsSync(join(dir.path, "lock"))).toBe(false);
    const saved = JSON.parse(readFileSync(join(dir.path, "monitors.json"), "utf8")) as { monitors: unknown[] };
    expect(saved.monitors.length).toBe(30);
    await dir.remove();
  }, 60_000);
});

/**
 * One engine per state dir, with real processes (issue 3): two `run --once` at the same
 * time on one state dir: one runs, the other exits 3 (STATE_LOCKED, a runtime fault) with
 * one line naming the state dir and the holder's pid, having done nothing; and a stale lock
 * left by a SIGKILLed run does not block the next run.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEMO_KEYS,
  eventsOf,
  isEvent,
  killAllProcesses,
  killAllWardens,
  spawnWarden,
  startSimServer,
  tempDir,
  type SimServerProcess,
} from "../support/processes.ts";

describe("the state dir lock between real warden run processes", () => {
  let sim: SimServerProcess;
  const dirs: { remove: () => Promise<void> }[] = [];
  const newStateDir = async () => {
    const d = await tempDir("lock");
    dirs.push(d);
    return d.path;
  };
  const runArgs = (stateDir: string, extra: string[]) => ["run", "--exchange", "bybit", "--base-url", sim.url, "--state-dir", stateDir, "--json", ...extra];

  beforeAll(async () => {
    // 200 ms a request: a `run --once` holds the lock for a second or more, so two overlap.
    sim = await startSimServer({ latency: "fixed:200", env: DEMO_KEYS });
  });
  afterEach(async () => {
    await killAllWardens();
  });
  afterAll(async () => {
    await killAllProcesses();
    for (const d of dirs) await d.remove();
  });

  test(
    "of two run --once started together on one state dir, one runs a cycle and exits 0, the other exits 3 naming the state dir and the holder's pid",
    async () => {
      const stateDir = await newStateDir();
      const a = spawnWarden(runArgs(stateDir, ["--once"]), { env: DEMO_KEYS });
      const b = spawnWarden(runArgs(stateDir, ["--once"]), { env: DEMO_KEYS });
      const [exitA, exitB] = await Promise.all([a.exited, b.exited]);
      const results = [
        { proc: a, exit: exitA },
        { proc: b, exit: exitB },
      ];
      const codes = results.map((r) => r.exit.code).sort();
      expect(codes).toEqual([0, 3]);
      const winner = results.find((r) => r.exit.code === 0)!.proc;
      const loser = results.find((r) => r.exit.code === 3)!.proc;

      expect(eventsOf(winner.lines).filter((e) => e["event"] === "cycle.completed")).toHaveLength(1);
      expect(winner.stderr()).toBe("");

      const message = loser.stderr().trim();
      expect(message.split("\n")).toHaveLength(1);
      expect(message).toStartWith("warden: STATE_LOCKED: ");
      expect(message).toContain(stateDir);
      expect(message).toContain(`pid ${winner.pid}`);
      // The loser did nothing: no events, no cycle, no checkpoint of its own.
      expect(loser.stdout()).toBe("");
      expect(readdirSync(join(stateDir, "checkpoints"))).toHaveLength(1);
      // The winner released the lock on its way out.
      expect(existsSync(join(stateDir, "lock"))).toBe(false);
    },
    60_000,
  );

  test(
    "a lock left by a run killed with SIGKILL does not block the next run",
    async () => {
      const stateDir = await newStateDir();
      const first = spawnWarden(runArgs(stateDir, ["--cycles", "1000", "--interval", "50"]), { env: DEMO_KEYS });
      await first.waitForLine(isEvent("cycle.completed"), 30_000);
      const held = JSON.parse(readFileSync(join(stateDir, "lock"), "utf8")) as { pid: number; command: string };
      expect(held).toMatchObject({ pid: first.pid, command: "run" });
      expect((await first.kill("SIGKILL")).signal).toBe("SIGKILL");
      // The killed holder's lock is still there: stale, not released.
      expect(JSON.parse(readFileSync(join(stateDir, "lock"), "utf8"))).toMatchObject({ pid: first.pid });

      const next = spawnWarden(runArgs(stateDir, ["--once"]), { env: DEMO_KEYS });
      const exit = await next.exited;
      expect({ code: exit.code, stderr: next.stderr() }).toEqual({ code: 0, stderr: "" });
      expect(eventsOf(next.lines).filter((e) => e["event"] === "cycle.completed")).toHaveLength(1);
      expect(existsSync(join(stateDir, "lock"))).toBe(false);
    },
    60_000,
  );
});

/**
 * SIGTERM to whatever started the engine stops the engine: `npx bun run cli run`, `npm run
 * cli -- run` and `bun run cli run` (docker stop, or systemd with KillMode=mixed, signals only
 * the process it started). Before `.npmrc` set `script-shell`, npm ran
 * `sh -c "'bun' run cli ..."`; dash does not exec that command, so npm's forwarded SIGTERM
 * killed the shell and the engine ran on, orphaned, holding the lock. `bun run` forwards the
 * signal to the script it runs.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { descendantsOf, isEvent, isRunning, killAllProcesses, killAllWardens, REPO_ROOT, spawnCommand, tempDir } from "../support/processes.ts";

/** The basic scenario with a price path long enough that the run is still cycling when signalled. */
function longScenario(dir: string): string {
  const basic = JSON.parse(readFileSync(join(REPO_ROOT, "fixtures/scenarios/basic.json"), "utf8")) as Record<string, unknown>;
  const prices = Array.from({ length: 50_000 }, (_, i) => 60_000 + (i % 7) * 10);
  const file = join(dir, "long.json");
  writeFileSync(file, JSON.stringify({ ...basic, name: "long", prices: { BTCUSDT: prices } }));
  return file;
}

/** Resolves true when `event` settles within `ms`, false otherwise (a deadline, not a wait). */
async function within(event: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((done) => (timer = setTimeout(() => done(false), ms)));
  try {
    return await Promise.race([event.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

const leftovers = new Set<number>();

describe("SIGTERM to the launcher of `run`", () => {
  afterEach(async () => {
    // A failed run leaves the orphaned engine: stop it so it does not outlive the test.
    for (const pid of leftovers) if (isRunning(pid)) process.kill(pid, "SIGKILL");
    leftovers.clear();
    await killAllWardens();
  });
  afterAll(async () => {
    await killAllProcesses();
  });

  const launchers: [string, string, string[]][] = [
    ["npx bun run cli", "npx", ["bun", "run", "cli"]],
    ["npm run cli --", "npm", ["run", "cli", "--"]],
    ["bun run cli", process.execPath, ["run", "cli"]],
  ];

  test.each(launchers)("%s run: the whole process tree exits promptly and the lock is released", async (_name, command, prefix) => {
    const dir = await tempDir("launcher");
    const stateDir = join(dir.path, "state");
    const scenario = longScenario(dir.path);
    const run = spawnCommand(command, [...prefix, "run", "--exchange", "sim", "--latency", "zero", "--scenario", scenario, "--state-dir", stateDir, "--json"]);
    await run.waitForLine(isEvent("cycle.completed"), 60_000);
    const lock = join(stateDir, "lock");
    const holder = (JSON.parse(readFileSync(lock, "utf8")) as { pid: number }).pid;
    const tree = descendantsOf(run.pid);
    for (const pid of tree) leftovers.add(pid);
    expect(tree).toContain(holder);

    const sentAt = Date.now();
    run.child.kill("SIGTERM");
    const stopped = await run.waitForLine(isEvent("run.stopped"), 15_000).catch((e: Error) => e.message);
    const exit = await run.exited;
    // the launcher's stdout is inherited by the whole tree: it closes when the last of them exits
    const allGone = await within(run.stdioClosed, 10_000);
    const tookMs = Date.now() - sentAt;
    const alive = tree.filter(isRunning);

    expect({ stopped, exit, alive }).toMatchObject({ stopped: expect.stringContaining(`"reason":"signal"`), exit: { code: 0 }, alive: [] });
    expect(allGone).toBe(true);
    expect(existsSync(lock)).toBe(false);
    expect(isRunning(holder)).toBe(false);
    expect(tookMs).toBeLessThan(10_000);
    await dir.remove();
  }, 90_000);
});

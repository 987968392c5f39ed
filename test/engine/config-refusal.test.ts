/**
 * Malformed config and bad flags exit 2 before any network call (issue 3). The base URL
 * points at a port where nothing listens: a network call would fail differently (exit 3,
 * RECONCILE_FAILED), so an exit 2 with the config's own message proves none was made.
 * Nothing is written: the state dir is not even created.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { closedPort, DEMO_KEYS, killAllWardens, spawnWarden, tempDir } from "../support/processes.ts";

describe("warden run with a malformed config or bad flags", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let url: string;
  const stateDir = () => join(dir.path, "state");
  const run = async (extra: string[], state = stateDir()) => {
    const exchange = extra.includes("--exchange") ? [] : ["--exchange", "bybit"];
    const proc = spawnWarden(["run", ...exchange, "--base-url", url, "--state-dir", state, "--once", ...extra], { env: DEMO_KEYS });
    const exit = await proc.exited;
    return { code: exit.code, stderr: proc.stderr().trim(), stdout: proc.stdout() };
  };

  beforeAll(async () => {
    dir = await tempDir("config");
    url = `http://127.0.0.1:${await closedPort()}`;
  });
  afterEach(async () => {
    await killAllWardens();
  });
  afterAll(async () => {
    await dir.remove();
  });

  test("a closed port as the exchange fails as a network fault (exit 3), the baseline the refusals below differ from", async () => {
    const result = await run([], join(dir.path, "baseline-state"));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("RECONCILE_FAILED");
  }, 30_000);

  test("a config with several problems exits 2 with one line naming the file and listing every problem", async () => {
    const file = join(dir.path, "bad.json");
    const config = {
      intervalMs: -5,
      urgency: { criticalPct: "half" },
      plan: { ladder: [50, 30], breakevenBufferBps: 9000 },
      mirror: { ratio: 0 },
      colour: "blue",
    };
    writeFileSync(file, JSON.stringify(config));
    const result = await run(["--config", file]);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")).toHaveLength(1);
    expect(result.stderr).toStartWith(`warden: CONFIG_INVALID: ${file}: `);
    for (const field of ["intervalMs", "urgency.criticalPct", "plan.ladder", "plan.breakevenBufferBps", "mirror.ratio", "colour"]) {
      expect(result.stderr).toContain(field);
    }
    expect(result.stdout).toBe("");
    expect(existsSync(stateDir())).toBe(false);
  }, 30_000);

  test("a config file that is not JSON exits 2 naming the file", async () => {
    const file = join(dir.path, "not-json.json");
    writeFileSync(file, "{ intervalMs: 100,");
    const result = await run(["--config", file]);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(file);
    expect(existsSync(stateDir())).toBe(false);
  }, 30_000);

  test("a missing config file exits 2 naming it", async () => {
    const file = join(dir.path, "missing.json");
    const result = await run(["--config", file]);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(file);
    expect(existsSync(stateDir())).toBe(false);
  }, 30_000);

  const badFlags: { flags: string[]; says: string[] }[] = [
    { flags: ["--cycles", "0"], says: ["--cycles", "0"] },
    { flags: ["--exchange", "kraken"], says: ["--exchange", "kraken"] },
    { flags: ["--latency", "slow"], says: ["--latency", "slow"] },
    { flags: ["--interval", "soon"], says: ["--interval", "soon"] },
  ];
  for (const { flags, says } of badFlags) {
    test(`${flags.join(" ")} exits 2 with one line naming the flag and the bad value`, async () => {
      const result = await run(flags);
      expect(result.code).toBe(2);
      expect(result.stderr.split("\n")).toHaveLength(1);
      expect(result.stderr).toStartWith("warden: USAGE");
      for (const word of says) expect(result.stderr).toContain(word);
      expect(existsSync(stateDir())).toBe(false);
    }, 30_000);
  }
});

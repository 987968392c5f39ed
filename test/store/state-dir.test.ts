import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { defaultStateDir, existingStateDir, stateRoot } from "../../core/store/state-dir.ts";

const ROOT = resolve(import.meta.dir, "../..");

describe("state root", () => {
  const vars = (v: Record<string, string>) => (name: string) => v[name];
  const home = () => "/home/ann";

  test("is $WARDEN_HOME, else $XDG_STATE_HOME/warden, else ~/.local/state/warden: never the working directory", () => {
    expect(stateRoot(vars({ WARDEN_HOME: "/srv/warden", XDG_STATE_HOME: "/x" }), home)).toBe("/srv/warden");
    expect(stateRoot(vars({ XDG_STATE_HOME: "/home/ann/.state" }), home)).toBe("/home/ann/.state/warden");
    expect(stateRoot(vars({ XDG_STATE_HOME: "relative" }), home)).toBe("/home/ann/.local/state/warden");
    expect(stateRoot(vars({}), home)).toBe("/home/ann/.local/state/warden");
  });

  test("tests run with WARDEN_HOME in a temp dir, never the real home", () => {
    expect(process.env["WARDEN_HOME"]).toStartWith(tmpdir());
    expect(stateRoot()).toBe(process.env["WARDEN_HOME"]!);
  });
});

describe("state dir", () => {
  test("simulated and live runs get different default dirs under the state root", () => {
    expect(defaultStateDir("sim", "demo-30", "/r")).toBe("/r/sim-demo-30");
    expect(defaultStateDir("bybit", "https://api-testnet.bybit.com/", "/r")).toBe("/r/bybit-api-testnet.bybit.com");
    expect(defaultStateDir("bybit", "http://127.0.0.1:8181", "/r")).toBe("/r/bybit-127.0.0.1-8181");
    expect(defaultStateDir("sim", "../../etc", "/r")).toBe("/r/sim-etc");
  });

  test("a dry run's default dir is its exchange's with a -dry-run suffix, so a real run never reads its monitors", () => {
    expect(defaultStateDir("bybit", "https://api.bybit.com", "/r", true)).toBe("/r/bybit-api.bybit.com-dry-run");
    expect(defaultStateDir("sim", "demo-30", "/r", true)).toBe("/r/sim-demo-30-dry-run");
    expect(defaultStateDir("sim", "demo-30", "/r", false)).toBe("/r/sim-demo-30");
  });

  test("a run of one account alone (run --account) gets its own default dir, so processes of different accounts never share a lock", () => {
    expect(defaultStateDir("bybit", "https://api.bybit.com", "/r", false, "fam-1")).toBe("/r/bybit-api.bybit.com@fam-1");
    expect(defaultStateDir("bybit", "https://api.bybit.com", "/r", true, "fam-1")).toBe("/r/bybit-api.bybit.com@fam-1-dry-run");
    expect(defaultStateDir("sim", "demo-30", "/r", false, "mirror")).toBe("/r/sim-demo-30@mirror");
    expect(defaultStateDir("sim", "demo-30", "/r", false, "mirror")).not.toBe(defaultStateDir("sim", "demo-30", "/r", false, "main"));
  });

  test("a maintenance command uses the only state dir, or asks which one", async () => {
    const root = await mkdtemp(join(tmpdir(), "warden-dirs-"));
    try {
      await expect(existingStateDir(undefined, root)).rejects.toMatchObject({ code: "STATE_DIR_MISSING" });
      await mkdir(join(root, "sim-demo-30"), { recursive: true });
      expect(await existingStateDir(undefined, root)).toBe(join(root, "sim-demo-30"));
      await mkdir(join(root, "bybit-api.bybit.com"));
      await expect(existingStateDir(undefined, root)).rejects.toThrow("bybit-api.bybit.com, sim-demo-30");
      await expect(existingStateDir(join(root, "nope"), root)).rejects.toMatchObject({ code: "STATE_DIR_MISSING", kind: "input" });
      expect(await existingStateDir(join(root, "sim-demo-30"), root)).toBe(join(root, "sim-demo-30"));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test("run from one directory and rollback from another find the same state dir", async () => {
    const home = await mkdtemp(join(tmpdir(), "warden-home-"));
    const [a, b] = [await mkdtemp(join(tmpdir(), "warden-cwd-")), await mkdtemp(join(tmpdir(), "warden-cwd-"))];
    const warden = (cwd: string, args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, "cli/main.ts"), ...args], { cwd, env: { ...process.env, WARDEN_HOME: home, NO_COLOR: "1" }, encoding: "utf8" });
    try {
      expect(warden(a, ["run", "--latency", "zero", "--cycles", "1", "--quiet"]).status).toBe(0);
      expect(await readdir(home)).toEqual(["sim-demo-30"]);
      expect(await readdir(a)).toEqual([]); // nothing under the working directory
      const list = warden(b, ["rollback", "--list", "--json"]);
      expect(list.status).toBe(0);
      expect((JSON.parse(list.stdout) as unknown[]).length).toBeGreaterThan(0);
      expect(warden(b, ["cache-stats", "--json"]).status).toBe(0);
    } finally {
      for (const d of [home, a, b]) await rm(d, { recursive: true, force: true });
    }
  }, 60_000);
});

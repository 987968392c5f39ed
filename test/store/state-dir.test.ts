import { describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultStateDir, existingStateDir } from "../../core/store/state-dir.ts";

describe("state dir", () => {
  test("simulated and live runs get different default dirs under .warden", () => {
    expect(defaultStateDir("sim", "demo-30", "/work")).toBe("/work/.warden/sim-demo-30");
    expect(defaultStateDir("bybit", "https://api-testnet.bybit.com/", "/work")).toBe("/work/.warden/bybit-api-testnet.bybit.com");
    expect(defaultStateDir("bybit", "http://127.0.0.1:8181", "/work")).toBe("/work/.warden/bybit-127.0.0.1-8181");
    expect(defaultStateDir("sim", "../../etc", "/work")).toBe("/work/.warden/sim-etc");
  });

  test("a maintenance command uses the only state dir, or asks which one", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "warden-dirs-"));
    try {
      await expect(existingStateDir(undefined, cwd)).rejects.toMatchObject({ code: "STATE_DIR_MISSING" });
      await mkdir(join(cwd, ".warden", "sim-demo-30"), { recursive: true });
      expect(await existingStateDir(undefined, cwd)).toBe(join(cwd, ".warden", "sim-demo-30"));
      await mkdir(join(cwd, ".warden", "bybit-api.bybit.com"));
      await expect(existingStateDir(undefined, cwd)).rejects.toThrow("bybit-api.bybit.com, sim-demo-30");
      await expect(existingStateDir("nope", cwd)).rejects.toMatchObject({ code: "STATE_DIR_MISSING", kind: "input" });
      expect(await existingStateDir(".warden/sim-demo-30", cwd)).toBe(join(cwd, ".warden", "sim-demo-30"));
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});

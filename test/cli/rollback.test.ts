import { describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { runCli } from "../support/in-process-cli.ts";
import { FileStateStore } from "../../core/store/file-state-store.ts";
import { makeMonitor, type TestMonitor } from "../store/builders.ts";
import { fingerprintDir } from "../store/fingerprint.ts";

const root = resolve(import.meta.dir, "../..");

/** Runs `warden ...` in process with stdout and stderr captured. */
const warden = runCli;

interface Fixture {
  dir: string;
  store: FileStateStore;
  /** A manual checkpoint of `before`, then `present` saved as the current monitors. */
  good: string;
  before: TestMonitor[];
  present: TestMonitor[];
}

async function withState(fn: (f: Fixture) => Promise<void>): Promise<void> {
  const parent = await mkdtemp(join(tmpdir(), "warden-rollback-"));
  const dir = join(parent, "state");
  const store = new FileStateStore(dir);
  const before = [makeMonitor({ symbol: "BTCUSDT" }), makeMonitor({ symbol: "ETHUSDT" })];
  const present = [makeMonitor({ symbol: "BTCUSDT", size: 3 }), makeMonitor({ symbol: "SOLUSDT", side: "short" })];
  await store.saveMonitors(before);
  const good = (await store.checkpoint("manual")).id;
  await store.saveMonitors(present);
  await store.checkpoint("pre-run");
  try {
    await fn({ dir, store, good, before, present });
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

describe("warden rollback --list", () => {
  test("lists checkpoints with id, time, reason and monitor count", () =>
    withState(async ({ dir, good }) => {
      const r = await warden(["rollback", "--list", "--state-dir", dir]);
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split("\n");
      expect(lines[0]).toMatch(/^ID\s+TIME \(UTC\)\s+REASON\s+MONITORS$/);
      expect(lines[1]).toMatch(new RegExp(`^${good.replace(".", "\\.")}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+manual\\s+2$`));
      expect(lines[2]).toMatch(/pre-run\s+2$/);
    }));

  test("--json prints an array of checkpoints", () =>
    withState(async ({ dir, good }) => {
      const r = await warden(["rollback", "--list", "--json", "--state-dir", dir]);
      const list = JSON.parse(r.stdout) as { id: string; reason: string; monitorCount: number; createdAt: string }[];
      expect(list.map((c) => [c.reason, c.monitorCount])).toEqual([["manual", 2], ["pre-run", 2]]);
      expect(list[0]?.id).toBe(good);
    }));

  test("a corrupt checkpoint is listed as corrupt, not hidden", () =>
    withState(async ({ dir, good }) => {
      await writeFile(join(dir, "checkpoints", `${good}.json`), '{"schema":1,');
      const r = await warden(["rollback", "--list", "--state-dir", dir]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("CORRUPT");
      expect(r.stdout).toContain(`${good}.json is corrupt (truncated JSON at byte 12)`);
    }));
});

describe("warden rollback --to", () => {
  test("takes a safety checkpoint, restores, leaves the marker, and says how to undo", () =>
    withState(async ({ dir, store, good, before, present }) => {
      const r = await warden(["rollback", "--to", good, "--state-dir", dir]);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(await store.loadMonitors<TestMonitor>()).toEqual(before);
      const safety = (await store.listCheckpoints()).at(-1);
      expect(safety && "reason" in safety ? safety.reason : undefined).toBe("pre-rollback");
      expect((await store.loadCheckpoint<TestMonitor>(safety!.id)).monitors).toEqual(present);
      expect(await store.restoreMarker()).toMatchObject({ from: good, safety: safety!.id });
      expect(r.stdout).toContain(`warden rollback --to ${safety!.id}`);
      expect(r.stdout).toContain("reconciles");
    }));

  test("rollback --to the safety checkpoint undoes the rollback", () =>
    withState(async ({ dir, store, good, present }) => {
      const first = JSON.parse((await warden(["rollback", "--to", good, "--state-dir", dir, "--json"])).stdout) as { safety: { id: string } };
      const undo = await warden(["rollback", "--to", first.safety.id, "--state-dir", dir, "--json"]);
      expect(undo.code).toBe(0);
      expect(await store.loadMonitors<TestMonitor>()).toEqual(present);
    }));

  test("--json reports the restored and safety checkpoints and the changes", () =>
    withState(async ({ dir, good }) => {
      const r = await warden(["rollback", "--to", good, "--state-dir", dir, "--json"]);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(out).toMatchObject({
        stateDir: dir,
        dryRun: false,
        restored: { id: good, reason: "manual", monitorCount: 2 },
        safety: { reason: "pre-rollback", monitorCount: 2 },
        changes: { added: ["main:ETHUSDT:long"], removed: ["main:SOLUSDT:short"], changed: ["main:BTCUSDT:long"], unchanged: 0 },
      });
    }));

  test("--dry-run shows the monitors that would change and changes nothing", () =>
    withState(async ({ dir, good }) => {
      const before = await fingerprintDir(dir);
      const r = await warden(["rollback", "--to", good, "--dry-run", "--state-dir", dir]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("add 1: main:ETHUSDT:long");
      expect(r.stdout).toContain("remove 1: main:SOLUSDT:short");
      expect(r.stdout).toContain("change 1: main:BTCUSDT:long");
      const json = JSON.parse((await warden(["rollback", "--to", good, "--dry-run", "--json", "--state-dir", dir])).stdout) as Record<string, unknown>;
      expect(json).toMatchObject({ dryRun: true, checkpoint: { id: good }, changes: { added: ["main:ETHUSDT:long"] } });
      expect(await fingerprintDir(dir)).toBe(before);
    }));

  test("refuses with exit 3 and one line while another live process holds the lock, changing nothing", () =>
    withState(async ({ dir, good }) => {
      const code = `
        const { FileStateStore } = await import(${JSON.stringify(join(root, "core/store/file-state-store.ts"))});
        await new FileStateStore(${JSON.stringify(dir)}).lock("run");
        process.stdout.write("locked\\n");
        setInterval(() => {}, 1000);
      `;
      const engine = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
      try {
        await new Promise<void>((ready) => engine.stdout.on("data", (c: Buffer) => c.toString().includes("locked") && ready()));
        const before = await fingerprintDir(dir);
        const r = await warden(["rollback", "--to", good, "--state-dir", dir]);
        expect(r.code).toBe(3);
        expect(r.stdout).toBe("");
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).toContain(`STATE_LOCKED: state dir ${dir} is locked by pid ${engine.pid} (run)`);
        expect(await fingerprintDir(dir)).toBe(before);
      } finally {
        engine.kill("SIGKILL");
      }
    }));
});

describe("warden rollback refuses bad input with one line, exit 2, nothing changed", () => {
  test.each([
    ["an unknown checkpoint id", (_f: Fixture) => ["--to", "20260101T000000.000Z-0000"], "CHECKPOINT_UNKNOWN"],
    ["a corrupt checkpoint", (f: Fixture) => ["--to", f.good], "CHECKPOINT_CORRUPT"],
    ["a dry run of a corrupt checkpoint", (f: Fixture) => ["--to", f.good, "--dry-run"], "CHECKPOINT_CORRUPT"],
  ] as const)("%s", (_name, args, code) =>
    withState(async (f) => {
      if (code === "CHECKPOINT_CORRUPT") {
        const file = join(f.dir, "checkpoints", `${f.good}.json`);
        await writeFile(file, (await readFile(file, "utf8")).replace('"size": 0.01', '"size": 1'));
      }
      const before = await fingerprintDir(f.dir);
      const r = await warden(["rollback", ...args(f), "--state-dir", f.dir]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(code);
      expect(await fingerprintDir(f.dir)).toBe(before);
    }),
  );

  test("a corrupt checkpoint's message names its file", () =>
    withState(async (f) => {
      const file = join(f.dir, "checkpoints", `${f.good}.json`);
      await writeFile(file, (await readFile(file, "utf8")).replace('"size": 0.01', '"size": 1'));
      const r = await warden(["rollback", "--to", f.good, "--state-dir", f.dir]);
      expect(r.stderr).toContain(`${file} is corrupt (checksum mismatch)`);
    }));

  test("a missing state dir", async () => {
    const r = await warden(["rollback", "--list", "--state-dir", join(tmpdir(), "warden-no-such-dir")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`warden: STATE_DIR_MISSING: state dir ${join(tmpdir(), "warden-no-such-dir")} does not exist\n`);
  });

  test("--json also prints the error as JSON on stdout", () =>
    withState(async ({ dir }) => {
      const r = await warden(["rollback", "--to", "nope", "--json", "--state-dir", dir]);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: "CHECKPOINT_UNKNOWN" } });
    }));

  test.each([
    [[], "needs --list, --to ID or --cache"],
    [["--list", "--to", "x"], "cannot be combined"],
    [["--cache", "maybe"], "--cache must be one of on, off"],
  ])("usage %j", (args, message) =>
    withState(async ({ dir }) => {
      const before = await fingerprintDir(dir);
      const r = await warden(["rollback", ...args, "--state-dir", dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(await fingerprintDir(dir)).toBe(before);
    }),
  );
});

describe("warden rollback --cache", () => {
  test("writes the setting the next run reads, and back", () =>
    withState(async ({ dir, store }) => {
      const off = await warden(["rollback", "--cache", "off", "--state-dir", dir]);
      expect(off.code).toBe(0);
      expect(off.stdout).toContain("set cache off (was on)");
      expect(await store.settings()).toEqual({ cache: "off" });
      const on = JSON.parse((await warden(["rollback", "--cache", "on", "--json", "--state-dir", dir])).stdout) as Record<string, unknown>;
      expect(on).toMatchObject({ cache: { from: "off", to: "on" } });
      expect(await store.settings()).toEqual({ cache: "on" });
    }));

  test("--dry-run with --cache changes nothing", () =>
    withState(async ({ dir }) => {
      const before = await fingerprintDir(dir);
      const r = await warden(["rollback", "--cache", "off", "--dry-run", "--state-dir", dir]);
      expect(r.stdout).toContain("would set cache off");
      expect(await fingerprintDir(dir)).toBe(before);
    }));
});

describe("warden rollback as a real process", () => {
  test("exit codes reach the shell: 0 for a list, 2 for an unknown id", () =>
    withState(async ({ dir }) => {
      const run = (args: string[]) => spawnSync(process.execPath, [join(root, "cli/main.ts"), "rollback", ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
      expect(run(["--list", "--state-dir", dir]).status).toBe(0);
      const bad = run(["--to", "nope", "--state-dir", dir]);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toBe('warden: CHECKPOINT_UNKNOWN: no checkpoint "nope"; "warden rollback --list" shows the ids\n');
    }));
});

describe("warden rollback --to with a corrupt monitors.json", () => {
  const torn = '{"schema":1,"savedAt":"2026-11-24T09:15:00.000Z","monitors":[{"id":"main:BTC'; // a save cut short

  test("run refuses it, naming rollback --to as the way out", () =>
    withState(async ({ dir }) => {
      await writeFile(join(dir, "monitors.json"), torn);
      const r = await warden(["run", "--latency", "zero", "--cycles", "1", "--quiet", "--state-dir", dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("STATE_CORRUPT");
      expect(r.stderr).toContain("warden rollback --to");
    }));

  test("--dry-run says the corrupt file would be set aside and changes nothing", () =>
    withState(async ({ dir, good }) => {
      await writeFile(join(dir, "monitors.json"), torn);
      const before = await fingerprintDir(dir);
      const r = await warden(["rollback", "--to", good, "--dry-run", "--state-dir", dir]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("set the corrupt monitors.json aside");
      expect(await fingerprintDir(dir)).toBe(before);
    }));

  test("restores the checkpoint and keeps the corrupt file aside, named, byte for byte; run then starts", () =>
    withState(async ({ dir, good, before }) => {
      await writeFile(join(dir, "monitors.json"), torn);
      const r = await warden(["rollback", "--to", good, "--json", "--state-dir", dir]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { setAside: string; safety: { monitorCount: number } };
      expect(out.setAside).toMatch(/^monitors\.json\.corrupt-\d{8}T\d{6}\.\d{3}Z$/);
      expect(await readFile(join(dir, out.setAside), "utf8")).toBe(torn);
      expect(out.safety.monitorCount).toBe(0);
      expect(await new FileStateStore(dir).loadMonitors<TestMonitor>()).toEqual(before);
      const human = await warden(["rollback", "--to", good, "--state-dir", dir]); // nothing corrupt now: no set-aside line
      expect(human.stdout).not.toContain("kept aside");
    }));
});

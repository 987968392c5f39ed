/**
 * `warden status`: on the state dir a real `warden run` process wrote, and on status files
 * built with the status builder (an unprotected position, a stale engine); `--check` exit
 * codes both ways; a corrupt or missing status is one line naming the file, exit 2.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import type { StatusDoc } from "../../core/status/status-doc.ts";
import { FileStateStore } from "../../core/store/file-state-store.ts";
import { makeMonitor, T0 } from "../domain/builders.ts";
import { makeStatus, protectedMonitor, withProtection } from "../status/builders.ts";
import { runCli as warden } from "../support/in-process-cli.ts";
import { killAllWardens, spawnWarden } from "../support/processes.ts";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "warden-status-"));
  dirs.push(dir);
  return dir;
}

async function dirWith(status: StatusDoc | string): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, "status.json"), typeof status === "string" ? status : JSON.stringify(status));
  return dir;
}

let runDir = "";
let runPid = 0;

beforeAll(async () => {
  runDir = await tempDir();
  const run = spawnWarden(["run", "--exchange", "sim", "--latency", "zero", "--cycles", "5", "--state-dir", runDir, "--quiet"]);
  runPid = run.pid;
  const exit = await run.exited;
  if (exit.code !== 0) throw new Error(`warden run exited ${exit.code}: ${run.stderr()}`);
});

afterEach(killAllWardens);
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("warden status on a state dir written by warden run", () => {
  test("shows the engine and one row per position, without colour off a TTY", async () => {
    const { code, stdout, stderr } = await warden(["status", "--state-dir", runDir]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(`Warden status of ${runDir}`);
    expect(stdout).toContain(`not running (last run: pid ${runPid})`);
    expect(stdout).toMatch(/last cycle\s+5, written/);
    expect(stdout).toContain("read mode polling");
    expect(stdout).toMatch(/account\s+symbol\s+side\s+size\s+entry\s+mark\s+stop\s+distance\s+covers\s+TPs filled\/working\s+plan\s+source\s+protection\s+since\s+last rule/);
    const rows = stdout.split("\n").filter((l) => /^(main|mirror)\s/.test(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/\d+\.\d\d%\s+yes\s+\d+\/\d+\s+.*\s(protected|no-stop|stand-by|unprotected)\s/);
    expect(stdout).not.toContain("\x1b[");
  });

  test("--json gives each position's protection and the engine's figures", async () => {
    const { code, stdout } = await warden(["status", "--state-dir", runDir, "--json"]);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as StatusDoc & { stateDir: string; engine: { running: boolean; stale: boolean; ageMs: number } };
    expect(parsed.stateDir).toBe(runDir);
    expect(parsed.engine).toMatchObject({ pid: runPid, exchange: "sim", clock: "virtual", readMode: "polling", cycle: 5, running: false, unprotected: 0 });
    expect(parsed.engine.restCallsPerMinute).toBeGreaterThan(0);
    expect(parsed.positions.length).toBeGreaterThan(0);
    for (const p of parsed.positions) {
      expect(["protected", "unprotected", "stand-by", "no-stop"]).toContain(p.protection);
      expect(p.mark).toBeGreaterThan(0);
      expect(p.stop?.coversSize).toBe(true);
    }
  });

  test("--check exits 0 with one line when everything is protected and the last cycle is recent enough", async () => {
    const { code, stdout } = await warden(["status", "--state-dir", runDir, "--check", "--max-age", "3600"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^OK: \d+ positions protected; engine alive, last cycle .* ago\n$/);
  });
});

describe("warden status --check", () => {
  test("fails with exit 1 naming an unprotected position", async () => {
    const naked = withProtection(makeMonitor({ sl: false }), "unprotected", "no stop working", T0 + 4000);
    const dir = await dirWith(makeStatus([naked, protectedMonitor({ side: "short" })], { now: Date.now() }));
    const { code, stdout } = await warden(["status", "--state-dir", dir, "--check"]);
    expect(code).toBe(1);
    expect(stdout.trimEnd().split("\n")).toHaveLength(1);
    expect(stdout).toContain("FAILED: main:BTCUSDT:long unprotected since");
    expect(stdout).toContain("(no stop working)");
    const json = await warden(["status", "--state-dir", dir, "--check", "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, reasons: [expect.stringContaining("main:BTCUSDT:long unprotected")] });
    const table = await warden(["status", "--state-dir", dir]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain("main:BTCUSDT:long unprotected: no stop working");
  });

  test("a last cycle older than --max-age is stale (exit 1); within it, alive (exit 0)", async () => {
    const dir = await dirWith(makeStatus([protectedMonitor()], { now: Date.now() - 100_000 }));
    const stale = await warden(["status", "--state-dir", dir, "--check", "--max-age", "60"]);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/^FAILED: engine stale: last cycle 10\d s ago, limit 60 s\n$/);
    expect((await warden(["status", "--state-dir", dir, "--check", "--max-age", "300"])).code).toBe(0);
    expect((await warden(["status", "--state-dir", dir, "--check"])).code).toBe(1); // 3 intervals of 2 s
    const table = await warden(["status", "--state-dir", dir]);
    expect(table.stdout).toContain("STALE, limit 6.0 s");
  });
});

describe("warden status: the engine running or not", () => {
  test("a live run holding the state dir's lock is running", async () => {
    const dir = await dirWith(makeStatus([protectedMonitor()], { now: Date.now() }));
    const lock = await new FileStateStore(dir).lock("run");
    try {
      const { stdout } = await warden(["status", "--state-dir", dir, "--json"]);
      expect(JSON.parse(stdout).engine).toMatchObject({ running: true, lock: { pid: process.pid, command: "run" } });
      expect((await warden(["status", "--state-dir", dir])).stdout).toContain(`running (pid ${process.pid}, run)`);
    } finally {
      await lock.release();
    }
    expect(JSON.parse((await warden(["status", "--state-dir", dir, "--json"])).stdout).engine).toMatchObject({ running: false, lock: null });
  });
});

describe("warden status: bad input", () => {
  test("a corrupt status.json is one line naming it, exit 2", async () => {
    const dir = await dirWith('{"version": 1, "eng');
    const { code, stdout, stderr } = await warden(["status", "--state-dir", dir]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toContain(join(dir, "status.json"));
    expect(stderr).toContain("truncated JSON");
  });

  test("a status.json of the wrong shape is one line naming it and the field, exit 2 (--check too)", async () => {
    const doc = makeStatus([protectedMonitor()], { now: Date.now() });
    const dir = await dirWith(JSON.stringify({ ...doc, positions: [{ ...doc.positions[0], protection: "maybe" }] }));
    for (const extra of [[], ["--check"]]) {
      const { code, stderr } = await warden(["status", "--state-dir", dir, ...extra]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^warden: STATUS_CORRUPT: .*status\.json is corrupt \(positions\.0\.protection: .*\n$/);
    }
  });

  test("no status yet: one line naming the file, exit 2", async () => {
    const dir = await tempDir();
    const { code, stderr } = await warden(["status", "--state-dir", dir, "--check"]);
    expect(code).toBe(2);
    expect(stderr).toBe(`warden: STATUS_MISSING: no status yet in ${join(dir, "status.json")}: "warden run" writes it at the end of each cycle\n`);
  });

  test("a missing state dir, --check with --watch, or a --max-age that is not a number exit 2", async () => {
    expect((await warden(["status", "--state-dir", join(tmpdir(), "warden-no-such-dir-7c1e")])).code).toBe(2);
    expect((await warden(["status", "--state-dir", runDir, "--check", "--watch"])).code).toBe(2);
    expect((await warden(["status", "--state-dir", runDir, "--check", "--max-age", "x"])).code).toBe(2);
  });
});

describe("renderStatus", () => {
  test("colours protection states only when asked to (a TTY without NO_COLOR)", async () => {
    const { renderStatus } = await import("../../cli/render/status.ts");
    const naked = withProtection(makeMonitor({ side: "short", sl: false }), "unprotected", "no stop working");
    const doc = makeStatus([protectedMonitor(), naked]);
    const view = { doc, stateDir: "/state", lock: undefined, running: false, fresh: { ageMs: 1000, limitMs: 6000, stale: false } };
    const coloured = renderStatus(view, { color: true });
    expect(coloured).toContain("\x1b[32mprotected\x1b[39m");
    expect(coloured).toMatch(/\x1b\[31m\x1b\[1munprotected/);
    const plain = renderStatus(view, { color: false });
    expect(plain).not.toContain("\x1b[");
    // columns line up: the colour codes are not counted as width
    const rows = plain.split("\n").filter((l) => l.startsWith("main "));
    expect(rows[0]!.indexOf("protected")).toBe(rows[1]!.indexOf("unprotected"));
  });

  test("a status written by a dry run says DRY RUN in its header; one written by a real run does not", async () => {
    const { renderStatus } = await import("../../cli/render/status.ts");
    const view = (dryRun: boolean) => ({ doc: makeStatus([protectedMonitor()], { dryRun }), stateDir: "/state", lock: undefined, running: false, fresh: { ageMs: 1000, limitMs: 6000, stale: false } });
    expect(renderStatus(view(true), { color: false }).split("\n")[0]).toBe("Warden status of /state  DRY RUN: orders and protection shown are paper, nothing was written to the exchange");
    expect(renderStatus(view(false), { color: false })).not.toContain("DRY RUN");
  });
});

describe("warden status --watch", () => {
  test("redraws until SIGINT, then exits 0", async () => {
    const child = spawn(process.execPath, [resolve(import.meta.dir, "../../cli/main.ts"), "status", "--watch", "--state-dir", runDir], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    const firstDraw = new Promise<void>((done) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("last rule")) done();
      });
    });
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    await firstDraw;
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out).toContain("Warden status of");
  });
});

/**
 * Operator flows across commands, with real processes: `validate` over a log `run` wrote,
 * and `rollback --to` followed by `run` against `sim serve` (the exchange outlives the runs).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { loadScenario } from "../../core/sim/scenario.ts";

const root = resolve(import.meta.dir, "../..");
const scenario = loadScenario("demo-30");
const keys = {
  WARDEN_MAIN_API_KEY: scenario.accounts["main"]!.apiKey,
  WARDEN_MAIN_API_SECRET: scenario.accounts["main"]!.apiSecret,
  WARDEN_MIRROR_API_KEY: scenario.accounts.mirror!.apiKey,
  WARDEN_MIRROR_API_SECRET: scenario.accounts.mirror!.apiSecret,
};

function warden(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["cli/main.ts", ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1", ...env }, encoding: "utf8", timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface SimOrder {
  orderLinkId: string;
  symbol: string;
  triggerPrice: string;
  reduceOnly: boolean;
}
interface SimState {
  accounts: Record<string, { positions: { symbol: string; size: string }[]; openOrders: { list: SimOrder[] } }>;
}

describe("validate over a log that run wrote", () => {
  test("a healthy simulated run passes validate", async () => {
    const dir = await mkdtemp(join(tmpdir(), "warden-flow-"));
    const log = join(dir, "run.ndjson");
    const run = warden(["run", "--latency", "zero", "--cycles", "40", "--quiet", "--state-dir", join(dir, "state"), "--log-file", log]);
    expect(run.code).toBe(0);
    const v = warden(["validate", log, "--json"]);
    const report = JSON.parse(v.stdout) as { verdict: string; lines: number; indicators: { id: string; count: number }[] };
    expect(report.lines).toBeGreaterThan(40);
    expect(report.indicators.filter((i) => i.count > 0)).toEqual([]);
    expect({ verdict: report.verdict, code: v.code }).toEqual({ verdict: "pass", code: 0 });
  }, 120_000);
});

describe("rollback --to, then run, against sim serve", () => {
  let server: ChildProcess;
  let url = "";
  let dir = "";

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "warden-rollback-run-"));
    server = spawn(process.execPath, ["cli/main.ts", "sim", "serve", "--latency", "zero"], { cwd: root, env: { ...process.env, ...keys }, stdio: ["ignore", "pipe", "inherit"] });
    url = await new Promise<string>((resolveUrl, reject) => {
      let seen = "";
      server.stdout!.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        const m = /listening on (http:\/\/\S+)/.exec(seen);
        if (m) resolveUrl(m[1]!);
      });
      server.on("exit", () => reject(new Error(`sim serve exited: ${seen}`)));
    });
  });

  afterAll(() => {
    server?.kill("SIGKILL");
  });

  const state = async (): Promise<SimState> => (await (await fetch(`${url}/__sim/state`)).json()) as SimState;
  const step = (n: number) => fetch(`${url}/__sim/step?n=${n}`, { method: "POST" });
  const run = (...extra: string[]) => warden(["run", "--exchange", "bybit", "--base-url", url, "--state-dir", join(dir, "state"), ...(extra.includes("--json") ? [] : ["--quiet"]), ...extra], keys); // --json --quiet would drop the info events read here
  const monitorsFile = () => readFile(join(dir, "state", "monitors.json"), "utf8");

  test("restores the monitors, reconciles them against the exchange, places no duplicate, and the safety checkpoint undoes it", async () => {
    expect(run("--cycles", "2", "--interval", "10").code).toBe(0);
    await step(61); // past the hand-cancelled ETH stop (step 60)
    expect(run("--once").code).toBe(0); // restores the ETH stop
    const afterRestore = await state();
    const ethStops = (s: SimState) => s.accounts["main"]!.openOrders.list.filter((o) => o.symbol === "ETHUSDT" && o.reduceOnly && o.triggerPrice !== "" && o.triggerPrice !== "0");
    expect(ethStops(afterRestore).length).toBe(1);

    const list = JSON.parse(warden(["rollback", "--list", "--json", "--state-dir", join(dir, "state")]).stdout) as { id: string; reason: string }[];
    const beforeRestore = list.filter((c) => c.reason === "pre-run").at(-1)!; // taken before the run that restored the stop
    const present = await monitorsFile();
    const rb = warden(["rollback", "--to", beforeRestore.id, "--json", "--state-dir", join(dir, "state")]);
    expect(rb.code).toBe(0);
    const safety = (JSON.parse(rb.stdout) as { safety: { id: string } }).safety.id;
    expect(await monitorsFile()).not.toBe(present);

    const after = run("--once", "--json");
    expect(after.code).toBe(0);
    expect(after.stdout).toContain('"event":"reconcile.completed"');
    expect(after.stdout).toContain(`"restoredFrom":"${beforeRestore.id}"`);
    const s = await state();
    expect(ethStops(s).length).toBe(1);
    for (const [account, a] of Object.entries(s.accounts)) {
      const ids = a.openOrders.list.map((o) => o.orderLinkId);
      expect({ account, duplicates: ids.filter((id, i) => ids.indexOf(id) !== i) }).toEqual({ account, duplicates: [] });
      for (const p of a.positions) {
        const stops = a.openOrders.list.filter((o) => o.symbol === p.symbol && o.reduceOnly && o.triggerPrice !== "" && o.triggerPrice !== "0");
        expect({ account, symbol: p.symbol, stops: stops.length }).toEqual({ account, symbol: p.symbol, stops: 1 });
      }
    }

    const undo = warden(["rollback", "--to", safety, "--state-dir", join(dir, "state")]);
    expect(undo.code).toBe(0);
    const restored = JSON.parse(await monitorsFile()) as { monitors: unknown[] };
    expect(restored.monitors).toEqual((JSON.parse(present) as { monitors: unknown[] }).monitors);
  }, 120_000);
});

describe("rollback --cache off shows in run and in validate", () => {
  test("run states the setting, reads per monitor, and validate flags the uncached fetches", async () => {
    const dir = await mkdtemp(join(tmpdir(), "warden-cache-off-"));
    const stateDir = join(dir, "state");
    const log = join(dir, "run.ndjson");
    expect(warden(["run", "--latency", "zero", "--cycles", "1", "--quiet", "--state-dir", stateDir]).code).toBe(0);
    expect(warden(["rollback", "--cache", "off", "--state-dir", stateDir]).code).toBe(0);
    const run = warden(["run", "--latency", "zero", "--cycles", "3", "--json", "--state-dir", stateDir, "--log-file", log]);
    expect(run.code).toBe(0);
    const started = run.stdout.split("\n").find((l) => l.includes('"event":"run.started"'))!;
    expect(JSON.parse(started)).toMatchObject({ cache: "off", strategy: "naive" });
    const v = warden(["validate", log, "--json"]);
    const report = JSON.parse(v.stdout) as { verdict: string; indicators: { id: string; count: number }[] };
    expect(report.indicators.find((i) => i.id === "uncached-fetch")!.count).toBeGreaterThan(0);
    expect({ verdict: report.verdict, code: v.code }).toEqual({ verdict: "fail", code: 1 });
  }, 120_000);
});

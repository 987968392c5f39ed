/**
 * `--account NAME` on the commands that act on one account (README "Accounts"): a name
 * outside the roster is one line naming the flag, exit 2, nothing written; `status` and
 * `cache-stats` show that account alone (text and --json); `plan` and `trade` take any roster
 * name of the config; `run --account` composes that account alone, on the simulator and on a
 * `sim serve` exchange with only its keys set, warns once when it is a follower, and refuses a
 * state dir holding other accounts' monitors.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { CacheStatsFile } from "../../core/cache/stats.ts";
import type { StatusDoc } from "../../core/status/status-doc.ts";
import { runCli as warden } from "../support/in-process-cli.ts";
import { eventsOf, killAllProcesses, killAllWardens, spawnWarden, startSimServer, tempDir, type SimServerProcess } from "../support/processes.ts";
import { ROSTER, writeRosterScenario } from "../support/roster-scenario.ts";

let dir: { path: string; remove: () => Promise<void> };
let files: { scenario: string; config: string };
/** A state dir written by a whole-roster run of the roster scenario on the in-process simulator. */
let rosterState = "";
/** A state dir written by a demo-30 run (main and mirror). */
let demoState = "";

/** Every file under `root` with a digest of its content: equal before and after means nothing was written. */
function tree(root: string): Record<string, string> {
  if (!existsSync(root)) return {};
  const out: Record<string, string> = {};
  for (const name of readdirSync(root, { recursive: true, encoding: "utf8" }).sort()) {
    const path = join(root, name);
    if (statSync(path).isFile()) out[name] = createHash("sha256").update(readFileSync(path)).digest("hex");
  }
  return out;
}

async function runToEnd(args: string[], env: Record<string, string> = {}) {
  const proc = spawnWarden(args, { env });
  const exit = await proc.exited;
  return { code: exit.code, stdout: proc.stdout(), stderr: proc.stderr(), events: eventsOf(proc.lines) };
}

beforeAll(async () => {
  dir = await tempDir("account-flag");
  files = writeRosterScenario(dir.path);
  rosterState = join(dir.path, "roster-state");
  demoState = join(dir.path, "demo-state");
  const [roster, demo] = await Promise.all([
    runToEnd(["run", "--scenario", files.scenario, "--state-dir", rosterState, "--quiet"]),
    runToEnd(["run", "--latency", "zero", "--cycles", "4", "--state-dir", demoState, "--quiet"]),
  ]);
  if (roster.code !== 0 || demo.code !== 0) throw new Error(`runs exited ${roster.code}, ${demo.code}: ${roster.stderr}${demo.stderr}`);
});
afterEach(killAllWardens);
afterAll(async () => {
  await killAllProcesses();
  await dir.remove();
});

describe("an account outside the roster", () => {
  const unknown = (name: string): [string, () => string[], () => string][] => [
    ["run (simulator: the scenario's accounts)", () => ["run", "--scenario", files.scenario, "--account", name, "--state-dir", join(dir.path, "never-run"), "--latency", "zero"], () => join(dir.path, "never-run")],
    ["run (bybit: the config's accounts)", () => ["run", "--exchange", "bybit", "--base-url", "http://127.0.0.1:9", "--config", files.config, "--account", name, "--state-dir", join(dir.path, "never-live")], () => join(dir.path, "never-live")],
    ["status", () => ["status", "--state-dir", rosterState, "--account", name], () => rosterState],
    ["status --json", () => ["status", "--state-dir", rosterState, "--account", name, "--json"], () => rosterState],
    ["status --check", () => ["status", "--state-dir", rosterState, "--account", name, "--check"], () => rosterState],
    ["cache-stats", () => ["cache-stats", "--state-dir", rosterState, "--account", name], () => rosterState],
    ["cache-stats --json", () => ["cache-stats", "--state-dir", rosterState, "--account", name, "--json"], () => rosterState],
    ["trade", () => ["trade", "ETHUSDT", "long", "--qty", "0.1", "--market", "--config", files.config, "--account", name, "--state-dir", join(dir.path, "never-traded")], () => join(dir.path, "never-traded")],
    ["plan", () => ["plan", "ETHUSDT", "--stop", "3100", "--config", files.config, "--account", name, "--state-dir", rosterState], () => rosterState],
    ["plan --list", () => ["plan", "--list", "--config", files.config, "--account", name, "--state-dir", rosterState], () => rosterState],
  ];

  for (const name of ["nobody", "Desk-Lead", "main"]) {
    for (const [what, args, written] of unknown(name)) {
      test(`${what} --account ${name}: one line naming the flag, exit 2, nothing written`, async () => {
        const before = tree(written());
        const { code, stdout, stderr } = await warden(args());
        expect(code).toBe(2);
        expect(stdout).toBe("");
        expect(stderr.trimEnd().split("\n")).toHaveLength(1);
        expect(stderr).toMatch(new RegExp(`^warden: USAGE_UNKNOWN_ACCOUNT: --account "${name}" is not an account of .*\\(known: `));
        expect(tree(written())).toEqual(before);
      });
    }
  }

  test("the line lists the accounts it knows: the config's, or main and mirror without one", async () => {
    const configured = await warden(["plan", "ETHUSDT", "--stop", "3100", "--config", files.config, "--account", "nobody", "--state-dir", rosterState]);
    expect(configured.stderr).toContain(`(known: desk-lead, fam-1, fund-b-2)`);
    const byDefault = await warden(["plan", "ETHUSDT", "--stop", "3100", "--account", "nobody", "--state-dir", demoState]);
    expect(byDefault.stderr).toContain("the default roster (no --config) (known: main, mirror)");
  });

  test("run --account without --state-dir creates no state dir under the state root", async () => {
    const home = join(dir.path, "home-unknown");
    mkdirSync(home);
    const run = await runToEnd(["run", "--account", "nobody", "--latency", "zero"], { WARDEN_HOME: home });
    expect(run.code).toBe(2);
    expect(readdirSync(home)).toEqual([]);
  });
});

describe("status and cache-stats --account show that account alone", () => {
  test("status --json: the account's positions only, and the run's accounts without it", async () => {
    const all = JSON.parse((await warden(["status", "--state-dir", rosterState, "--json"])).stdout) as StatusDoc;
    expect(all.accounts).toEqual(ROSTER.map((a) => a.name));
    expect(new Set(all.positions.map((p) => p.account))).toEqual(new Set(["desk-lead", "fam-1", "fund-b-2"]));
    const { code, stdout } = await warden(["status", "--state-dir", rosterState, "--account", "fund-b-2", "--json"]);
    expect(code).toBe(0);
    const one = JSON.parse(stdout) as StatusDoc;
    expect(one.accounts).toEqual(["fund-b-2"]);
    expect(one.positions.length).toBeGreaterThan(0);
    expect(one.positions).toEqual(all.positions.filter((p) => p.account === "fund-b-2"));
  });

  test("status text: one account's rows and the account named in the header", async () => {
    const { code, stdout } = await warden(["status", "--state-dir", demoState, "--account", "mirror"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}accounts {5}mirror$/m);
    const rows = stdout.split("\n").filter((l) => /^(main|mirror)\s/.test(l));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.startsWith("mirror "))).toBe(true);
  });

  test("status --check --account judges that account's positions", async () => {
    const { code, stdout } = await warden(["status", "--state-dir", demoState, "--account", "main", "--check", "--max-age", "3600"]);
    const all = JSON.parse((await warden(["status", "--state-dir", demoState, "--json"])).stdout) as StatusDoc;
    const mains = all.positions.filter((p) => p.account === "main").length;
    expect(code).toBe(0);
    expect(stdout).toContain(`${mains} position${mains === 1 ? "" : "s"} protected`);
    expect(mains).toBeLessThan(all.positions.length);
  });

  test("cache-stats --account: that account's figures in both windows, in JSON and Prometheus", async () => {
    const all = JSON.parse((await warden(["cache-stats", "--state-dir", demoState, "--json"])).stdout) as CacheStatsFile;
    expect(Object.keys(all.sinceStart.accounts).sort()).toEqual(["main", "mirror"]);
    const json = await warden(["cache-stats", "--state-dir", demoState, "--account", "mirror", "--json"]);
    expect(json.code).toBe(0);
    const one = JSON.parse(json.stdout) as CacheStatsFile;
    expect(Object.keys(one.sinceStart.accounts)).toEqual(["mirror"]);
    expect(Object.keys(one.lastCycle.accounts)).toEqual(["mirror"]);
    expect(one.sinceStart.accounts["mirror"]).toEqual(all.sinceStart.accounts["mirror"]!);
    const prom = await warden(["cache-stats", "--state-dir", demoState, "--account", "mirror", "--prometheus"]);
    expect(prom.stdout).toContain('account="mirror"');
    expect(prom.stdout).not.toContain('account="main"');
    const text = await warden(["cache-stats", "--state-dir", demoState, "--account", "main"]);
    expect(text.stdout).toMatch(/\bmain\b/);
    expect(text.stdout).not.toMatch(/\bmirror\b/);
  });
});

describe("plan and trade take any roster name", () => {
  test("plan --account sets the plan of that account's position; plan --list --account lists that account's", async () => {
    const set = await warden(["plan", "ETHUSDT", "--stop", "3100", "--config", files.config, "--account", "fam-1", "--state-dir", rosterState, "--json"]);
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ monitor: "fam-1:ETHUSDT:short", plan: { stop: { price: 3100 } } });
    const plans = JSON.parse(readFileSync(join(rosterState, "plans.json"), "utf8")) as Record<string, unknown>;
    expect(JSON.stringify(plans)).toContain("fam-1:ETHUSDT:short");
    const listed = await warden(["plan", "--list", "--config", files.config, "--account", "fund-b-2", "--state-dir", rosterState, "--json"]);
    const rows = JSON.parse(listed.stdout) as { monitor: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.monitor.startsWith("fund-b-2:"))).toBe(true);
  });

  test("trade --account of the config needs that account's keys, WARDEN_<NAME>_API_KEY with - as _; nothing written", async () => {
    const where = join(dir.path, "trade-keys");
    const { code, stderr } = await warden(["trade", "ETHUSDT", "long", "--qty", "0.1", "--market", "--config", files.config, "--account", "fund-b-2", "--state-dir", where]);
    expect(code).toBe(2);
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).toContain("WARDEN_FUND_B_2_API_KEY and WARDEN_FUND_B_2_API_SECRET");
    expect(existsSync(where)).toBe(false);
  });
});

describe("run --account composes one account alone", () => {
  test("a follower on the simulator: warned once that its leader is not read, its own positions protected, the leader's close not followed", async () => {
    const state = join(dir.path, "alone-sim");
    const run = await runToEnd(["run", "--scenario", files.scenario, "--account", "fam-1", "--state-dir", state, "--json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const warned = run.events.filter((e) => e["event"] === "leader.not-read");
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ level: "warn", account: "fam-1", leader: "desk-lead" });
    expect(run.events.findIndex((e) => e["event"] === "leader.not-read")).toBeLessThan(run.events.findIndex((e) => e["event"] === "cycle.completed"));
    const accounts = new Set(run.events.flatMap((e) => (typeof e["account"] === "string" ? [e["account"]] : [])));
    expect(accounts).toEqual(new Set(["fam-1"]));
    expect(run.events.filter((e) => e["event"] === "order.placed" && e["role"] === "sl").length).toBe(2);
    expect(run.events.some((e) => e["rule"] === "mirror-close-followed")).toBe(false);
    const status = JSON.parse(readFileSync(join(state, "status.json"), "utf8")) as StatusDoc;
    expect(status.accounts).toEqual(["fam-1"]);
    expect(status.positions.map((p) => p.monitor).sort()).toEqual(["fam-1:BTCUSDT:long", "fam-1:ETHUSDT:short"]);
  });

  test("a leader alone: no warning", async () => {
    const run = await runToEnd(["run", "--scenario", files.scenario, "--account", "desk-lead", "--state-dir", join(dir.path, "alone-leader"), "--json", "--cycles", "2"]);
    expect(run.code).toBe(0);
    expect(run.events.some((e) => e["event"] === "leader.not-read")).toBe(false);
    expect(run.events.some((e) => e["event"] === "snapshot.loaded" && e["account"] !== "desk-lead")).toBe(false);
  });

  describe("against sim serve", () => {
    let sim: SimServerProcess;
    const onlyFam = { WARDEN_FAM_1_API_KEY: "sim-fam-1-key", WARDEN_FAM_1_API_SECRET: "sim-fam-1-secret" };
    beforeAll(async () => {
      sim = await startSimServer({ scenario: files.scenario, latency: "zero" });
    });

    test("only its keys are needed; only it is read and protected; the default state dir is its own", async () => {
      const home = join(dir.path, "home-live");
      mkdirSync(home);
      const live = ["run", "--exchange", "bybit", "--base-url", sim.url, "--config", files.config, "--once", "--json"];
      const whole = await runToEnd(live, { ...onlyFam, WARDEN_HOME: home });
      expect(whole.code).toBe(2);
      expect(whole.stderr).toContain("WARDEN_DESK_LEAD_API_KEY");

      const alone = await runToEnd([...live, "--account", "fam-1"], { ...onlyFam, WARDEN_HOME: home });
      expect(alone.stderr).toBe("");
      expect(alone.code).toBe(0);
      expect(alone.events.filter((e) => e["event"] === "leader.not-read")).toHaveLength(1);
      expect(new Set(alone.events.filter((e) => e["event"] === "snapshot.loaded").map((e) => e["account"]))).toEqual(new Set(["fam-1"]));
      const started = alone.events.find((e) => e["event"] === "run.started");
      expect(started?.["account"]).toBe("fam-1");
      expect(readdirSync(home)).toEqual([`bybit-${new URL(sim.url).host.replace(":", "-")}@fam-1`]);
      const venue = await sim.state();
      expect(venue.accounts["fam-1"]!.openOrders.count).toBe(2); // its two stops
      expect(venue.accounts["desk-lead"]!.openOrders.count).toBe(0);
      expect(venue.accounts["fund-b-2"]!.openOrders.count).toBe(0);
    });

    test("a state dir holding other accounts' monitors is refused in one line, exit 2, nothing written", async () => {
      const shared = join(dir.path, "shared-live");
      const keys = Object.fromEntries(ROSTER.flatMap((a) => {
        const stem = `WARDEN_${a.name.toUpperCase().replaceAll("-", "_")}_API_`;
        return [[`${stem}KEY`, `sim-${a.name}-key`], [`${stem}SECRET`, `sim-${a.name}-secret`]];
      }));
      const first = await runToEnd(["run", "--exchange", "bybit", "--base-url", sim.url, "--config", files.config, "--once", "--quiet", "--state-dir", shared], keys);
      expect(first.code).toBe(0);
      const before = tree(shared);
      const alone = await runToEnd(["run", "--exchange", "bybit", "--base-url", sim.url, "--config", files.config, "--once", "--account", "fund-b-2", "--state-dir", shared], keys);
      expect(alone.code).toBe(2);
      expect(alone.stdout).toBe("");
      expect(alone.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(alone.stderr).toMatch(/^warden: STATE_OTHER_ACCOUNTS: state dir .* holds monitors of desk-lead, fam-1: run --account fund-b-2 needs a state dir of its own/);
      expect(tree(shared)).toEqual(before);
    });
  });
});

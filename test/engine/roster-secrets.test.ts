/**
 * Keys never leave the process with a configured roster (issue 12): three accounts whose names
 * carry a `-`, their keys set only through WARDEN_<NAME>_API_KEY / _SECRET (upper-cased, `-` as
 * `_`) for `sim serve` and for Warden. Runs of the whole roster (JSON and human), of one account
 * alone, one with a wrong secret (an auth failure, exit 3), and the commands that read what they
 * wrote (`status`, `cache-stats`, `plan --list`, a refused `trade`): no key or secret, nor its
 * URL-encoded form, in any stdout, stderr, log file, status.json or other file of the state dirs.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { keyVariables } from "../../core/domain/accounts.ts";
import process from "node:process";
import { runCli } from "../support/in-process-cli.ts";
import { eventsOf, killAllProcesses, spawnWarden, startSimServer, tempDir, type SimServerProcess, type WardenProcess } from "../support/processes.ts";
import { ROSTER, writeRosterScenario } from "../support/roster-scenario.ts";

/** Secrets with characters that change under URL encoding, so the encoded form is a distinct needle. */
const secret = (tag: string) => `${tag}+/=${randomBytes(24).toString("hex")}`;
const CREDS = Object.fromEntries(ROSTER.map((a, i) => [a.name, { apiKey: `ROSTERKEY${i}${randomBytes(8).toString("hex")}`, secret: secret(`Roster${i}Secret`) }]));
const KEYS: Record<string, string> = Object.fromEntries(
  ROSTER.flatMap((a) => {
    const vars = keyVariables(a.name);
    return [
      [vars.key, CREDS[a.name]!.apiKey],
      [vars.secret, CREDS[a.name]!.secret],
    ];
  }),
);
const WRONG_SECRET = secret("WrongRosterSecret");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

describe("keys of a configured roster of three accounts in everything Warden writes", () => {
  let sim: SimServerProcess;
  let dir: { path: string; remove: () => Promise<void> };
  let files: { scenario: string; config: string };
  const procs: { what: string; proc: WardenProcess }[] = [];
  const whole = () => join(dir.path, "whole");
  const alone = () => join(dir.path, "alone");
  const logFile = () => join(dir.path, "run.ndjson");
  const warden = async (what: string, args: string[], env: Record<string, string> = KEYS) => {
    const proc = spawnWarden(args, { env });
    procs.push({ what, proc });
    return { proc, exit: await proc.exited };
  };
  const live = (stateDir: string) => ["run", "--exchange", "bybit", "--base-url", sim.url, "--config", files.config, "--state-dir", stateDir, "--log-file", logFile()];

  beforeAll(async () => {
    dir = await tempDir("roster-secrets");
    files = writeRosterScenario(dir.path);
    expect(Object.keys(KEYS)).toContain("WARDEN_FUND_B_2_API_SECRET");
    sim = await startSimServer({ scenario: files.scenario, latency: "zero", env: KEYS });
  });
  afterAll(async () => {
    await killAllProcesses();
    await dir.remove();
  });

  test("appear in no stdout, stderr, log file, status.json, state file or --json output", async () => {
    const first = await warden("whole --once --json", [...live(whole()), "--once", "--json"]);
    expect({ code: first.exit.code, stderr: first.proc.stderr() }).toEqual({ code: 0, stderr: "" });
    await sim.step(4); // the leader's BTC closed by hand: the followers' closes are writes
    const cycles = await warden("whole --cycles --json", [...live(whole()), "--cycles", "3", "--interval", "20", "--json"]);
    const human = await warden("whole human", [...live(whole()), "--cycles", "2", "--interval", "20"]);
    for (const r of [cycles, human]) expect({ code: r.exit.code, stderr: r.proc.stderr() }).toEqual({ code: 0, stderr: "" });
    const one = await warden("alone --json", [...live(alone()), "--account", "fund-b-2", "--once", "--json"]);
    expect({ code: one.exit.code, stderr: one.proc.stderr() }).toEqual({ code: 0, stderr: "" });

    const wrong = await warden("wrong secret", [...live(whole()), "--once", "--json"], { ...KEYS, [keyVariables("fam-1").secret]: WRONG_SECRET });
    expect(wrong.exit.code).toBe(3);
    expect(wrong.proc.stderr().trim().split("\n")).toHaveLength(1);
    expect(wrong.proc.stderr()).toMatch(/auth|sign/);

    for (const [what, args] of [
      ["status --json", ["status", "--state-dir", whole(), "--json"]],
      ["status", ["status", "--state-dir", whole()]],
      ["status --account --json", ["status", "--state-dir", whole(), "--account", "fam-1", "--json"]],
      ["cache-stats --json", ["cache-stats", "--state-dir", whole(), "--json"]],
      ["plan --list --json", ["plan", "--list", "--config", files.config, "--state-dir", whole(), "--json"]],
    ] as const) {
      const r = await warden(what, [...args]);
      expect({ what, code: r.exit.code, stderr: r.proc.stderr() }).toEqual({ what, code: 0, stderr: "" });
    }
    const refused = await warden("trade refused", ["trade", "NOPEUSDT", "long", "--qty", "1", "--market", "--config", files.config, "--account", "fund-b-2", "--base-url", sim.url, "--state-dir", whole(), "--json"]);
    expect(refused.exit.code).toBe(2);
    expect(refused.proc.stderr()).toContain("TRADE_UNKNOWN_SYMBOL");

    // the runs did the work whose output is searched: every account read, writes made
    const events = procs.flatMap((p) => eventsOf(p.proc.lines));
    expect(new Set(events.filter((e) => e["event"] === "snapshot.loaded").map((e) => e["account"]))).toEqual(new Set(ROSTER.map((a) => a.name)));
    expect(events.some((e) => e["event"] === "order.placed")).toBe(true);
    expect(events.some((e) => e["rule"] === "mirror-close-followed")).toBe(true);

    const places: { where: string; text: string }[] = [];
    for (const { what, proc } of procs) places.push({ where: `${what} stdout`, text: proc.stdout() }, { where: `${what} stderr`, text: proc.stderr() });
    places.push({ where: "sim serve stdout", text: sim.process.stdout() }, { where: "sim serve stderr", text: sim.process.stderr() });
    const written = [logFile(), ...filesUnder(whole()), ...filesUnder(alone())];
    for (const file of written) places.push({ where: file, text: readFileSync(file, "utf8") });
    expect(written.some((f) => f.endsWith("status.json"))).toBe(true);
    expect(written.some((f) => f.endsWith("journal.ndjson"))).toBe(true);

    const values = [...Object.values(KEYS), WRONG_SECRET];
    const needles = [...new Set([...values, ...values.map(encodeURIComponent)])];
    const leaks: string[] = [];
    for (const { where, text } of places) for (const needle of needles) if (text.includes(needle)) leaks.push(`${where} contains ${needle.slice(0, 8)}...`);
    expect(leaks).toEqual([]);
  }, 90_000);
});

describe("the exit boundary's last guard", () => {
  test("redacts any account's key from an error line, whatever the account's name (not only main's and mirror's)", async () => {
    const name = keyVariables("fund-b-2").secret;
    const value = CREDS["fund-b-2"]!.secret;
    process.env[name] = value;
    try {
      // a path that happens to hold the secret: the config error names the path
      const { code, stderr } = await runCli(["run", "--config", `/nonexistent/${value}.json`]);
      expect(code).toBe(2);
      expect(stderr).toContain("CONFIG_UNREADABLE");
      expect(stderr).toContain("[redacted]");
      expect(stderr).not.toContain(value);
      expect(stderr).not.toContain(encodeURIComponent(value));
    } finally {
      delete process.env[name];
    }
  });
});

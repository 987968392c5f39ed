/**
 * API keys never leave the process (issue 3): runs against `sim serve` with distinctive
 * keys, through faults that produce errors and a run with a wrong secret (an auth error,
 * exit 3); the keys and secrets (and their URL-encoded forms) appear in no stdout, stderr,
 * log file, or file of the state dir.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { eventsOf, killAllProcesses, REPO_ROOT, spawnWarden, startSimServer, tempDir, type SimServerProcess, type WardenProcess } from "../support/processes.ts";

/** Secrets with characters that change under URL encoding, so the encoded form is a distinct needle. */
const secret = (tag: string) => `${tag}+/=${randomBytes(24).toString("hex")}`;
const KEYS = {
  WARDEN_MAIN_API_KEY: "WARDENTESTKEY1234",
  WARDEN_MAIN_API_SECRET: secret("MainSecret"),
  WARDEN_MIRROR_API_KEY: "WARDENTESTMIRRORKEY5678",
  WARDEN_MIRROR_API_SECRET: secret("MirrorSecret"),
};
const WRONG_SECRET = secret("WrongSecret");

const needles = (): string[] => {
  const values = [...Object.values(KEYS), WRONG_SECRET];
  return [...new Set([...values, ...values.map(encodeURIComponent)])];
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

/** demo-30 with faults that make reads and writes fail now and then. */
function faultyScenario(dir: string): string {
  const scenario = JSON.parse(readFileSync(join(REPO_ROOT, "fixtures/scenarios/demo-30.json"), "utf8")) as Record<string, unknown>;
  scenario["name"] = "demo-30-faulty";
  scenario["faults"] = [
    { kind: "5xx", path: "/v5/order/realtime", fromStep: 60, probability: 0.3, count: 3 },
    { kind: "10006", path: "/v5/order/amend", probability: 0.3, count: 3 },
    { kind: "5xx", path: "/v5/order/create", count: 1 },
  ];
  const file = join(dir, "demo-30-faulty.json");
  writeFileSync(file, JSON.stringify(scenario));
  return file;
}

describe("API keys and secrets in everything warden run writes", () => {
  let sim: SimServerProcess;
  let dir: { path: string; remove: () => Promise<void> };
  const runs: WardenProcess[] = [];
  const stateDir = () => join(dir.path, "state");
  const logFile = () => join(dir.path, "run.ndjson");
  const run = async (extra: string[], env: Record<string, string> = KEYS) => {
    const proc = spawnWarden(["run", "--exchange", "bybit", "--base-url", sim.url, "--state-dir", stateDir(), "--log-file", logFile(), ...extra], { env });
    runs.push(proc);
    return { proc, exit: await proc.exited };
  };

  beforeAll(async () => {
    dir = await tempDir("secrets");
    sim = await startSimServer({ scenario: faultyScenario(dir.path), latency: "zero", env: KEYS });
  });
  afterAll(async () => {
    await killAllProcesses();
    await dir.remove();
  });

  test("no key or secret appears in stdout, stderr, the log file or the state dir, through faults and an auth failure", async () => {
    const first = await run(["--once", "--json"]);
    expect({ code: first.exit.code, stderr: first.proc.stderr() }).toEqual({ code: 0, stderr: "" });

    // Fills, a stop cancelled by hand: writes, some refused or failing under the faults.
    await sim.step(62);
    const faulty = await run(["--cycles", "6", "--interval", "50", "--json"]);
    const faultyTwice = await run(["--cycles", "6", "--interval", "50"]); // the human view too
    const ended = [faulty, faultyTwice].map((r) => r.exit.code);
    for (const code of ended) expect([0, 3]).toContain(code ?? -1); // 3: a fault during reconciliation refuses the start

    const wrong = await run(["--once", "--json"], { ...KEYS, WARDEN_MAIN_API_SECRET: WRONG_SECRET });
    expect(wrong.exit.code).toBe(3);
    expect(wrong.proc.stderr().trim().split("\n")).toHaveLength(1);
    expect(wrong.proc.stderr()).toMatch(/auth|sign/);

    // The faults did produce errors and failed requests, and writes were made.
    const state = await sim.state();
    expect(state.faultsFired).not.toEqual([]);
    const events = runs.flatMap((p) => eventsOf(p.lines));
    expect(events.some((e) => e["level"] === "warn" || e["level"] === "error")).toBe(true);
    expect(events.some((e) => String(e["event"]).startsWith("order."))).toBe(true);

    const places: { where: string; text: string }[] = [];
    runs.forEach((p, i) => {
      places.push({ where: `run ${i + 1} stdout`, text: p.stdout() }, { where: `run ${i + 1} stderr`, text: p.stderr() });
    });
    places.push({ where: "sim serve stdout", text: sim.process.stdout() }, { where: "sim serve stderr", text: sim.process.stderr() });
    const files = [logFile(), ...filesUnder(stateDir())];
    for (const file of files) places.push({ where: file, text: readFileSync(file, "utf8") });
    expect(files.map((f) => f.slice(stateDir().length + 1))).toEqual(expect.arrayContaining(["monitors.json", "journal.ndjson", "cache-stats.json"]));
    expect(files.some((f) => f.includes("checkpoints"))).toBe(true);

    const leaks: string[] = [];
    for (const { where, text } of places) {
      for (const needle of needles()) if (text.includes(needle)) leaks.push(`${where} contains ${needle.slice(0, 6)}...`);
    }
    expect(leaks).toEqual([]);
  }, 60_000);
});

import { describe, expect, test } from "bun:test";
import { cac } from "cac";
import { benchArgs, register, runBenchCommand, type BenchFlags } from "../../cli/commands/bench.ts";
import { main } from "../../cli/main.ts";
import { UsageError } from "../../core/errors.ts";
import { fakeOpen } from "./builders.ts";

function parse(argv: string[]): BenchFlags {
  const cli = cac("warden");
  register(cli);
  const parsed = cli.parse(["bun", "warden", "bench", ...argv], { run: false });
  return parsed.options as BenchFlags;
}

describe("warden bench flags", () => {
  test.each([
    [[], { json: false, gate: false, quick: false }],
    [["--gate", "--quick"], { gate: true, quick: true }],
    [["--strategies", "naive,warden", "--cycles", "5"], { strategies: ["naive", "warden"], cycles: 5 }],
    [["--monitors", "30,100,300,1000"], { monitors: [30, 100, 300, 1000] }],
    [["--monitors", "1000", "--latency", "zero"], { monitors: [1000], latency: "zero" }],
    [["--latency", "fixed:50", "--seed", "9", "--report", "out.html", "--json"], { latency: "fixed:50", seed: 9, report: "out.html", json: true }],
    [["--scenario", "basic"], { scenario: "basic" }],
    [["--legacy-client", "unthrottled"], { legacyThrottle: false }],
    [["--legacy-client", "throttled"], { legacyThrottle: true }],
    [["--accounts", "1,10,50"], { accounts: [1, 10, 50] }],
    [["--accounts", "21", "--positions", "30", "--gate", "--quick"], { accounts: [21], positions: 30, gate: true, quick: true }],
  ] as [string[], Record<string, unknown>][])("%p parses", (argv, expected) => {
    expect(benchArgs(parse(argv))).toMatchObject(expected);
  });

  test.each([
    [["--strategies", "naive,fast"], "--strategies: unknown strategy"],
    [["--strategies", "warden,warden"], "twice"],
    [["--monitors", "100,30"], "must increase"],
    [["--monitors", "0"], "--monitors must be at least 1"],
    [["--latency", "slow"], "--latency must be recorded, zero or fixed:MS"],
    [["--cycles", "1.5"], "--cycles expects an integer"],
    [["--scenario", "demo-30", "--monitors", "30"], "exclude each other"],
    [["--report", "out.txt"], "--report expects a FILE.html"],
    [["--gate", "--strategies", "warden"], "--gate needs naive and warden"],
    [["--legacy-client", "fast"], "--legacy-client must be throttled or unthrottled"],
    [["--accounts", "10,1"], "--accounts: a sweep's sizes must increase"],
    [["--positions", "30"], "--positions goes with --accounts"],
    [["--accounts", "10", "--monitors", "30"], "it excludes --monitors"],
    [["--accounts", "10", "--strategies", "naive,warden"], "it excludes --strategies"],
  ] as [string[], string][])("%p is refused with one line naming the flag", (argv, message) => {
    expect(() => benchArgs(parse(argv))).toThrow(UsageError);
    expect(() => benchArgs(parse(argv))).toThrow(message);
  });

  test("bad flags exit 2 before any bench runs", async () => {
    expect(await main(["bench", "--latency", "slow"])).toBe(2);
    expect(await main(["bench", "--no-such-flag"])).toBe(2);
  });
});

describe("warden bench --gate exit code", () => {
  const quiet = { stdout: () => {}, stderr: () => {} };

  test("exits 0 when every gate passes and 1 when a deliberately slowed warden fails one", async () => {
    const args = benchArgs(parse(["--gate", "--cycles", "3", "--latency", "recorded"]));
    expect(await runBenchCommand(args, { open: fakeOpen(), ...quiet })).toBe(0);
    const slowed = (f: typeof fetch) => (async (input: RequestInfo | URL, init?: RequestInit) => {
      await f(input, init); // one extra request per request: twice the calls
      return f(input, init);
    }) as typeof fetch;
    expect(await runBenchCommand(args, { open: fakeOpen({ warden: { calls: 9 } }), fetchFor: { warden: slowed }, ...quiet })).toBe(1);
  });

  test("without --gate a failing gate is printed but the exit is 0", async () => {
    let printed = "";
    const args = benchArgs(parse(["--cycles", "2"]));
    const code = await runBenchCommand(args, { open: fakeOpen({ warden: { durationMs: 900 } }), stdout: (t) => (printed += t), stderr: () => {} });
    expect(code).toBe(0);
    expect(printed).toContain("FAIL  warden.read-only-cycle-p95-within-1.5x-latency-floor-p95");
  });

  test("--json prints one document with scenario, strategies, floor, ratios and gates", async () => {
    let printed = "";
    await runBenchCommand(benchArgs(parse(["--json", "--cycles", "2"])), { open: fakeOpen(), stdout: (t) => (printed += t), stderr: () => {} });
    const doc = JSON.parse(printed) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(["scenario", "strategies", "floor", "ratios", "gates"]));
    expect(Object.keys(doc["strategies"] as object)).toEqual(["naive", "ttl", "warden", "stream"]);
  });

  test("the table names each strategy's client model and shows the engine's and the wide CPU", async () => {
    let printed = "";
    await runBenchCommand(benchArgs(parse(["--cycles", "2"])), { open: fakeOpen(), stdout: (t) => (printed += t), stderr: () => {} });
    expect(printed).toContain("engine cpu ms");
    expect(printed).toContain("wide cpu ms");
    expect(printed).toMatch(/naive: ccxt throttle on/);
    expect(printed).toMatch(/warden: ccxt throttle off/);
  });
});

describe("warden bench progress on a TTY", () => {
  test("rewrites one progress line per measured cycle on stderr, and erases it before the table", async () => {
    let err = "";
    let out = "";
    const args = benchArgs(parse(["--cycles", "2"]));
    await runBenchCommand(args, { open: fakeOpen(), stdout: (t) => (out += t), stderr: (t) => (err += t), progress: true });
    const updates = err.split("\r\u001b[K").filter((u) => u !== "");
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates[0]).toMatch(/^.+: 1\/\d+ cycles \(\w+ cycle \d+: \d+ ms, \d+ calls\)$/);
    expect(err.endsWith("\r\u001b[K")).toBe(true);
    expect(err).not.toContain("\n");
    expect(out).not.toContain("\r");
  });

  test("off a TTY (or with progress off) prints no progress", async () => {
    let err = "";
    await runBenchCommand(benchArgs(parse(["--cycles", "2"])), { open: fakeOpen(), stdout: () => {}, stderr: (t) => (err += t), progress: false });
    expect(err).toBe("");
  });
});

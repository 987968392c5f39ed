/**
 * `warden bench`: the side-by-side benchmark and the CI gate. Exit 0 ok (and every gate
 * passed with --gate), 1 a gate failed (after printing everything), 2 bad flags or input.
 */
import type { CAC } from "cac";
import kleur from "kleur";
import type { OpenSession } from "../../core/bench/session-port.ts";
// the bench's strategies are the read paths: naive, ttl, warden and stream
import type { ReadPathName as StrategyName } from "../../core/engine/read-path.ts";
import { InputError, UsageError } from "../../core/errors.ts";
import { isTTY, useColor, writeStderr, writeStdout } from "../../core/runtime.ts";
import type { LatencyProfile } from "../../core/sim/latency.ts";
import { boolFlag, intFlag, stringFlag } from "../options.ts";

export interface BenchFlags {
  scenario?: unknown;
  strategies?: unknown;
  cycles?: unknown;
  monitors?: unknown;
  latency?: unknown;
  seed?: unknown;
  json?: unknown;
  report?: unknown;
  gate?: unknown;
  quick?: unknown;
  legacyClient?: unknown;
  accounts?: unknown;
  positions?: unknown;
}

export interface BenchArgs {
  readonly scenario?: string;
  readonly strategies?: StrategyName[];
  readonly cycles?: number;
  readonly monitors?: number[];
  readonly latency?: LatencyProfile;
  readonly seed?: number;
  readonly json: boolean;
  readonly report?: string;
  readonly gate: boolean;
  readonly quick: boolean;
  /** naive/ttl with ccxt's throttle on (the old system's client; default) or off. */
  readonly legacyThrottle?: boolean;
  /** `--accounts N[,N...]`: the many-accounts bench (core/bench/accounts-bench.ts) at each size instead. */
  readonly accounts?: number[];
  /** Positions per account with --accounts. */
  readonly positions?: number;
}

const STRATEGIES: readonly StrategyName[] = ["naive", "ttl", "warden", "stream"];

function listFlag(name: string, value: unknown): string[] | undefined {
  const s = stringFlag(name, value);
  if (s === undefined) return undefined;
  const parts = s.split(",").map((p) => p.trim());
  if (parts.some((p) => p === "")) throw new UsageError("USAGE_BAD_FLAG", `--${name} expects a comma-separated list, got "${s}"`);
  return parts;
}

/** Flags as cac hands them over, typed and checked; a UsageError names the bad flag. */
export function benchArgs(flags: BenchFlags): BenchArgs {
  const strategies = listFlag("strategies", flags.strategies)?.map((s) => {
    if (!(STRATEGIES as readonly string[]).includes(s)) throw new UsageError("USAGE_BAD_FLAG", `--strategies: unknown strategy "${s}" (one of ${STRATEGIES.join(", ")})`);
    return s as StrategyName;
  });
  if (strategies && new Set(strategies).size !== strategies.length) throw new UsageError("USAGE_BAD_FLAG", "--strategies names a strategy twice");
  const monitors = listFlag("monitors", flags.monitors)?.map((m) => intFlag("monitors", m, { min: 1, max: 100_000 }) as number);
  if (monitors && monitors.some((m, i) => i > 0 && m <= (monitors[i - 1] as number))) throw new UsageError("USAGE_BAD_FLAG", "--monitors: a sweep's sizes must increase, e.g. 30,100,300,1000");
  const latencyText = stringFlag("latency", flags.latency);
  let latency: LatencyProfile | undefined;
  if (latencyText !== undefined) {
    const m = /^(recorded|zero|fixed:(\d+))$/.exec(latencyText);
    if (!m) throw new UsageError("USAGE_BAD_FLAG", `--latency must be recorded, zero or fixed:MS, got "${latencyText}"`);
    latency = latencyText as LatencyProfile;
  }
  const accounts = listFlag("accounts", flags.accounts)?.map((m) => intFlag("accounts", m, { min: 1, max: 1_000 }) as number);
  if (accounts && accounts.some((m, i) => i > 0 && m <= (accounts[i - 1] as number))) throw new UsageError("USAGE_BAD_FLAG", "--accounts: a sweep's sizes must increase, e.g. 1,10,50");
  const positions = intFlag("positions", flags.positions, { min: 1, max: 10_000 });
  if (positions !== undefined && accounts === undefined) throw new UsageError("USAGE_BAD_FLAG", "--positions goes with --accounts");
  if (accounts !== undefined) {
    const clash = (["scenario", "monitors", "strategies", "report", "legacyClient"] as const).find((k) => flags[k] !== undefined);
    if (clash !== undefined) throw new UsageError("USAGE_BAD_FLAG", `--accounts runs warden on a generated roster scenario; it excludes --${clash === "legacyClient" ? "legacy-client" : clash}`);
  }
  const scenario = stringFlag("scenario", flags.scenario);
  if (scenario !== undefined && monitors !== undefined) throw new UsageError("USAGE_BAD_FLAG", "--scenario and --monitors exclude each other (--monitors generates the scenario)");
  const report = stringFlag("report", flags.report);
  if (report !== undefined && !report.toLowerCase().endsWith(".html")) throw new UsageError("USAGE_BAD_FLAG", `--report expects a FILE.html, got "${report}"`);
  const gate = boolFlag(flags.gate);
  if (gate && strategies && !(strategies.includes("warden") && strategies.includes("naive"))) {
    throw new UsageError("USAGE_BAD_FLAG", "--gate needs naive and warden among --strategies (the gates compare them)");
  }
  const cycles = intFlag("cycles", flags.cycles, { min: 1, max: 100_000 });
  const seed = intFlag("seed", flags.seed);
  const legacyClient = stringFlag("legacy-client", flags.legacyClient);
  if (legacyClient !== undefined && legacyClient !== "throttled" && legacyClient !== "unthrottled") {
    throw new UsageError("USAGE_BAD_FLAG", `--legacy-client must be throttled or unthrottled, got "${legacyClient}"`);
  }
  return {
    ...(scenario !== undefined ? { scenario } : {}),
    ...(strategies ? { strategies } : {}),
    ...(cycles !== undefined ? { cycles } : {}),
    ...(monitors ? { monitors } : {}),
    ...(latency ? { latency } : {}),
    ...(seed !== undefined ? { seed } : {}),
    json: boolFlag(flags.json),
    ...(report !== undefined ? { report } : {}),
    gate,
    quick: boolFlag(flags.quick),
    ...(legacyClient !== undefined ? { legacyThrottle: legacyClient === "throttled" } : {}),
    ...(accounts ? { accounts } : {}),
    ...(positions !== undefined ? { positions } : {}),
  };
}

export function register(cli: CAC): void {
  cli
    .command("bench", "Benchmark the read strategies side by side on the simulator; --gate fails on regressions")
    .option("--scenario <name|file>", "Scenario fixture name or file (default demo-30)")
    .option("--strategies <list>", "Comma-separated: naive,ttl,warden,stream (default all)")
    .option("--cycles <n>", "Cycles per strategy (default 60; --quick: warden and stream 92, ttl 8, naive 4)")
    .option("--monitors <n|list>", "Generate a demo-30-shaped scenario of N monitors; a list (30,100,300,1000) runs the scaling sweep")
    .option("--accounts <n|list>", "Many accounts: 1 leader and N-1 followers on one engine (warden only); a list (1,10,50) runs a sweep")
    .option("--positions <m>", "Positions per account with --accounts (default 30)")
    .option("--latency <profile>", "recorded, zero or fixed:MS (default: the scenario's)")
    .option("--seed <n>", "Seed for latency draws and generated scenarios")
    .option("--json", "Print one JSON document")
    .option("--report <file.html>", "Write a self-contained HTML report with charts")
    .option("--gate", "Exit 1 when any gate fails")
    .option("--quick", "Fewer cycles (CI)")
    .option("--legacy-client <model>", "naive/ttl client: throttled (ccxt's default throttle, the old system's; default) or unthrottled")
    .example("warden bench --gate --quick")
    .example("warden bench --monitors 30,100,300,1000 --report bench.html")
    .example("warden bench --latency zero --monitors 1000 --strategies warden")
    .example("warden bench --accounts 1,10,50")
    .action(async (flags: BenchFlags) => {
      const args = benchArgs(flags);
      const { openBenchSession } = await import("../../core/bench/sim-bench-session.ts");
      return runBenchCommand(args, { open: openBenchSession });
    });
}

export interface BenchCommandDeps {
  readonly open: OpenSession;
  /** Test seam: a fetch wrapper per strategy (slows one down). */
  readonly fetchFor?: Partial<Record<StrategyName, (f: typeof fetch) => typeof fetch>>;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** Progress on stderr, one line rewritten in place (default: when stderr is a TTY). */
  readonly progress?: boolean;
}

/** Runs the bench, prints (table or JSON), writes the report; the exit code (1 when --gate and a gate failed). */
export async function runBenchCommand(args: BenchArgs, deps: BenchCommandDeps): Promise<number> {
  const stdout = deps.stdout ?? writeStdout;
  const stderr = deps.stderr ?? writeStderr;
  if (args.report !== undefined) {
    const { existsSync } = await import("node:fs");
    const { dirname } = await import("node:path");
    // Refuse before minutes of benchmarking, not after.
    if (!existsSync(dirname(args.report))) throw new InputError("BENCH_REPORT_UNWRITABLE", `--report ${args.report}: no such directory ${dirname(args.report)}`);
  }
  const progress = deps.progress ?? (deps.stderr === undefined && isTTY("stderr"));
  if (args.accounts !== undefined) return runAccountsCommand(args, args.accounts, { stdout, stderr, progress });
  const { runBench } = await import("../../core/bench/bench.ts");
  const doc = await runBench({
    ...args,
    open: deps.open,
    ...(deps.fetchFor ? { fetchFor: deps.fetchFor } : {}),
    ...(progress ? { onProgress: (line: string) => stderr(`\r\x1b[K${line}`) } : {}),
  });
  if (progress) stderr("\r\x1b[K");
  if (args.report !== undefined) {
    const { renderReport } = await import("../../core/bench/report-html.ts");
    const { writeFileSync } = await import("node:fs");
    try {
      writeFileSync(args.report, renderReport(doc));
    } catch (e) {
      throw new InputError("BENCH_REPORT_UNWRITABLE", `--report ${args.report}: cannot write (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
    }
    if (!args.json) stderr(`report written to ${args.report}\n`);
  }
  if (args.json) stdout(`${JSON.stringify(doc, null, 2)}\n`);
  else {
    const { renderTable } = await import("../../core/bench/table.ts");
    stdout(colour(renderTable(doc)));
  }
  if (!args.gate) return 0;
  const { allPass } = await import("../../core/bench/document.ts");
  return allPass(doc) ? 0 : 1;
}

async function runAccountsCommand(args: BenchArgs, accounts: readonly number[], io: { stdout: (t: string) => void; stderr: (t: string) => void; progress: boolean }): Promise<number> {
  const { runAccountsBench } = await import("../../core/bench/accounts-bench.ts");
  const doc = await runAccountsBench({
    accounts,
    quick: args.quick,
    ...(args.positions !== undefined ? { positions: args.positions } : {}),
    ...(args.cycles !== undefined ? { cycles: args.cycles } : {}),
    ...(args.latency !== undefined ? { latency: args.latency } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    ...(io.progress ? { onProgress: (line: string) => io.stderr(`\r\x1b[K${line}`) } : {}),
  });
  if (io.progress) io.stderr("\r\x1b[K");
  if (args.json) io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
  else {
    const { renderAccountsTable } = await import("../../core/bench/accounts-table.ts");
    io.stdout(colour(renderAccountsTable(doc)));
  }
  return !args.gate || doc.gates.every((g) => g.pass) ? 0 : 1;
}

function colour(text: string): string {
  if (!useColor()) return text;
  return text.replace(/^( {2})(PASS|FAIL)\b/gm, (_m, pad: string, word: string) => pad + (word === "PASS" ? kleur.green(word) : kleur.red().bold(word)));
}

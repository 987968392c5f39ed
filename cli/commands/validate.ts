/**
 * `warden validate <file|dir|->...`: scans logs (Warden NDJSON or the old system's text, plain
 * or gzipped) for the failure indicators and checks the benchmarks they carry. Exit 0 pass,
 * 1 fail (after printing the report), 2 unreadable input or bad usage.
 */
import type { CAC } from "cac";
import kleur from "kleur";
import { UsageError } from "../../core/errors.ts";
import type { ValidationReport } from "../../core/logs/log-tally.ts";
import { useColor, writeStdout } from "../../core/runtime.ts";
import { boolFlag, numberFlag } from "../options.ts";

interface ValidateFlags {
  json?: unknown;
  maxCycleS?: unknown;
  minHitRate?: unknown;
  maxCalls?: unknown;
  maxCycleAvgS?: unknown;
}

export function register(cli: CAC): void {
  cli
    .command("validate [...inputs]", "Scan logs (files, directories, - for stdin; plain or gzipped) for failure indicators")
    .option("--json", "Print the report as JSON")
    .option("--max-cycle-s <seconds>", "A cycle over this is slow; p95 and max are held to it (default 20)")
    .option("--max-cycle-avg-s <seconds>", "Highest mean cycle time (default 8)")
    .option("--min-hit-rate <ratio>", "Lowest cache hit rate, 0 to 1 (default 0.7)")
    .option("--max-calls <n>", "Highest mean API calls per cycle (default 30)")
    .example("warden validate logs/ --max-cycle-s 20")
    .example("zcat bot.log.2.gz | warden validate - --json")
    .action(async (parsed: string[], flags: ValidateFlags) => {
      const inputs = withStdin(cli.rawArgs, parsed.map(String));
      if (inputs.length === 0) throw new UsageError("USAGE_VALIDATE_INPUT", "validate needs at least one log file, directory, or - for stdin");
      const { DEFAULT_LIMITS } = await import("../../core/logs/log-tally.ts");
      const limits = {
        maxCycleS: numberFlag("max-cycle-s", flags.maxCycleS, { min: 0 }) ?? DEFAULT_LIMITS.maxCycleS,
        maxCycleAvgS: numberFlag("max-cycle-avg-s", flags.maxCycleAvgS, { min: 0 }) ?? DEFAULT_LIMITS.maxCycleAvgS,
        minHitRate: numberFlag("min-hit-rate", flags.minHitRate, { min: 0, max: 1 }) ?? DEFAULT_LIMITS.minHitRate,
        maxCalls: numberFlag("max-calls", flags.maxCalls, { min: 0 }) ?? DEFAULT_LIMITS.maxCalls,
      };
      const { scanLogs } = await import("../../core/logs/scanner.ts");
      const report = await scanLogs(inputs, { limits });
      if (boolFlag(flags.json)) writeStdout(`${JSON.stringify(report, null, 2)}\n`);
      else writeStdout(renderValidation(report, useColor()));
      return report.verdict === "pass" ? 0 : 1;
    });
}

/**
 * cac (mri) drops a bare "-" from the positional arguments; put each one back where it
 * stood among the others, since "-" means stdin.
 */
export function withStdin(rawArgs: readonly string[], inputs: readonly string[]): string[] {
  if (!rawArgs.includes("-")) return [...inputs];
  const queue = [...inputs];
  const out: string[] = [];
  const start = rawArgs.indexOf("validate");
  for (const token of rawArgs.slice(start + 1)) {
    if (token === "-") out.push("-");
    else if (token === queue[0]) out.push(queue.shift() as string);
  }
  return [...out, ...queue];
}

const BENCHMARK_LABEL: Record<string, string> = {
  "cycle-mean-s": "cycle time, mean (s)",
  "cycle-p95-s": "cycle time, p95 (s)",
  "cycle-max-s": "cycle time, max (s)",
  "cache-hit-rate": "cache hit rate",
  "calls-per-cycle": "API calls per cycle, mean",
};

/** The human report: totals, each indicator with its first occurrence, each benchmark, the verdict. */
export function renderValidation(report: ValidationReport, color: boolean): string {
  const good = (t: string) => (color ? kleur.green(t) : t);
  const bad = (t: string) => (color ? kleur.red(t) : t);
  const dim = (t: string) => (color ? kleur.dim(t) : t);
  const out: string[] = [];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  out.push(`${plural(report.files, "file")}, ${plural(report.lines, "line")}, ${report.unparsed} unparsed`);
  out.push("", "indicators");
  for (const i of report.indicators) {
    const mark = i.count === 0 ? good("ok  ") : bad("FAIL");
    out.push(`  ${mark} ${i.id.padEnd(15)} ${String(i.count).padStart(7)}`);
    if (i.first !== null) out.push(dim(`         first at ${i.first.file}:${i.first.line}: ${i.first.text}`));
  }
  out.push("", "benchmarks");
  if (report.benchmarks.length === 0) out.push(dim("  none: the log carries no cycles, lookups or call counts"));
  for (const b of report.benchmarks) {
    const mark = b.pass ? good("ok  ") : bad("FAIL");
    const wants = b.id === "cache-hit-rate" ? ">=" : "<=";
    out.push(`  ${mark} ${(BENCHMARK_LABEL[b.id] ?? b.id).padEnd(26)} ${String(b.value).padStart(9)}  (limit ${wants} ${b.limit})`);
  }
  out.push("", `verdict: ${report.verdict === "pass" ? good("pass") : bad("fail")}`, "");
  return out.join("\n");
}

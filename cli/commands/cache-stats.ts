/**
 * `warden cache-stats [--state-dir DIR] [--json] [--prometheus] [--watch]`: the snapshot
 * cache's statistics the engine writes each cycle (`<stateDir>/cache-stats.json`), per
 * account and kind, over the last cycle and since start. No statistics yet: one line, exit 2.
 * Default state dir: `sim-demo-30` under the state root when it exists, else the only one there.
 * `--account NAME`: that account's figures only; a name the file has none of is one line, exit 2.
 */
import type { CAC } from "cac";
import { InputError, UsageError } from "../../core/errors.ts";
import type { CacheStatsFile } from "../../core/cache/stats.ts";
import { boolFlag, stringFlag } from "../options.ts";
import { readableStateDir } from "../state-dir.ts";
import { watchLoop } from "../watch.ts";

interface CacheStatsFlags {
  stateDir?: unknown;
  json?: unknown;
  prometheus?: unknown;
  watch?: unknown;
  account?: unknown;
}

export function register(cli: CAC): void {
  cli
    .command("cache-stats", "Show the snapshot cache's statistics: hits, misses, coalesced loads, hit rate, entries and age, loads, REST calls")
    .option("--state-dir <dir>", "State directory (default: sim-demo-30 under the state root, else the only one there; see warden run --help)")
    .option("--json", "Print the statistics file as JSON")
    .option("--prometheus", "Print the Prometheus text exposition format")
    .option("--watch", "Redraw every 2 s until Ctrl-C")
    .option("--account <name>", "That account's figures only (one the file has figures for)")
    .example("warden cache-stats --state-dir ~/.local/state/warden/sim-demo-30")
    .example("warden cache-stats --prometheus > /var/lib/node_exporter/warden.prom")
    .action((flags: CacheStatsFlags) => cacheStats(flags));
}

async function cacheStats(flags: CacheStatsFlags): Promise<number> {
  const json = boolFlag(flags.json);
  const prometheus = boolFlag(flags.prometheus);
  const watch = boolFlag(flags.watch);
  if (json && prometheus) throw new UsageError("USAGE_CACHE_STATS", "--json and --prometheus cannot be combined");
  const dir = await readableStateDir(stringFlag("state-dir", flags.stateDir));
  const { writeStdout } = await import("../../core/runtime.ts");
  const render = async (): Promise<string> => {
    const file = await readStats(dir, flags.account);
    if (json) return `${JSON.stringify({ stateDir: dir, ...file }, null, 2)}\n`;
    if (prometheus) return (await import("../../core/cache/stats-format.ts")).renderPrometheus(file);
    return (await import("../../core/cache/stats-format.ts")).renderStatsTable(file, Date.now(), dir);
  };
  const first = await render();
  if (!watch) {
    writeStdout(first);
    return 0;
  }
  return watchLoop(first, render);
}

/** The statistics file, or its view for `--account` (checked against the accounts it has figures for). */
async function readStats(dir: string, accountRaw: unknown): Promise<CacheStatsFile> {
  const { readCacheStats, CACHE_STATS_FILE } = await import("../../core/store/cache-stats-file.ts");
  const { join } = await import("node:path");
  const file = join(dir, CACHE_STATS_FILE);
  const raw = await readCacheStats(dir);
  if (raw === undefined) throw new InputError("CACHE_STATS_MISSING", `no cache statistics yet in ${file}: the engine writes them at the end of each cycle of "warden run"`);
  const { statsFileProblem } = await import("../../core/cache/stats.ts");
  const problem = statsFileProblem(raw);
  if (problem !== undefined) throw new InputError("CACHE_STATS_CORRUPT", `${file}: ${problem}`);
  const stats = raw as unknown as CacheStatsFile;
  const { statsAccounts, statsOfAccount } = await import("../../core/cache/stats.ts");
  const { accountFlag } = await import("../account-flag.ts");
  const account = accountFlag(accountRaw, statsAccounts(stats), file);
  return account === undefined ? stats : statsOfAccount(stats, account);
}

/**
 * `warden status [--state-dir DIR] [--json] [--watch] [--check] [--max-age S]`: what the
 * engine wrote after its last cycle (`<stateDir>/status.json`): per position its stop,
 * coverage, TPs, plan and protection; for the engine its pid, whether it runs (the state
 * dir's lock), the last cycle and its age (stale beyond 3 intervals, or `--max-age`), read
 * mode, REST calls per minute, alerts in the last hour. `--check` prints one line and exits
 * 0 when every position is protected (no-stop and stand-by count as ok) and the engine is
 * alive, 1 otherwise. No status yet, or a corrupt one: one line naming the file, exit 2.
 * `--account NAME`: that account's positions only (and `--check` judges those), NAME one of the
 * accounts the run that wrote the file composed; another name is one line, exit 2.
 */
import type { CAC } from "cac";
import { InputError, UsageError } from "../../core/errors.ts";
import type { StatusDoc } from "../../core/status/status-doc.ts";
import { boolFlag, numberFlag, stringFlag } from "../options.ts";
import { readableStateDir } from "../state-dir.ts";
import { watchLoop } from "../watch.ts";

interface StatusFlags {
  stateDir?: unknown;
  json?: unknown;
  watch?: unknown;
  check?: unknown;
  maxAge?: unknown;
  account?: unknown;
}

export function register(cli: CAC): void {
  cli
    .command("status", "Show every position's protection and the engine's health, as the last cycle left them")
    .option("--state-dir <dir>", "State directory (default: sim-demo-30 under the state root, else the only one there)")
    .option("--json", "Print the status as JSON (each position's \"protection\": protected, unprotected, stand-by or no-stop)")
    .option("--watch", "Redraw every 2 s until Ctrl-C")
    .option("--check", "One line; exit 0 when every position is protected and the engine is alive, 1 otherwise")
    .option("--account <name>", "That account's positions only (one of the accounts the run composed)")
    .option("--max-age <s>", "The engine is alive when its last cycle is at most S seconds old (default: 3 intervals)")
    .example("warden status --state-dir ~/.local/state/warden/bybit-api.bybit.com")
    .example("warden status --check --max-age 120   # after cron's run --once every minute")
    .example("warden status --account follower-1 --json")
    .action((flags: StatusFlags) => status(flags));
}

async function status(flags: StatusFlags): Promise<number> {
  const json = boolFlag(flags.json);
  const watch = boolFlag(flags.watch);
  const check = boolFlag(flags.check);
  const maxAge = numberFlag("max-age", flags.maxAge, { min: 0 });
  if (check && watch) throw new UsageError("USAGE_STATUS", "--check and --watch cannot be combined");
  const dir = await readableStateDir(stringFlag("state-dir", flags.stateDir));
  const maxAgeMs = maxAge === undefined ? undefined : maxAge * 1000;
  const { writeStdout, useColor } = await import("../../core/runtime.ts");
  const { checkStatus, freshness } = await import("../../core/status/check.ts");
  if (check) {
    const verdict = checkStatus(await readStatusDoc(dir, flags.account), Date.now(), maxAgeMs);
    writeStdout(json ? `${JSON.stringify({ stateDir: dir, ok: verdict.ok, reasons: verdict.reasons, line: verdict.line })}\n` : `${verdict.line}\n`);
    return verdict.ok ? 0 : 1;
  }
  const render = async (): Promise<string> => {
    const doc = await readStatusDoc(dir, flags.account);
    const fresh = freshness(doc, Date.now(), maxAgeMs);
    const lock = await lockHolder(dir);
    if (json) {
      const engine = { ...doc.engine, running: lock.running, lock: lock.holder ?? null, ageMs: Math.round(fresh.ageMs), stale: fresh.stale, staleAfterMs: fresh.limitMs };
      return `${JSON.stringify({ stateDir: dir, ...doc, engine }, null, 2)}\n`;
    }
    const { renderStatus } = await import("../render/status.ts");
    return renderStatus({ doc, stateDir: dir, lock: lock.holder, running: lock.running, fresh }, { color: useColor() });
  };
  const first = await render();
  if (!watch) {
    writeStdout(first);
    return 0;
  }
  return watchLoop(first, render);
}

/** The status file, or its view for `--account` (checked against the accounts the file knows). */
async function readStatusDoc(dir: string, accountRaw: unknown): Promise<StatusDoc> {
  const { readStatus, STATUS_FILE } = await import("../../core/store/status-file.ts");
  const { join } = await import("node:path");
  const file = join(dir, STATUS_FILE);
  const raw = await readStatus(dir);
  if (raw === undefined) throw new InputError("STATUS_MISSING", `no status yet in ${file}: "warden run" writes it at the end of each cycle`);
  const { checkStatusDoc } = await import("../../core/status/status-doc.ts");
  const read = checkStatusDoc(raw);
  if ("problem" in read) {
    const { corruptFile } = await import("../../core/store/state-json.ts");
    throw corruptFile("STATUS_CORRUPT", file, read.problem);
  }
  const { statusAccounts, statusOfAccount } = await import("../../core/status/status-doc.ts");
  const { accountFlag } = await import("../account-flag.ts");
  const account = accountFlag(accountRaw, statusAccounts(read.doc), file);
  return account === undefined ? read.doc : statusOfAccount(read.doc, account);
}

/** The engine runs while a live `run` holds the state dir's lock. */
async function lockHolder(dir: string): Promise<{ running: boolean; holder: { pid: number; command: string; host: string } | undefined }> {
  const { inspectLock } = await import("../../core/store/lock.ts");
  const lock = await inspectLock(dir);
  const h = lock?.held === true ? lock.holder : undefined;
  if (h === undefined) return { running: false, holder: undefined };
  return { running: h.command.startsWith("run"), holder: { pid: h.pid, command: h.command, host: h.host } };
}

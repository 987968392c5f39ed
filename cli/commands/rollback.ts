/**
 * `warden rollback [--list] [--to ID] [--dry-run] [--cache on|off] [--state-dir DIR] [--json]`:
 * list checkpoints; restore one after a safety checkpoint of the present (refused while a
 * live engine holds the lock: exit 3); show what a restore would change (--dry-run); switch
 * the engine's snapshot cache on or off. Bad input (missing state dir, unknown id, corrupt
 * checkpoint) is one line and exit 2, and nothing on disk changes. A corrupt monitors.json does
 * not stop `--to`: it is the way out (the file is kept aside, named, and the checkpoint restored).
 */
import type { CAC } from "cac";
import { RuntimeFault, UsageError, WardenError } from "../../core/errors.ts";
import { writeStdout } from "../../core/runtime.ts";
import type { CheckpointInfo, CheckpointListing } from "../../core/store/checkpoints.ts";
import type { MonitorDiff } from "../../core/store/monitor-diff.ts";
import { boolFlag, enumFlag, stringFlag } from "../options.ts";

interface RollbackFlags {
  list?: unknown;
  to?: unknown;
  dryRun?: unknown;
  cache?: unknown;
  stateDir?: unknown;
  json?: unknown;
}

export function register(cli: CAC): void {
  cli
    .command("rollback", "List checkpoints, restore one (after a safety checkpoint), or switch the snapshot cache on/off")
    .option("--list", "List checkpoints: id, time, reason, monitor count")
    .option("--to <id>", "Restore this checkpoint; the present state is saved first as a pre-rollback checkpoint")
    .option("--dry-run", "With --to or --cache: show what would change and change nothing")
    .option("--cache <on|off>", "off: the engine reads positions and orders per monitor, uncached; on: shared snapshots")
    .option("--state-dir <dir>", "State directory (default: the only one under the state root, $WARDEN_HOME or ~/.local/state/warden)")
    .option("--json", "Print the result as JSON")
    .example("warden rollback --list --state-dir ~/.local/state/warden/sim-demo-30")
    .example("warden rollback --to 20261124T091500.123Z-a1b2 --dry-run")
    .example("warden rollback --cache off")
    .action((flags: RollbackFlags) => rollback(flags));
}

async function rollback(flags: RollbackFlags): Promise<number> {
  const json = boolFlag(flags.json);
  const list = boolFlag(flags.list);
  const to = stringFlag("to", flags.to);
  const dryRun = boolFlag(flags.dryRun);
  const cache = enumFlag("cache", flags.cache, ["on", "off"] as const);
  if (!list && to === undefined && cache === undefined) {
    throw new UsageError("USAGE_ROLLBACK", "rollback needs --list, --to ID or --cache on|off");
  }
  if (list && (to !== undefined || cache !== undefined || dryRun)) {
    throw new UsageError("USAGE_ROLLBACK", "--list cannot be combined with --to, --cache or --dry-run");
  }
  try {
    const { existingStateDir } = await import("../../core/store/state-dir.ts");
    const { FileStateStore } = await import("../../core/store/file-state-store.ts");
    const dir = await existingStateDir(stringFlag("state-dir", flags.stateDir));
    const store = new FileStateStore(dir);
    if (list) {
      const checkpoints = await store.listCheckpoints();
      writeStdout(json ? `${JSON.stringify(checkpoints.map(listingJson), null, 2)}\n` : renderList(dir, checkpoints));
      return 0;
    }
    const lines: string[] = [];
    const out: Record<string, unknown> = { stateDir: dir, dryRun };
    if (to !== undefined) {
      if (dryRun) {
        const target = await store.loadCheckpoint(to);
        const corrupt = await corruptMonitors(store);
        const { diffMonitors } = await import("../../core/store/monitor-diff.ts");
        const changes = corrupt === undefined ? await store.diffCheckpoint(to) : diffMonitors([], target.monitors);
        Object.assign(out, { checkpoint: infoJson(target), changes, ...(corrupt !== undefined ? { corrupt } : {}) });
        lines.push(`dry run: restoring ${describe(target)} in ${dir} would:`);
        if (corrupt !== undefined) lines.push(`  set the corrupt monitors.json aside (${corrupt})`);
        lines.push(...renderChanges(changes));
      } else {
        const result = await restoreOrRefuse(store, to);
        Object.assign(out, { restored: infoJson(result.from), safety: infoJson(result.safety), changes: result.changes, marker: result.marker, ...(result.setAside !== undefined ? { setAside: result.setAside } : {}) });
        if (result.setAside !== undefined) lines.push(`monitors.json was corrupt: kept aside as ${result.setAside} in ${dir}`);
        lines.push(
          `restored ${describe(result.from)} in ${dir}:`,
          ...renderChanges(result.changes),
          `the replaced state is safety checkpoint ${result.safety.id} (${result.safety.monitorCount} monitors); undo with: warden rollback --to ${result.safety.id} --state-dir ${dir}`,
          "the next run reconciles the restored monitors with the exchange before acting",
        );
      }
    }
    if (cache !== undefined) {
      const before = await store.settings().then(
        (s) => s.cache,
        () => undefined, // an invalid settings file is what this overwrites
      );
      if (!dryRun) await store.saveSettings({ cache });
      out["cache"] = { from: before ?? null, to: cache };
      const effect = cache === "off" ? "reads positions and orders per monitor, uncached" : "reads shared account snapshots through the cache";
      lines.push(`${dryRun ? "dry run: would set" : "set"} cache ${cache} (was ${before ?? "unreadable"}) in ${dir}: the next run ${effect}`);
    }
    if (dryRun) lines.push("nothing was changed");
    writeStdout(json ? `${JSON.stringify(out, null, 2)}\n` : `${lines.join("\n")}\n`);
    return 0;
  } catch (error) {
    if (json && error instanceof WardenError) writeStdout(`${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`);
    throw error;
  }
}

/** Why the present monitors file cannot be read, when it is corrupt; other failures are thrown. */
async function corruptMonitors(store: import("../../core/store/state-store.ts").StateStore): Promise<string | undefined> {
  try {
    await store.loadMonitors();
    return undefined;
  } catch (error) {
    if (error instanceof WardenError && error.code === "STATE_CORRUPT") return error.message;
    throw error;
  }
}

async function restoreOrRefuse(store: import("../../core/store/state-store.ts").StateStore, id: string) {
  const { LockHeldError } = await import("../../core/store/lock.ts");
  try {
    return await store.restore(id);
  } catch (error) {
    if (error instanceof LockHeldError) {
      throw new RuntimeFault("STATE_LOCKED", `${error.message}; stop it before rolling back (nothing was changed)`, { cause: error });
    }
    throw error;
  }
}

function infoJson(c: CheckpointInfo): Record<string, unknown> {
  return { id: c.id, createdAt: c.createdAt, reason: c.reason, monitorCount: c.monitorCount };
}

function listingJson(c: CheckpointListing): Record<string, unknown> {
  return "corrupt" in c ? { id: c.id, createdAt: c.createdAt, corrupt: c.corrupt } : infoJson(c);
}

function describe(c: CheckpointInfo): string {
  return `checkpoint ${c.id} (${c.reason}, ${c.monitorCount} monitors)`;
}

function renderChanges(d: MonitorDiff): string[] {
  const ids = (xs: string[]) => (xs.length === 0 ? "none" : xs.join(", "));
  return [`  add ${d.added.length}: ${ids(d.added)}`, `  remove ${d.removed.length}: ${ids(d.removed)}`, `  change ${d.changed.length}: ${ids(d.changed)}`, `  unchanged: ${d.unchanged}`];
}

function renderList(dir: string, checkpoints: CheckpointListing[]): string {
  if (checkpoints.length === 0) return `no checkpoints in ${dir}\n`;
  const rows = checkpoints.map((c) =>
    "corrupt" in c
      ? [c.id, time(c.createdAt), "CORRUPT", "-"]
      : [c.id, time(c.createdAt), c.reason, String(c.monitorCount)],
  );
  const table = [["ID", "TIME (UTC)", "REASON", "MONITORS"], ...rows];
  const widths = [0, 1, 2].map((i) => Math.max(...table.map((r) => r[i]!.length)));
  const text = table.map((r) => r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell.padStart(8))).join("  ")).join("\n");
  const corrupt = checkpoints.filter((c) => "corrupt" in c).map((c) => `${"corrupt" in c ? c.corrupt : ""}`);
  return `${text}\n${corrupt.map((line) => `${line}\n`).join("")}`;
}

function time(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d{3}Z$/, "");
}

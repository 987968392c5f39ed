/**
 * `warden no-stop [MONITOR] [--off] [--state-dir DIR] [--json]`: the one way a trader tells
 * Warden that a position runs without a stop. Warden then places and restores no stop for
 * it and reports it "no-stop" instead of "unprotected". Cancelling the stop on the exchange
 * is not a way to say so: Warden restores it. The choice is for the position open now (the
 * monitor's lifetime in the state dir): it ends with that position, and a later one on the
 * same symbol and side gets its stop. Without MONITOR it lists the choices. The running
 * engine reads the setting each cycle; settings.json is written atomically.
 */
import type { CAC } from "cac";
import type { Monitor } from "../../core/domain/monitor.ts";
import { InputError, UsageError } from "../../core/errors.ts";
import { writeStdout } from "../../core/runtime.ts";
import { boolFlag, stringFlag } from "../options.ts";

interface NoStopFlags {
  off?: unknown;
  stateDir?: unknown;
  json?: unknown;
}

export function register(cli: CAC): void {
  cli
    .command("no-stop [monitor]", "Run a position without a stop by choice (Warden places none and reports no-stop), or list those")
    .option("--off", "Take the choice back: Warden places the position's stop again next cycle")
    .option("--state-dir <dir>", "State directory (default: the only one under the state root, $WARDEN_HOME or ~/.local/state/warden)")
    .option("--json", "Print the result as JSON")
    .example("warden no-stop main:BTCUSDT:long")
    .example("warden no-stop main:BTCUSDT:long --off")
    .example("warden no-stop --json")
    .action((monitor: string | undefined, flags: NoStopFlags) => noStop(monitor, flags));
}

async function noStop(monitor: string | undefined, flags: NoStopFlags): Promise<number> {
  const json = boolFlag(flags.json);
  const off = boolFlag(flags.off);
  const { MONITOR_ID } = await import("../../core/store/settings.ts");
  if (monitor !== undefined && !MONITOR_ID.test(monitor)) {
    throw new UsageError("USAGE_BAD_ARGUMENT", `monitor must be account:SYMBOL:side (account main or mirror, side long or short), got ${JSON.stringify(monitor)}`);
  }
  if (monitor === undefined && off) throw new UsageError("USAGE_BAD_FLAG", "--off needs the monitor whose choice to take back");
  const { existingStateDir } = await import("../../core/store/state-dir.ts");
  const { FileStateStore } = await import("../../core/store/file-state-store.ts");
  const { lifetimeKey } = await import("../../core/domain/link-id.ts");
  const dir = await existingStateDir(stringFlag("state-dir", flags.stateDir));
  const store = new FileStateStore(dir);
  const settings = await store.settings();
  let list = [...(settings.noStop ?? [])];
  if (monitor !== undefined) {
    if (off) list = list.filter((key) => !key.startsWith(`${monitor}@`));
    else {
      const open = (await store.loadMonitors<Monitor>()).find((m) => m.id === monitor && m.status === "active");
      if (open === undefined) throw new InputError("NO_STOP_NO_POSITION", `${dir}: Warden has no open position ${monitor} (a choice is for a position Warden watches; run it once first)`);
      list = [...new Set([...list.filter((key) => !key.startsWith(`${monitor}@`)), lifetimeKey(open)])].sort();
    }
    await store.saveSettings({ ...settings, noStop: list });
  }
  const ids = list.map((key) => key.slice(0, key.indexOf("@")));
  if (json) writeStdout(`${JSON.stringify({ noStop: ids, positions: list, ...(monitor !== undefined ? { changed: monitor, stop: off } : {}) })}\n`);
  else if (monitor !== undefined) writeStdout(off ? `${monitor}: Warden places its stop again from the next cycle\n` : `${monitor}: runs without a stop by your choice; Warden places and restores none (warden no-stop ${monitor} --off to undo)\n`);
  else writeStdout(list.length === 0 ? "every position gets a stop (no position runs without one by choice)\n" : `${list.map((key) => `${key.slice(0, key.indexOf("@"))}  without a stop by choice (this position only)`).join("\n")}\n`);
  return 0;
}

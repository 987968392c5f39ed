/**
 * `warden no-stop [MONITOR] [--off] [--state-dir DIR] [--json]`: the one way a trader tells
 * Warden that a position runs without a stop. Warden then places and restores no stop for
 * it and reports it "no-stop" instead of "unprotected". Cancelling the stop on the exchange
 * is not a way to say so: Warden restores it. Without MONITOR it lists the choices. The
 * running engine reads the setting each cycle; settings.json is written atomically.
 */
import type { CAC } from "cac";
import { UsageError } from "../../core/errors.ts";
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
  const store = new FileStateStore(await existingStateDir(stringFlag("state-dir", flags.stateDir)));
  const settings = await store.settings();
  let list = [...(settings.noStop ?? [])];
  if (monitor !== undefined) {
    list = off ? list.filter((id) => id !== monitor) : [...new Set([...list, monitor])].sort();
    await store.saveSettings({ ...settings, noStop: list });
  }
  if (json) writeStdout(`${JSON.stringify({ noStop: list, ...(monitor !== undefined ? { changed: monitor, stop: off } : {}) })}\n`);
  else if (monitor !== undefined) writeStdout(off ? `${monitor}: Warden places its stop again from the next cycle\n` : `${monitor}: runs without a stop by your choice; Warden places and restores none (warden no-stop ${monitor} --off to undo)\n`);
  else writeStdout(list.length === 0 ? "every position gets a stop (no position runs without one by choice)\n" : `${list.map((id) => `${id}  without a stop by choice`).join("\n")}\n`);
  return 0;
}

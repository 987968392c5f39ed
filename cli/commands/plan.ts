/**
 * `warden plan SYMBOL [--side long|short] [--account NAME] [--config FILE] [--stop PRICE|PCT%]
 * [--tp P1,P2,...|PCT%,...] [--ladder 85,5,5,5] [--trail AFTER_TP:PCT%] [--state-dir DIR]
 * [--json]`, and `warden plan --list [--account NAME]`: the plan of one open position, which
 * wins over the config's plans and what was inferred from the orders. A running engine applies
 * it within one cycle and amends the orders in place; the next `run --once` does the same.
 * An inconsistent plan (a stop that would trigger at once, TPs on the wrong side, a ladder that
 * does not fit) is refused, exit 2, nothing written. `--no-stop` runs the position without a
 * stop by choice, as `warden no-stop` does (cac reads it as `stop: false`, so `--stop`'s value
 * is optional in the declaration: `true` means not given).
 */
import type { CAC } from "cac";
import type { Monitor } from "../../core/domain/monitor.ts";
import type { PositionPlan } from "../../core/domain/position-plan.ts";
import type { Settings } from "../../core/store/settings.ts";
import { InputError, UsageError } from "../../core/errors.ts";
import { writeStdout } from "../../core/runtime.ts";
import { boolFlag, enumFlag, stringFlag } from "../options.ts";
import { accountFlag } from "../account-flag.ts";
import { level, shares, tpLevels } from "../plan-flags.ts";

interface PlanFlags {
  side?: unknown;
  account?: unknown;
  config?: unknown;
  stop?: unknown;
  tp?: unknown;
  ladder?: unknown;
  trail?: unknown;
  list?: unknown;
  stateDir?: unknown;
  json?: unknown;
}

export function register(cli: CAC): void {
  cli
    .command("plan [symbol]", "Set the plan of one open position (stop, TPs, ladder, trail), or --list every plan and its source")
    .option("--side <long|short>", "The position's side (default: the only one open on the symbol)")
    .option("--account <name>", "The account, a name of the roster (the config's accounts, else main or mirror; default: the first); with --list, that account's plans only")
    .option("--config <file>", "Engine settings (JSON) whose accounts --account is checked against")
    .option("--stop [price|pct%]", "The stop: a price, or a distance from the average entry like 2%")
    .option("--no-stop", "Run this position without a stop by choice (as `warden no-stop`)")
    .option("--tp <prices|pcts>", "TPs nearest first: prices like 61000,62000, or distances like 1%,2%,3%")
    .option("--ladder <shares>", "% of the position per TP, summing to 100, like 85,5,5,5")
    .option("--trail <after:pct%>", "Trail the stop at PCT% from the best mark once TP AFTER has filled, like 2:1%")
    .option("--list", "List every position's plan and where it came from")
    .option("--state-dir <dir>", "State directory (default: the only one under the state root)")
    .option("--json", "Print the result as JSON")
    .example("warden plan BTCUSDT --stop 58500 --tp 1%,2%,3%,5%")
    .example("warden plan ETHUSDT --side short --trail 2:1%")
    .example("warden plan --list")
    .action((symbol: string | undefined, flags: PlanFlags) => plan(symbol, flags));
}

async function plan(symbol: string | undefined, flags: PlanFlags): Promise<number> {
  const json = boolFlag(flags.json);
  const { configuredNames } = await import("../account-flag.ts");
  const roster = await configuredNames(stringFlag("config", flags.config));
  const only = accountFlag(flags.account, roster.names, roster.where);
  const { existingStateDir } = await import("../../core/store/state-dir.ts");
  const { FileStateStore } = await import("../../core/store/file-state-store.ts");
  const dir = await existingStateDir(stringFlag("state-dir", flags.stateDir));
  const store = new FileStateStore(dir);
  const monitors = (await store.loadMonitors<Monitor>()).filter((m) => m.status === "active");
  if (boolFlag(flags.list)) return list(monitors.filter((m) => only === undefined || m.account === only), await store.positionPlans(), json);
  if (symbol === undefined) throw new UsageError("USAGE_PLAN", "plan needs a SYMBOL (or --list)");
  const account = only ?? roster.names[0]!;
  const side = enumFlag("side", flags.side, ["long", "short"] as const);
  const candidates = monitors.filter((m) => m.account === account && m.symbol === symbol.toUpperCase() && (side === undefined || m.side === side));
  if (candidates.length === 0) throw new InputError("PLAN_NO_POSITION", `${dir}: Warden has no open position ${account}:${symbol.toUpperCase()}${side !== undefined ? `:${side}` : ""}`);
  if (candidates.length > 1) throw new UsageError("USAGE_PLAN", `${account}:${symbol.toUpperCase()} has a long and a short open: say which with --side`);
  const monitor = candidates[0]!;
  if (flags.stop === false) return withoutStop(monitor, store, json);
  const given: PositionPlan = { ...parsePlan(flags), at: Date.now() };
  if (given.stop === undefined && given.tps === undefined && given.ladder === undefined && given.trail === undefined) {
    throw new UsageError("USAGE_PLAN", "plan needs at least one of --stop, --tp, --ladder, --trail, --no-stop");
  }
  const { positionPlanProblems } = await import("../../core/domain/position-plan.ts");
  const status = (await store.readStatus()) as { positions?: { monitor?: string; mark?: number }[] } | undefined;
  const seen = status?.positions?.find((p) => p.monitor === monitor.id)?.mark ?? monitor.entryPrice;
  // checked on a fine grid here; the engine puts the prices on the instrument's tick when it applies the plan
  const problems = positionPlanProblems(given, monitor.side, monitor.entryPrice, seen, 1e-8, monitor.tpPrices.length);
  if (problems.length > 0) throw new UsageError("USAGE_PLAN", `${monitor.id}: ${problems.join("; ")}; nothing written`);
  const { lifetimeKey } = await import("../../core/domain/link-id.ts");
  // only what this command gives: what an earlier plan set is already on the monitor, and is not set again
  const plans = await store.updatePositionPlans((all) => ({ ...all, [monitor.id]: { ...given, for: lifetimeKey(monitor) } }));
  const saved = plans[monitor.id]!;
  writeStdout(json ? `${JSON.stringify({ monitor: monitor.id, plan: saved })}\n` : `${monitor.id}: plan saved (${describe(saved)}); a running engine applies it within one cycle\n`);
  return 0;
}

async function withoutStop(monitor: Monitor, store: { settings(): Promise<Settings>; saveSettings(settings: Settings): Promise<void> }, json: boolean): Promise<number> {
  const { lifetimeKey } = await import("../../core/domain/link-id.ts");
  const settings = await store.settings();
  const key = lifetimeKey(monitor);
  await store.saveSettings({ ...settings, noStop: [...new Set([...(settings.noStop ?? []).filter((k) => !k.startsWith(`${monitor.id}@`)), key])].sort() });
  writeStdout(json ? `${JSON.stringify({ monitor: monitor.id, noStop: true })}\n` : `${monitor.id}: runs without a stop by your choice; Warden places and restores none (warden no-stop ${monitor.id} --off to undo)\n`);
  return 0;
}

function list(monitors: readonly Monitor[], plans: Readonly<Record<string, PositionPlan>>, json: boolean): number {
  const rows = monitors.map((m) => ({
    monitor: m.id,
    plan: m.plan.kind === "fast" ? "fast" : `conservative ${m.plan.ladder.join("/")}`,
    source: plans[m.id] !== undefined ? "trader plan" : (m.rules?.source ?? "exchange orders"),
    stopPrice: m.stopPrice ?? null,
    tpPrices: m.tpPrices,
    ...(plans[m.id] !== undefined ? { given: plans[m.id] } : {}),
    ...(m.rules?.trail !== undefined ? { trail: m.rules.trail } : {}),
  }));
  if (json) writeStdout(`${JSON.stringify(rows)}\n`);
  else if (rows.length === 0) writeStdout("no open position\n");
  else writeStdout(`${rows.map((r) => `${r.monitor}  ${r.plan}  stop ${r.stopPrice ?? "-"}  TPs ${r.tpPrices.join(", ") || "-"}${r.trail !== undefined ? `  trail after TP${r.trail.afterTp} at ${r.trail.distancePct}%` : ""}  from ${r.source}`).join("\n")}\n`);
  return 0;
}




function parsePlan(flags: PlanFlags): Omit<PositionPlan, "at"> {
  if (flags.stop === "") throw new UsageError("USAGE_BAD_FLAG", "--stop needs a price or a percentage like 2%");
  const stop = flags.stop === true ? undefined : stringFlag("stop", flags.stop);
  const tp = stringFlag("tp", flags.tp);
  const ladder = stringFlag("ladder", flags.ladder);
  const trail = stringFlag("trail", flags.trail);
  const tps = tp === undefined ? undefined : tpLevels(tp);
  const ladderShares = ladder === undefined ? undefined : shares(ladder);
  const t = trail === undefined ? undefined : /^([1-4]):(\d+(?:\.\d+)?)%$/.exec(trail);
  if (trail !== undefined && (t === null || t === undefined || !(Number(t[2]) > 0 && Number(t[2]) < 100))) throw new UsageError("USAGE_BAD_FLAG", `--trail expects AFTER_TP:PCT% like 2:1%, got "${trail}"`);
  return {
    ...(stop !== undefined ? { stop: level("--stop", stop) } : {}),
    ...(tps !== undefined ? { tps } : {}),
    ...(ladderShares !== undefined ? { ladder: ladderShares } : {}),
    ...(t !== undefined && t !== null ? { trail: { afterTp: Number(t[1]), distancePct: Number(t[2]) } } : {}),
  };
}


function describe(p: PositionPlan): string {
  const parts: string[] = [];
  if (p.stop !== undefined) parts.push(`stop ${"price" in p.stop ? p.stop.price : `${p.stop.pct}%`}`);
  if (p.tps !== undefined) parts.push(`TPs ${"prices" in p.tps ? p.tps.prices.join(", ") : p.tps.pcts.map((x) => `${x}%`).join(", ")}`);
  if (p.ladder !== undefined) parts.push(`ladder ${p.ladder.join("/")}`);
  if (p.trail !== undefined) parts.push(`trail after TP${p.trail.afterTp} at ${p.trail.distancePct}%`);
  return parts.join(", ");
}

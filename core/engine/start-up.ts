/**
 * Start-up: what the engine does before it may act. Load the stored monitors (a corrupt
 * file refuses), settle the journal's open intents by looking their orderLinkIds up,
 * take a fresh snapshot of every account, and reconcile. Any read failure here refuses
 * the start (RECONCILE_FAILED, exit 3): a restored or stale state is never trusted blindly.
 */
import type { Roster } from "../domain/accounts.ts";
import type { Monitor } from "../domain/monitor.ts";
import type { RuleConfig } from "../domain/plan.ts";
import { reconcile } from "../domain/reconcile.ts";
import type { AccountId, AccountSnapshot, Instrument } from "../domain/types.ts";
import { RuntimeFault, WardenError } from "../errors.ts";
import type { AccountExchange } from "../exchange/port.ts";
import type { Emit } from "../logs/event.ts";
import type { StateStore } from "../store/state-store.ts";

export interface StartReport {
  readonly monitors: Monitor[];
  readonly instruments: ReadonlyMap<string, Instrument>;
  readonly adopted: readonly string[];
  readonly retired: readonly string[];
  /** Open journal intents settled by lookup. */
  readonly settled: number;
  readonly restoredFrom?: string;
  /** The roster in force: each follower's ratio configured, kept with its monitors, or read off the accounts. */
  readonly roster: Roster;
}

export interface StartUpInput {
  readonly exchanges: ReadonlyMap<AccountId, AccountExchange>;
  readonly store: StateStore;
  readonly now: number;
  readonly emit: Emit;
  readonly rules: RuleConfig;
  readonly roster: Roster;
}

export async function startUp(input: StartUpInput): Promise<StartReport> {
  const { exchanges, store, now, emit } = input;
  const stored = await store.loadMonitors<Monitor>();
  const marker = await store.restoreMarker();
  try {
    const first = exchanges.values().next().value as AccountExchange | undefined;
    if (first === undefined) throw new RuntimeFault("ENGINE_NO_ACCOUNT", "no exchange account configured");
    const instruments = await first.instruments();
    const settled = await settleIntents(input);
    const snapshots = new Map<AccountId, AccountSnapshot>();
    await Promise.all(
      [...exchanges.entries()].map(async ([account, exchange]) => {
        const [positions, orders] = await Promise.all([exchange.positions(), exchange.openOrders()]);
        snapshots.set(account, { account, positions, orders, takenAt: now });
        emit("info", "snapshot.loaded", { account, positions: positions.length, orders: orders.length, reason: "reconcile" });
      }),
    );
    const roster = fixRatios(input.roster, stored, snapshots, emit);
    const result = reconcile(stored, snapshots, instruments, now, { config: input.rules, roster });
    for (const id of result.adopted) {
      const m = result.monitors.find((x) => x.id === id);
      emit("info", "monitor.adopted", { monitor: id, plan: m?.plan.kind, size: m?.size, orders: m?.orders.length });
    }
    for (const id of result.retired) emit("info", "monitor.closed", { monitor: id, reason: "position-gone" });
    await store.saveMonitors(result.monitors);
    if (marker !== undefined) await store.clearRestoreMarker();
    const active = result.monitors.filter((m) => m.status === "active").length;
    emit("info", "reconcile.completed", {
      adopted: result.adopted.length,
      retired: result.retired.length,
      monitors: active,
      settledIntents: settled,
      ...(marker !== undefined ? { restoredFrom: marker.from } : {}),
    });
    return {
      monitors: result.monitors,
      instruments,
      adopted: result.adopted,
      retired: result.retired,
      settled,
      roster,
      ...(marker !== undefined ? { restoredFrom: marker.from } : {}),
    };
  } catch (error) {
    if (error instanceof WardenError && error.kind !== "runtime") throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new RuntimeFault("RECONCILE_FAILED", `reconciliation with the exchange failed, not acting: ${why}`, { cause: error });
  }
}

/**
 * Each follower's ratio: configured; else fixed at first sight and kept with its monitors (a
 * later add on the leader alone must not change it); else read off the accounts.
 */
function fixRatios(roster: Roster, stored: readonly Monitor[], snapshots: ReadonlyMap<AccountId, AccountSnapshot>, emit: Emit): Roster {
  const fixed = new Map<AccountId, number>();
  for (const spec of roster.specs()) {
    if (spec.follows === undefined || spec.ratio !== undefined) continue;
    const kept = storedRatio(stored, spec.name);
    const ratio = kept ?? inferRatio(snapshots, spec.follows, spec.name);
    if (ratio === undefined) continue;
    fixed.set(spec.name, ratio);
    emit("info", "mirror.ratio", { account: spec.name, leader: spec.follows, ratio, from: kept !== undefined ? "state (fixed at first sight)" : "positions at start-up" });
  }
  return fixed.size > 0 ? roster.withRatios(fixed) : roster;
}

/** The ratio a follower's stored monitors were linked at (the newest one), if any. */
export function storedRatio(monitors: readonly Monitor[], follower: AccountId): number | undefined {
  const linked = monitors.filter((m) => m.account === follower && m.ratio !== undefined).sort((a, b) => b.createdAt - a.createdAt);
  return linked[0]?.ratio;
}

/**
 * With no configured ratio, a follower's ratio is read off the accounts: the median of
 * follower size / leader size over the positions both hold (4 significant digits).
 */
export function inferRatio(snapshots: ReadonlyMap<AccountId, AccountSnapshot>, leader: AccountId, follower: AccountId): number | undefined {
  const main = snapshots.get(leader);
  const mirror = snapshots.get(follower);
  if (main === undefined || mirror === undefined) return undefined;
  const ratios: number[] = [];
  for (const m of mirror.positions) {
    const twin = main.positions.find((p) => p.symbol === m.symbol && p.side === m.side);
    if (twin !== undefined && twin.size > 0) ratios.push(m.size / twin.size);
  }
  if (ratios.length === 0) return undefined;
  ratios.sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)] ?? 1;
  return Number(median.toPrecision(4));
}

/** Writes whose outcome a crash swallowed: ask the exchange, record what it says. */
async function settleIntents({ exchanges, store, emit }: StartUpInput): Promise<number> {
  const open = await store.journal.openIntents();
  for (const intent of open) {
    const exchange = exchanges.get(intent.action.account);
    if (exchange === undefined) continue;
    const found = await exchange.lookupOrder(intent.action.symbol, intent.action.linkId);
    const landed = intent.action.kind === "place" ? found !== undefined : undefined;
    await store.journal.outcome({
      id: intent.id,
      status: landed === false ? "failed" : "ok",
      detail: landed === undefined ? "settled at start-up; the next evaluation converges" : landed ? "found at start-up" : "absent at start-up",
      ...(found !== undefined ? { orderId: found.id } : {}),
    });
    emit("info", "journal.settled", { account: intent.action.account, monitor: intent.monitor, linkId: intent.action.linkId, kind: intent.action.kind, found: found !== undefined });
  }
  return open.length;
}

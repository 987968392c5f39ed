/**
 * Startup (and periodic) reconciliation of the stored monitors with the exchange
 * snapshots. Pure and idempotent: reconcile(reconcile(x)) equals reconcile(x) for the same
 * snapshots and time.
 * - A position no active monitor knows is adopted (see adoption.ts).
 * - A known monitor gets the orders carrying its own linkIds that it lacks (written just
 *   before a crash) and a write sequence past every id seen, so no linkId is reused.
 * - A monitor whose position is gone and none of whose orders is still listed is retired
 *   (closed, "position-gone"). One with orders still listed stays active: its next
 *   `evaluate` cancels them and closes it, or keeps waiting for its entries.
 * - A follower's monitors are linked to their leader's twin (same symbol and side) at the
 *   follower's ratio (accounts.ts).
 * Reconcile never writes: a position without a stop gets one from the next `evaluate`
 * (at the stop target, or `defaultStopPct` from entry when it has none).
 */
import { adoptPosition } from "./adoption.ts";
import { firstSightRatio } from "./mirror.ts";
import { trackedFrom } from "./evaluate.ts";
import { isOwnLinkId, lifetimeKey, parseLinkId } from "./link-id.ts";
import { orderKey, type Monitor } from "./monitor.ts";
import type { RuleConfig } from "./plan.ts";
import { defaultRoster, type Roster } from "./accounts.ts";
import { monitorId, type AccountId, type AccountSnapshot, type Instrument, type MonitorId } from "./types.ts";
import { toLots } from "./units.ts";

export interface ReconcileOptions {
  /** Who follows whom, at which ratio; a follower without a ratio keeps its monitors' (default 1). By default `mirror` follows `main`. */
  readonly roster?: Roster;
  /** The rule settings; adoption takes the ladder of a conservative plan without TPs from it. */
  readonly config: RuleConfig;
}

export type ReconcileChange =
  | { readonly kind: "adopted"; readonly monitor: MonitorId; readonly orders: number }
  | { readonly kind: "retired"; readonly monitor: MonitorId }
  | { readonly kind: "orders-attached"; readonly monitor: MonitorId; readonly linkIds: readonly string[] }
  | { readonly kind: "mirror-linked"; readonly monitor: MonitorId; readonly mirrorOf: MonitorId; readonly ratio: number }
  | { readonly kind: "mirror-unlinked"; readonly monitor: MonitorId; readonly was: MonitorId }
  | { readonly kind: "no-instrument"; readonly symbol: string };

export interface Reconciliation {
  readonly monitors: Monitor[];
  readonly adopted: MonitorId[];
  readonly retired: MonitorId[];
  readonly changes: ReconcileChange[];
}

export function reconcile(
  monitors: readonly Monitor[],
  snapshots: ReadonlyMap<AccountId, AccountSnapshot>,
  instruments: ReadonlyMap<string, Instrument>,
  now: number,
  options: ReconcileOptions,
): Reconciliation {
  const changes: ReconcileChange[] = [];
  const adopted: MonitorId[] = [];
  const retired: MonitorId[] = [];
  const byId = new Map<MonitorId, Monitor>(monitors.map((m) => [m.id, m]));

  for (const [account, snapshot] of [...snapshots.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    for (const position of snapshot.positions) {
      const instrument = instruments.get(position.symbol);
      if (instrument === undefined) {
        changes.push({ kind: "no-instrument", symbol: position.symbol });
        continue;
      }
      if (toLots(position.size, instrument.qtyStep) <= 0) continue;
      const id = monitorId(account, position.symbol, position.side);
      const known = byId.get(id);
      if (known !== undefined && known.status === "active") {
        byId.set(id, attachOwn(known, snapshot, changes));
        continue;
      }
      const monitor = adoptPosition(account, position, snapshot.orders, now, options.config, instrument);
      byId.set(id, monitor);
      adopted.push(id);
      changes.push({ kind: "adopted", monitor: id, orders: monitor.orders.length });
    }
    for (const monitor of byId.values()) {
      if (monitor.account !== account || monitor.status !== "active") continue;
      const hasPosition = snapshot.positions.some((p) => p.symbol === monitor.symbol && p.side === monitor.side && p.size > 0);
      if (hasPosition) continue;
      const attached = attachOwn(monitor, snapshot, changes);
      const listed = new Set(snapshot.orders.filter((o) => o.status === "open" || o.status === "untriggered").map(orderKey));
      if (attached.orders.some((o) => o.state === "working" && listed.has(o.linkId))) {
        byId.set(monitor.id, attached);
        continue;
      }
      byId.set(monitor.id, { ...attached, status: "closed", closeReason: "position-gone", closedAt: now, pending: [] });
      retired.push(monitor.id);
      changes.push({ kind: "retired", monitor: monitor.id });
    }
  }
  linkFollowers(byId, options.roster ?? defaultRoster(["main", "mirror"]), changes);
  return { monitors: [...byId.values()], adopted, retired, changes };
}

/** Orders with this monitor's own linkIds found listed but not tracked; seq moved past every id seen. */
function attachOwn(monitor: Monitor, snapshot: AccountSnapshot, changes: ReconcileChange[]): Monitor {
  const known = new Set(monitor.orders.map((o) => o.linkId));
  const own = snapshot.orders.filter(
    (o) => o.symbol === monitor.symbol && (o.status === "open" || o.status === "untriggered") && isOwnLinkId(o.linkId, lifetimeKey(monitor)),
  );
  const fresh = own.filter((o) => !known.has(o.linkId));
  const seq = own.reduce((max, o) => Math.max(max, parseLinkId(o.linkId)!.seq), monitor.seq);
  if (fresh.length === 0 && seq === monitor.seq) return monitor;
  if (fresh.length > 0) changes.push({ kind: "orders-attached", monitor: monitor.id, linkIds: fresh.map((o) => o.linkId) });
  const added = fresh.map((o) => {
    const parsed = parseLinkId(o.linkId)!;
    return trackedFrom(o, parsed.role, parsed.index);
  });
  return { ...monitor, orders: [...monitor.orders, ...added], seq };
}

function linkFollowers(byId: Map<MonitorId, Monitor>, roster: Roster, changes: ReconcileChange[]): void {
  for (const monitor of byId.values()) {
    const leader = roster.leaderOf(monitor.account);
    if (monitor.status !== "active") continue;
    if (monitor.mirrorOf !== undefined && (leader === undefined || !monitor.mirrorOf.startsWith(`${leader}:`))) {
      // the roster no longer has this account follow that leader: the old link goes
      const { mirrorOf: _was, ratio: _ratio, ...unlinked } = monitor;
      byId.set(monitor.id, unlinked);
      changes.push({ kind: "mirror-unlinked", monitor: monitor.id, was: monitor.mirrorOf });
      if (leader === undefined) continue;
    }
    if (leader === undefined) continue;
    const mainId = monitorId(leader, monitor.symbol, monitor.side);
    const main = byId.get(mainId);
    if (main === undefined || main.status !== "active") continue;
    // configured, else kept with the monitor, else read off this pair at first sight
    const wanted = roster.spec(monitor.account)?.ratio ?? monitor.ratio ?? firstSightRatio(monitor, main);
    if (wanted === undefined) continue;
    if (monitor.mirrorOf === mainId && monitor.ratio === wanted) continue;
    const linked: Monitor = {
      ...monitor,
      mirrorOf: mainId,
      ratio: wanted,
      ...(monitor.stopPrice === undefined && main.stopPrice !== undefined ? { stopPrice: main.stopPrice } : {}),
      ...(monitor.tpPrices.length === 0 && main.tpPrices.length > 0 ? { tpPrices: main.tpPrices } : {}),
    };
    byId.set(monitor.id, linked);
    changes.push({ kind: "mirror-linked", monitor: monitor.id, mirrorOf: mainId, ratio: wanted });
  }
}

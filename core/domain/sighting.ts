/**
 * What the exchange says about one tracked order this cycle: seen in the open-order
 * listing, filled or vanished according to a lookup, or not known yet. An order missing
 * from the listing is never declared gone within the grace window after our own write,
 * nor before a lookup by orderLinkId (open orders, then history) has answered.
 *
 * The engine calls `needsLookup` before `evaluate`, looks those linkIds up, and passes the
 * answers in `MonitorView.lookups` (the order, or null when found nowhere).
 */
import { orderKey, type Monitor, type TrackedOrder } from "./monitor.ts";
import type { RuleConfig } from "./plan.ts";
import type { ExchangeOrder, ExchangePosition, Instrument } from "./types.ts";

export interface MonitorView {
  /** This monitor's position from the snapshot, undefined when flat. */
  readonly position: ExchangePosition | undefined;
  /** This account and symbol's open orders from the snapshot. */
  readonly orders: readonly ExchangeOrder[];
  readonly instrument: Instrument;
  /** Lookups by linkId for orders that vanished from the listing; null: found nowhere. */
  readonly lookups: ReadonlyMap<string, ExchangeOrder | null>;
  /** When the snapshot was taken. */
  readonly snapshotAt: number;
}

export type Sighting =
  | { readonly kind: "listed"; readonly order: ExchangeOrder }
  /** Written by us within the grace window and not (yet) seen in a listing taken after the write. */
  | { readonly kind: "pending" }
  /** Missing from the listing, no lookup answer yet: do nothing about it this cycle. */
  | { readonly kind: "unknown" }
  | { readonly kind: "filled"; readonly order: ExchangeOrder }
  /** Gone without a fill: cancelled, deactivated, rejected (order), or found nowhere (null). */
  | { readonly kind: "vanished"; readonly order: ExchangeOrder | null };

const OPEN = new Set(["open", "untriggered"]);

function listedByLinkId(view: MonitorView): Map<string, ExchangeOrder> {
  const byId = new Map<string, ExchangeOrder>();
  for (const order of view.orders) if (OPEN.has(order.status)) byId.set(orderKey(order), order);
  return byId;
}

function inGrace(monitor: Monitor, linkId: string, now: number, graceMs: number): { writtenAt: number; kind: "place" | "amend" } | undefined {
  const pending = monitor.pending.find((p) => p.linkId === linkId);
  return pending !== undefined && now - pending.writtenAt < graceMs ? { writtenAt: pending.writtenAt, kind: pending.kind ?? "place" } : undefined;
}

export function sight(
  monitor: Monitor,
  tracked: TrackedOrder,
  view: MonitorView,
  now: number,
  config: RuleConfig,
  listed: ReadonlyMap<string, ExchangeOrder> = listedByLinkId(view),
): Sighting {
  const grace = inGrace(monitor, tracked.linkId, now, config.graceMs);
  const order = listed.get(tracked.linkId);
  if (order !== undefined) {
    return grace !== undefined && view.snapshotAt < grace.writtenAt ? { kind: "pending" } : { kind: "listed", order };
  }
  // Missing from a listing taken after our own write: looked up at once, not waited on blindly.
  if (grace !== undefined && view.snapshotAt < grace.writtenAt) return { kind: "pending" };
  const lookup = view.lookups.get(tracked.linkId);
  if (lookup === undefined) return grace !== undefined ? { kind: "pending" } : { kind: "unknown" };
  // a create not yet visible anywhere may still appear within the grace window
  if (lookup === null) return grace?.kind === "place" ? { kind: "pending" } : { kind: "vanished", order: null };
  if (lookup.status === "filled") return { kind: "filled", order: lookup };
  if (OPEN.has(lookup.status)) return { kind: "listed", order: lookup };
  return { kind: "vanished", order: lookup };
}

/** Every tracked working order's sighting, by linkId. */
export function sightAll(monitor: Monitor, view: MonitorView, now: number, config: RuleConfig): Map<string, Sighting> {
  const listed = listedByLinkId(view);
  const sightings = new Map<string, Sighting>();
  for (const tracked of monitor.orders) {
    if (tracked.state === "working") sightings.set(tracked.linkId, sight(monitor, tracked, view, now, config, listed));
  }
  return sightings;
}

/** LinkIds of working orders missing from a listing taken after Warden's last write of them, not yet looked up. */
export function needsLookup(
  monitor: Monitor,
  view: Pick<MonitorView, "orders" | "snapshotAt"> & Partial<Pick<MonitorView, "lookups">>,
  now: number,
  config: RuleConfig,
): string[] {
  if (monitor.status === "closed") return [];
  const listed = new Set(view.orders.filter((o) => OPEN.has(o.status)).map(orderKey));
  return monitor.orders
    .filter((o) => o.state === "working" && !listed.has(o.linkId))
    .filter((o) => !(view.snapshotAt < (inGrace(monitor, o.linkId, now, config.graceMs)?.writtenAt ?? -Infinity)))
    .filter((o) => !view.lookups?.has(o.linkId))
    .map((o) => o.linkId);
}

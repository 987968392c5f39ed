/**
 * What the trader told Warden outside the exchange, applied to the monitors: positions run
 * without a stop by choice (`warden no-stop`, settings.json: each choice names one position's
 * lifetime and ends with it) and plans per position (`warden plan`/`trade`, plans.json: a plan
 * newer than the one a monitor applied sets its targets). Pure: the engine reads the files,
 * calls these, and announces what changed; a changed monitor is due at once.
 */
import { lifetimeKey } from "./link-id.ts";
import type { Monitor } from "./monitor.ts";
import { applyPositionPlan, isRelative, type PositionPlan } from "./position-plan.ts";
import type { Instrument } from "./types.ts";

/** Choices given for a position that is gone (closed, or a new lifetime on the same symbol and side). */
export function staleNoStop(keys: Iterable<string>, monitors: readonly Monitor[]): string[] {
  const stale: string[] = [];
  for (const key of keys) {
    const monitor = monitors.find((m) => m.id === key.slice(0, key.indexOf("@")));
    if (monitor !== undefined && (monitor.status !== "active" || lifetimeKey(monitor) !== key)) stale.push(key);
  }
  return stale;
}

/** The monitors with `noStop` as the choices say; `changed` lists the ones that changed. */
export function withNoStop(monitors: readonly Monitor[], keys: ReadonlySet<string>, now: number): { monitors: Monitor[]; changed: { id: string; noStop: boolean }[] } {
  const changed: { id: string; noStop: boolean }[] = [];
  const next = monitors.map((m) => {
    const wanted = m.status === "active" && keys.has(lifetimeKey(m));
    if (m.status !== "active" || wanted === (m.noStop === true)) return m;
    changed.push({ id: m.id, noStop: wanted });
    const { noStop: _was, ...rest } = m;
    return { ...(wanted ? { ...rest, noStop: true } : rest), nextDueAt: now };
  });
  return { monitors: next, changed };
}

/**
 * Whether a plan is this position's: given for its lifetime, or a trade's plan not yet claimed
 * and given before this position was adopted (the position the trade's entries opened).
 */
export function isPlanOf(plan: PositionPlan, monitor: Monitor): boolean {
  return plan.for !== undefined ? plan.for === lifetimeKey(monitor) : monitor.createdAt >= plan.at;
}

/** Plans whose position is gone (closed, or a new lifetime on the same symbol and side). */
export function stalePlans(plans: Readonly<Record<string, PositionPlan>>, monitors: readonly Monitor[]): string[] {
  return Object.entries(plans)
    .filter(([id, plan]) => {
      const monitor = monitors.find((m) => m.id === id);
      return plan.for !== undefined && monitor !== undefined && (monitor.status !== "active" || lifetimeKey(monitor) !== plan.for);
    })
    .map(([id]) => id);
}

/**
 * The monitors with the plans they have not applied yet (or whose % levels must follow an
 * average entry that moved while the entries fill, before TP1); `applied` lists those that
 * took one, `claimed` the trade plans a position took (to be bound to it).
 */
export function withPlans(monitors: readonly Monitor[], plans: Readonly<Record<string, PositionPlan>>, instruments: ReadonlyMap<string, Instrument>, now: number): { monitors: Monitor[]; applied: Monitor[] } {
  const applied: Monitor[] = [];
  const byId = new Map(monitors.map((m) => [m.id, m]));
  const next = monitors.map((m) => {
    // a mirror twin with no plan of its own follows its main's: the same prices, sizes at its ratio
    const main = m.mirrorOf !== undefined && plans[m.id] === undefined ? byId.get(m.mirrorOf) : undefined;
    const plan = plans[m.id] ?? (main !== undefined ? plans[main.id] : undefined);
    const instrument = instruments.get(m.symbol);
    if (plan === undefined || instrument === undefined || m.status !== "active" || !(m.size > 0) || !isPlanOf(plan, main ?? m)) return m;
    const fresh = m.planAt === undefined || m.planAt < plan.at;
    const moved = !fresh && isRelative(plan) && !m.tp1Filled && m.planEntry !== undefined && m.planEntry !== m.entryPrice;
    if (!fresh && !moved) return m;
    const taken = { ...applyPositionPlan(m, plan, instrument.tickSize), nextDueAt: now };
    applied.push(taken);
    return taken;
  });
  return { monitors: next, applied };
}

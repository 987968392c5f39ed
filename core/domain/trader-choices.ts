/**
 * What the trader told Warden outside the exchange, applied to the monitors: positions run
 * without a stop by choice (`warden no-stop`, settings.json: each choice names one position's
 * lifetime and ends with it) and plans per position (`warden plan`/`trade`, plans.json: a plan
 * newer than the one a monitor applied sets its targets). Pure: the engine reads the files,
 * calls these, and announces what changed; a changed monitor is due at once.
 */
import { lifetimeKey } from "./link-id.ts";
import type { Monitor } from "./monitor.ts";
import { applyPositionPlan, type PositionPlan } from "./position-plan.ts";
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

/** The monitors with the plans they have not applied yet; `applied` lists those that took one. */
export function withPlans(monitors: readonly Monitor[], plans: Readonly<Record<string, PositionPlan>>, instruments: ReadonlyMap<string, Instrument>, now: number): { monitors: Monitor[]; applied: Monitor[] } {
  const applied: Monitor[] = [];
  const next = monitors.map((m) => {
    const plan = plans[m.id];
    const instrument = instruments.get(m.symbol);
    if (plan === undefined || instrument === undefined || m.status !== "active" || !(m.size > 0) || (m.planAt !== undefined && m.planAt >= plan.at)) return m;
    const taken = { ...applyPositionPlan(m, plan, instrument.tickSize), nextDueAt: now };
    applied.push(taken);
    return taken;
  });
  return { monitors: next, applied };
}

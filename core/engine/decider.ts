/**
 * Deciding, in two synchronous halves around the only I/O it may need: `look` builds each
 * due monitor's view from the read path and says which vanished orders must be looked up;
 * the engine looks them up; `decide` runs the pure `evaluate`. A monitor whose view has not
 * changed since its last evaluation settled is rescheduled without evaluating (settled.ts).
 * Evaluate on change: a monitor that is not due is still evaluated when its view (position
 * or any order of its symbol) differs from the one it was last evaluated on.
 */
import type { Action } from "../domain/action.ts";
import { evaluate, needsLookup, type MonitorView } from "../domain/evaluate.ts";
import type { Monitor } from "../domain/monitor.ts";
import type { RuleConfig } from "../domain/plan.ts";
import { isSettled, reschedule, viewFingerprint } from "../domain/settled.ts";
import type { ExchangeOrder, Instrument } from "../domain/types.ts";
import type { MonitorReadView } from "./read-path.ts";

export interface Decision {
  readonly monitor: Monitor;
  readonly actions: Action[];
  readonly lookedUp: boolean;
}

/** A monitor looked at, to be decided once its lookups (if any) are answered. */
export interface Look {
  readonly monitor: Monitor;
  readonly view: MonitorView;
  readonly fingerprint: string;
  /** linkIds of orders missing from the listing, to look up by orderLinkId. */
  readonly missing: readonly string[];
}

export class Decider {
  readonly #rules: RuleConfig;
  /** Per monitor, the view fingerprint its last evaluation settled on. */
  readonly #settled = new Map<string, string>();
  /** Per monitor, the view fingerprint it was last evaluated (or rescheduled) on. */
  readonly #seen = new Map<string, string>();
  /** Last mark seen per symbol (urgency of monitors not due this cycle). */
  readonly marks = new Map<string, number>();

  constructor(rules: RuleConfig) {
    this.#rules = rules;
  }

  /** undefined: the monitor is not due and nothing in its view changed, so there is nothing to look at. */
  look(monitor: Monitor, read: MonitorReadView, instrument: Instrument | undefined, now: number, due = true): Decision | Look | undefined {
    if (instrument === undefined) {
      // the engine alerts about positions on unknown instruments; the monitor waits for the instrument
      return due ? { monitor: { ...monitor, nextDueAt: now }, actions: [], lookedUp: false } : undefined;
    }
    if (read.position !== undefined) this.marks.set(monitor.symbol, read.position.markPrice);
    // in hedge mode a symbol has a long and a short: the monitor's is the one on its side
    const position = read.positions.find((p) => p.side === monitor.side);
    const view: MonitorView = { position, orders: read.orders, instrument, lookups: new Map(), snapshotAt: read.takenAt };
    const fingerprint = viewFingerprint(view);
    if (!due && this.#seen.get(monitor.id) === fingerprint) return undefined;
    if (position !== undefined && this.#settled.get(monitor.id) === fingerprint && isSettled(monitor, instrument.qtyStep)) {
      // nothing changed but the mark: evaluate would only renew the schedule
      return { monitor: reschedule(monitor, position.markPrice, now, this.#rules), actions: [], lookedUp: false };
    }
    return { monitor, view, fingerprint, missing: needsLookup(monitor, view, now, this.#rules) };
  }

  decide(look: Look, lookups: ReadonlyMap<string, ExchangeOrder | null>, now: number): Decision {
    const view = lookups.size > 0 ? { ...look.view, lookups } : look.view;
    const result = evaluate(look.monitor, view, now, this.#rules);
    this.#seen.set(look.monitor.id, look.fingerprint);
    const settled = result.actions.length === 0 && look.missing.length === 0 && isSettled(result.monitor, view.instrument.qtyStep);
    if (settled) this.#settled.set(look.monitor.id, look.fingerprint);
    else this.#settled.delete(look.monitor.id);
    return { ...result, lookedUp: look.missing.length > 0 };
  }

  /** The monitor changed outside an evaluation (writes taken back, a twin's follow): evaluate it next time. */
  unsettle(id: string): void {
    this.#settled.delete(id);
    this.#seen.delete(id);
  }

  unsettleAll(): void {
    this.#settled.clear();
    this.#seen.clear();
  }
}

export function isLook(x: Decision | Look): x is Look {
  return "view" in x;
}

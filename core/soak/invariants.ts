/**
 * DESIGN's invariants ("Protection"), checked after every engine cycle against what the
 * venue really holds (venue-read.ts), never against what the engine believes. Warden's
 * orders are those with its orderLinkIds (`w-...`, role and index parsed from the id) and the
 * orders it adopted (the trader's own, tracked by a monitor: `managed`, the one thing taken
 * from the engine, and only to say whose an order is):
 * - `flat-order`: no Warden order (orderLinkId `w-...`) working on a flat symbol and side;
 * - `duplicate-order`: never two working Warden orders of one monitor with one role and index;
 * - `tp-above-size`: a working Warden reduce-only take-profit never asks for more than the size;
 * - `stop-loosened`: Warden never moves a stop against the position. The trigger of every
 *   working stop is read right before the cycle (after the trader's moves) and right after
 *   it: between the two only the engine wrote, so a looser trigger, or a monitor's stop
 *   replaced by a looser one of the same monitor, is Warden's doing;
 * - `unprotected`: every open position protected (a working reduce-only or close-on-trigger
 *   conditional on the closing side, trigger on the losing side of the mark, leaves covering
 *   the size within one lot, whoever placed it; or a position-level stop on the losing side),
 *   unless the engine reports that monitor unprotected in the same cycle.
 *
 * The trader and the price path can break `flat-order`, `tp-above-size` and `unprotected`
 * between two cycles (a close, a reduce, a cancelled stop, a fill), and a fault can keep the
 * engine from repairing them, so these are breaches only when they have held at `k`
 * consecutive checks counted from the later of: the first check that saw them, and the first
 * cycle after the last intervention or fault touching that account and symbol (`touch`).
 * `duplicate-order` and `stop-loosened` are breaches at once. A condition that lasts is one
 * breach (at the check where it crosses the bound), not one per cycle.
 *
 * Stream mode: a stream fault that hid rows from Warden (a dropped, delayed or held-back
 * frame, a silent link) leaves the account `blind` until Warden can know: its next audit or
 * its fall back to polling. No bounded invariant is a breach on a blind account and symbol;
 * `see` ends the blindness and the bound counts from the cycle it gives, as after a touch.
 */
import { parseLinkId } from "../domain/link-id.ts";
import type { OrderRole } from "../domain/action.ts";
import type { Monitor } from "../domain/monitor.ts";
import type { Side } from "../domain/types.ts";
import type { SymbolSpec, VenueOrder, VenuePosition, VenueView } from "./venue-read.ts";

export type InvariantName = "flat-order" | "duplicate-order" | "tp-above-size" | "stop-loosened" | "unprotected" | "engine-error" | "fill-after-audit" | "fill-counted-twice";

/** The last two are checked in stream mode only (stream-invariants.ts). */
export const INVARIANTS: readonly InvariantName[] = ["flat-order", "duplicate-order", "tp-above-size", "stop-loosened", "unprotected", "engine-error", "fill-after-audit", "fill-counted-twice"];

/** An order a monitor of the engine tracks as working, by `account:orderLinkId`. */
export interface ManagedOrder {
  readonly role: OrderRole;
  readonly index: number;
  readonly side: Side;
}

/** What a Warden order is: its role and index, the monitor side it serves, and its monitor lifetime. */
interface WardenOrder {
  readonly role: OrderRole;
  readonly index: number;
  readonly side: Side;
  /** The lifetime hash of a `w-` id; "adopted" for an adopted foreign order. */
  readonly lifetime: string;
}

export interface Breach {
  readonly cycle: number;
  readonly invariant: InvariantName;
  /** `account:SYMBOL:side` (or `account:SYMBOL` when no side applies). */
  readonly monitor: string;
  readonly what: string;
}

export interface CheckerOptions {
  /** Cycles the engine gets to repair what the trader, the price or a fault broke. */
  readonly k: number;
  /** Virtual time between two checks (one price step), ms. */
  readonly stepMs: number;
  readonly specs: ReadonlyMap<string, SymbolSpec>;
}

export interface ProtectionStats {
  /** Position-cycles found unprotected, as virtual time. */
  readonly unprotectedMs: number;
  /** The longest stretch one position stayed unprotected, virtual ms. */
  readonly longestMs: number;
  readonly longestMonitor: string | undefined;
  /** Positions checked, summed over checks. */
  readonly positionChecks: number;
}

interface Held {
  since: number;
  breached: boolean;
}

const touchKey = (account: string, symbol: string) => `${account}:${symbol}`;
const positionKey = (p: Pick<VenuePosition, "account" | "symbol" | "side">) => `${p.account}:${p.symbol}:${p.side}`;

/** The monitor side a Warden order serves: entries open it, everything else closes it. */
function servedSide(o: VenueOrder, role: string): Side {
  const buy = o.side === "Buy";
  return role === "entry" ? (buy ? "long" : "short") : buy ? "short" : "long";
}

/**
 * Whose orders are Warden's beyond its own ids, by `account:orderLinkId`: every order an
 * active monitor tracks (whatever state it believes the order is in: a cancel whose answer
 * was lost leaves it Warden's), and the orders a closed monitor still tracks as working; an
 * active monitor's claim wins.
 */
export function managedOrders(monitors: Iterable<Monitor>): Map<string, ManagedOrder> {
  const out = new Map<string, ManagedOrder>();
  const all = [...monitors].sort((a, b) => Number(a.status === "active") - Number(b.status === "active"));
  for (const m of all) {
    for (const o of m.orders) {
      if (o.linkId !== "" && (m.status === "active" || o.state === "working")) out.set(`${m.account}:${o.linkId}`, { role: o.role, index: o.index, side: m.side });
    }
  }
  return out;
}

function wardenOrder(o: VenueOrder, managed: ReadonlyMap<string, ManagedOrder>): WardenOrder | undefined {
  const m = o.linkId === "" ? undefined : managed.get(`${o.account}:${o.linkId}`);
  const parsed = parseLinkId(o.linkId);
  if (m !== undefined) return { role: m.role, index: m.index, side: m.side, lifetime: parsed?.hash ?? "adopted" };
  if (parsed === undefined) return undefined;
  return { role: parsed.role, index: parsed.index, side: servedSide(o, parsed.role), lifetime: parsed.hash };
}

/** True when the stop at `trigger` is on the losing side of the mark for this position side. */
function losingSide(side: Side, trigger: number, mark: number): boolean {
  return side === "long" ? trigger < mark : trigger > mark;
}

/** How a stop trigger moved for the position: > 0 tighter, < 0 looser. */
function tightening(side: Side, from: number, to: number): number {
  return side === "long" ? to - from : from - to;
}

export function isProtected(p: VenuePosition, orders: readonly VenueOrder[], spec: SymbolSpec | undefined): boolean {
  const step = spec?.qtyStep ?? 0;
  const closing = p.side === "long" ? "Sell" : "Buy";
  if (p.stopLoss !== undefined && losingSide(p.side, p.stopLoss, p.mark)) return true;
  return orders.some(
    (o) =>
      o.account === p.account &&
      o.symbol === p.symbol &&
      o.triggerPrice !== undefined &&
      o.side === closing &&
      (o.reduceOnly || o.closeOnTrigger) &&
      losingSide(p.side, o.triggerPrice, p.mark) &&
      o.qty >= p.size - step - step * 1e-6,
  );
}

export class InvariantChecker {
  readonly #opts: CheckerOptions;
  readonly #touched = new Map<string, number>();
  readonly #lastTouch = new Map<string, string>();
  readonly #held = new Map<string, Held>();
  readonly #blind = new Set<string>();
  #maskedByBlind = 0;
  readonly #episodes = new Map<string, number>();
  /** Warden stops working right before the cycle: linkId -> trigger, and per monitor lifetime the tightest. */
  #stopsBefore = new Map<string, { order: VenueOrder; side: Side; monitor: string }>();
  #unprotectedMs = 0;
  #longestMs = 0;
  #longestMonitor: string | undefined;
  #positionChecks = 0;

  constructor(opts: CheckerOptions) {
    if (!(Number.isInteger(opts.k) && opts.k >= 1)) throw new RangeError(`k must be a whole number >= 1, got ${opts.k}`);
    this.#opts = opts;
  }

  /** An intervention or fault touched this account and symbol; the engine's repair bound counts from `fromCycle`. */
  touch(account: string, symbol: string, fromCycle: number, why?: string): void {
    const key = touchKey(account, symbol);
    this.#touched.set(key, Math.max(fromCycle, this.#touched.get(key) ?? -Infinity));
    if (why !== undefined) this.#lastTouch.set(key, `before cycle ${fromCycle}: ${why}`);
  }

  /** A stream fault hid rows of this account and symbol from Warden: no bounded breach until `see`. */
  blind(account: string, symbol: string): void {
    this.#blind.add(touchKey(account, symbol));
  }

  /** Warden can know again (an audit, polling): the repair bound counts from `fromCycle`. */
  see(account: string, symbol: string, fromCycle: number, why: string): void {
    if (!this.#blind.delete(touchKey(account, symbol))) return;
    this.touch(account, symbol, fromCycle, why);
  }

  isBlind(account: string, symbol: string): boolean {
    return this.#blind.has(touchKey(account, symbol));
  }

  /** Conditions that reached their bound while their account and symbol were blind (not breaches, but the price of the blindness). */
  get maskedByBlind(): number {
    return this.#maskedByBlind;
  }

  /** The venue right before the engine's cycle (after the trader and the price moved). */
  before(view: VenueView, managed: ReadonlyMap<string, ManagedOrder> = new Map()): void {
    this.#stopsBefore = new Map();
    for (const o of view.orders) {
      const w = wardenOrder(o, managed);
      if (w?.role !== "sl" || o.triggerPrice === undefined) continue;
      // by account and linkId: two accounts may hold the same orderLinkId (a scenario's seeded stops)
      this.#stopsBefore.set(`${o.account}:${o.linkId}`, { order: o, side: w.side, monitor: `${o.account}:${o.symbol}:${w.side}#${w.lifetime}` });
    }
  }

  /** The venue right after cycle `cycle`; `reported`: monitors the engine reports unprotected in this cycle. */
  after(cycle: number, view: VenueView, reported: ReadonlySet<string> = new Set(), managed: ReadonlyMap<string, ManagedOrder> = new Map()): Breach[] {
    const breaches: Breach[] = [];
    const seen = new Set<string>();
    const { k } = this.#opts;
    const hold = (invariant: InvariantName, subject: string, account: string, symbol: string, monitor: string, what: string, bound = k) => {
      const key = `${invariant}|${subject}`;
      seen.add(key);
      let held = this.#held.get(key);
      if (held === undefined) this.#held.set(key, (held = { since: cycle, breached: false }));
      if (held.breached) return;
      const from = Math.max(held.since, this.#touched.get(touchKey(account, symbol)) ?? -Infinity);
      if (invariant !== "duplicate-order" && this.#blind.has(touchKey(account, symbol))) {
        // counted once, at the check where it would have crossed the bound
        if (cycle - from === bound - 1) this.#maskedByBlind++;
        return;
      }
      if (cycle - from >= bound - 1) {
        held.breached = true;
        breaches.push({ cycle, invariant, monitor, what });
      }
    };
    const open = new Map(view.positions.map((p) => [positionKey(p), p]));

    const groups = new Map<string, { orders: VenueOrder[]; w: WardenOrder }>();
    for (const o of view.orders) {
      const w = wardenOrder(o, managed);
      if (w === undefined) continue;
      const monitor = `${o.account}:${o.symbol}:${w.side}`;
      const position = open.get(monitor);
      if (position === undefined) {
        hold("flat-order", o.linkId, o.account, o.symbol, monitor, `${w.role}${w.index} ${o.linkId} (${o.side} ${o.qty}) working on a flat ${w.side} side`);
      } else if (w.role === "tp" && o.reduceOnly && o.triggerPrice === undefined) {
        const step = this.#opts.specs.get(o.symbol)?.qtyStep ?? 0;
        if (o.qty > position.size + step * 1e-6) hold("tp-above-size", o.linkId, o.account, o.symbol, monitor, `tp${w.index} ${o.linkId} asks ${o.qty} of a ${position.size} position`);
      }
      const group = `${monitor}:${w.role}${w.index}`;
      const g = groups.get(group) ?? { orders: [], w };
      g.orders.push(o);
      groups.set(group, g);
    }
    for (const [group, { orders, w }] of groups) {
      if (orders.length < 2) continue;
      const first = orders[0]!;
      const monitor = `${first.account}:${first.symbol}:${w.side}`;
      hold("duplicate-order", group, first.account, first.symbol, monitor, `${orders.length} working ${w.role}${w.index} orders of one monitor: ${orders.map((o) => `${o.linkId} (${o.triggerPrice ?? o.price})`).join(", ")}`, 1);
    }

    breaches.push(...this.#loosened(cycle, view, open, managed));

    for (const p of view.positions) {
      this.#positionChecks++;
      const key = positionKey(p);
      const spec = this.#opts.specs.get(p.symbol);
      const protectedNow = isProtected(p, view.orders, spec);
      if (protectedNow) {
        this.#episodes.delete(key);
        continue;
      }
      const ms = (this.#episodes.get(key) ?? 0) + this.#opts.stepMs;
      this.#episodes.set(key, ms);
      this.#unprotectedMs += this.#opts.stepMs;
      if (ms > this.#longestMs) {
        this.#longestMs = ms;
        this.#longestMonitor = key;
      }
      if (reported.has(key)) {
        // reported in this cycle: no breach now, but the stretch goes on for the cycles after it
        if (!this.#held.has(`unprotected|${key}`)) this.#held.set(`unprotected|${key}`, { since: cycle, breached: false });
        seen.add(`unprotected|${key}`);
        continue;
      }
      const stops = view.orders.filter((o) => o.account === p.account && o.symbol === p.symbol && o.triggerPrice !== undefined);
      const found = stops.length === 0 ? "no stop" : `stops ${stops.map((o) => `${o.linkId || o.orderId.slice(0, 8)} ${o.side} ${o.qty}@${o.triggerPrice}`).join(", ")}`;
      const last = this.#lastTouch.get(touchKey(p.account, p.symbol));
      hold("unprotected", key, p.account, p.symbol, key, `${p.side} ${p.size} at mark ${p.mark} unprotected (${found})${last !== undefined ? `; last touched ${last}` : ""}`);
    }
    for (const key of [...this.#episodes.keys()]) if (!open.has(key)) this.#episodes.delete(key);
    for (const key of [...this.#held.keys()]) if (!seen.has(key)) this.#held.delete(key);
    return breaches;
  }

  /** A breach found outside the venue's state (the engine's cycle threw). */
  engineError(cycle: number, error: unknown): Breach {
    return { cycle, invariant: "engine-error", monitor: "-", what: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }

  protection(): ProtectionStats {
    return { unprotectedMs: this.#unprotectedMs, longestMs: this.#longestMs, longestMonitor: this.#longestMonitor, positionChecks: this.#positionChecks };
  }

  #loosened(cycle: number, view: VenueView, open: ReadonlyMap<string, VenuePosition>, managed: ReadonlyMap<string, ManagedOrder>): Breach[] {
    const breaches: Breach[] = [];
    const after = new Map(view.orders.map((o) => [`${o.account}:${o.linkId}`, o]));
    // the tightest Warden stop of each monitor lifetime after the cycle
    const tightestAfter = new Map<string, VenueOrder>();
    for (const o of view.orders) {
      const w = wardenOrder(o, managed);
      if (w?.role !== "sl" || o.triggerPrice === undefined) continue;
      const monitor = `${o.account}:${o.symbol}:${w.side}#${w.lifetime}`;
      const best = tightestAfter.get(monitor);
      if (best === undefined || tightening(w.side, best.triggerPrice!, o.triggerPrice) > 0) tightestAfter.set(monitor, o);
    }
    const reported = new Set<string>();
    for (const [key, { order: was, side, monitor }] of this.#stopsBefore) {
      const id = monitor.split("#")[0]!;
      const linkId = was.linkId;
      if (!open.has(id)) continue; // the position went flat: nothing to loosen
      const now = after.get(key);
      if (now?.triggerPrice !== undefined) {
        if (tightening(side, was.triggerPrice!, now.triggerPrice) < 0) {
          breaches.push({ cycle, invariant: "stop-loosened", monitor: id, what: `Warden moved stop ${linkId} from ${was.triggerPrice} to ${now.triggerPrice}` });
        }
        continue;
      }
      // the stop left during the cycle: only the engine acted, so its replacement must not be looser
      const replacement = tightestAfter.get(monitor);
      if (replacement === undefined || reported.has(monitor)) continue;
      if (tightening(side, was.triggerPrice!, replacement.triggerPrice!) < 0) {
        reported.add(monitor);
        breaches.push({ cycle, invariant: "stop-loosened", monitor: id, what: `Warden replaced stop ${linkId} at ${was.triggerPrice} with ${replacement.linkId} at ${replacement.triggerPrice}` });
      }
    }
    return breaches;
  }
}

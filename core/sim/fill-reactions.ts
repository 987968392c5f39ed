/**
 * Fill-to-reaction, stamped at the venue (DESIGN "Bench"): when a fill left a position
 * wrongly protected, and when the venue RECEIVED the first stop write on that account and
 * symbol after it. Both ends are stamped on one real clock (performance.now by default) as
 * the venue's changes are delivered (venue-events.ts): a price step's fills when its matching
 * ends, a REST write when the request has arrived and been applied (after the first half of
 * its latency, simulator.ts). Nothing here knows Warden: the bench reads the stamps.
 *
 * Fills that need a corrective stop write:
 * - `entry`: a fill that grew a position that was already open (its stop must be resized);
 * - `tp1`: the first reducing limit fill of a position's lifetime (its stop must move to
 *   breakeven) that left the position open. A lifetime ends when a position row shows it flat.
 * Fills that flatten the position, stop fills and later take-profits are not counted.
 *
 * A stop write: an order row of a reduce-only or close-on-trigger conditional order that is
 * still Untriggered (a create or an amend; the matching never produces one), or a position
 * row whose stopLoss changed (`/v5/position/trading-stop`), in a change that is not a price
 * step's. Every fill of the account and symbol still waiting is answered by it. Keyed by
 * account and symbol (both sides of a hedge-mode symbol share one key).
 */
import type { AccountId } from "../domain/types.ts";
import type { BybitRecord, Venue } from "./venue-api.ts";
import type { VenueChange } from "./venue-events.ts";

export type ReactionFillKind = "entry" | "tp1";

export interface FillReaction {
  readonly account: AccountId;
  readonly symbol: string;
  readonly kind: ReactionFillKind;
  /** The venue's step in which the fill happened. */
  readonly step: number;
  /** Real time (ms, the clock given) the fill was made. */
  readonly filledAt: number;
  /** Real time the venue received the first stop write on this account and symbol after the fill; undefined while none came. */
  readonly reactedAt: number | undefined;
}

interface Open {
  readonly account: AccountId;
  readonly symbol: string;
  readonly kind: ReactionFillKind;
  readonly step: number;
  readonly filledAt: number;
  reactedAt: number | undefined;
}

const str = (r: BybitRecord, k: string): string => (typeof r[k] === "string" ? (r[k] as string) : String(r[k] ?? ""));

function isStopWrite(o: BybitRecord): boolean {
  return str(o, "orderStatus") === "Untriggered" && (o["reduceOnly"] === true || o["closeOnTrigger"] === true) && Number(str(o, "triggerPrice")) > 0;
}

export class FillReactionClock {
  readonly #now: () => number;
  readonly #venue: Venue;
  readonly #all: Open[] = [];
  /** Fills still waiting for a stop write, by `account symbol`. */
  readonly #waiting = new Map<string, Open[]>();
  /** Positions (by `account symbol`) whose lifetime has had a reducing fill. */
  readonly #reduced = new Set<string>();
  /** Last stopLoss seen on a position row, by `account symbol positionIdx`. */
  readonly #stopLoss = new Map<string, string>();
  #stepping = false;
  readonly #off: (() => void)[] = [];

  constructor(venue: Venue, now: () => number = () => performance.now()) {
    if (venue.onChange === undefined || venue.onStep === undefined) throw new TypeError("fill reactions need a venue that reports its changes and steps");
    this.#venue = venue;
    this.#now = now;
    // A step runs synchronously and delivers its changes at its end: all before this microtask.
    this.#off.push(
      venue.onStep(() => {
        this.#stepping = true;
        queueMicrotask(() => (this.#stepping = false));
      }),
    );
    this.#off.push(venue.onChange((change) => this.#change(change)));
  }

  /** Every fill counted so far, answered or not, in the order they happened. */
  reactions(): FillReaction[] {
    return this.#all.map((o) => ({ ...o }));
  }

  close(): void {
    for (const off of this.#off.splice(0)) off();
  }

  #change(change: VenueChange): void {
    const at = this.#now();
    const stepping = this.#stepping;
    const step = this.#venue.stepIndex();
    const last = new Map<string, BybitRecord>();
    for (const p of change.positions) last.set(str(p, "symbol"), p);
    if (stepping) this.#fills(change, last, step, at);
    else this.#writes(change, at);
    for (const p of change.positions) {
      const key = `${change.account} ${str(p, "symbol")}`;
      this.#stopLoss.set(`${key} ${str(p, "positionIdx")}`, str(p, "stopLoss"));
    }
    for (const [symbol, p] of last) if (Number(str(p, "size")) === 0) this.#reduced.delete(`${change.account} ${symbol}`);
  }

  #fills(change: VenueChange, positionAfter: ReadonlyMap<string, BybitRecord>, step: number, at: number): void {
    const orders = new Map(change.orders.map((o) => [str(o, "orderId"), o]));
    for (const e of change.executions) {
      if (str(e, "execType") !== "Trade") continue;
      const symbol = str(e, "symbol");
      const key = `${change.account} ${symbol}`;
      const after = Number(str(positionAfter.get(symbol) ?? {}, "size"));
      const order = orders.get(str(e, "orderId"));
      const reducing = Number(str(e, "closedSize")) > 0;
      let kind: ReactionFillKind | undefined;
      if (!reducing && after > Number(str(e, "execQty"))) kind = "entry";
      if (reducing && str(e, "orderType") === "Limit" && (order === undefined || str(order, "stopOrderType") === "") && !this.#reduced.has(key)) {
        this.#reduced.add(key);
        if (after > 0) kind = "tp1";
      }
      if (reducing) this.#reduced.add(key);
      if (kind === undefined) continue;
      const open: Open = { account: change.account, symbol, kind, step, filledAt: at, reactedAt: undefined };
      this.#all.push(open);
      const list = this.#waiting.get(key) ?? [];
      list.push(open);
      this.#waiting.set(key, list);
    }
  }

  #writes(change: VenueChange, at: number): void {
    const symbols = new Set<string>();
    for (const o of change.orders) if (isStopWrite(o)) symbols.add(str(o, "symbol"));
    for (const p of change.positions) {
      const before = this.#stopLoss.get(`${change.account} ${str(p, "symbol")} ${str(p, "positionIdx")}`);
      if (before !== undefined && before !== str(p, "stopLoss")) symbols.add(str(p, "symbol"));
    }
    for (const symbol of symbols) {
      const key = `${change.account} ${symbol}`;
      for (const open of this.#waiting.get(key) ?? []) open.reactedAt = at;
      this.#waiting.delete(key);
    }
  }
}

/**
 * A trader's hand on the venue between two engine cycles, seeded: what a person does on the
 * website, made through the venue's own API (so the exchange refuses what it would refuse):
 * cancel any order, move a stop either way, add to a position, reduce it, close it, flip it,
 * open a position on a flat symbol, place an own stop or an own take-profit, with or without
 * an orderLinkId. Each act names the account and symbol it touched and how the venue answered.
 */
import type { AccountId } from "../domain/types.ts";
import { decimalsOf } from "../domain/units.ts";
import type { Rng } from "../rng.ts";
import { SimError, type Params, type Venue } from "../sim/venue-api.ts";
import type { SymbolSpec, VenueOrder, VenuePosition, VenueView } from "./venue-read.ts";

export const INTERVENTION_KINDS = ["cancel-order", "move-stop-tighter", "move-stop-looser", "add", "reduce", "close", "flip", "reopen", "own-stop", "own-tp"] as const;
export type InterventionKind = (typeof INTERVENTION_KINDS)[number];

export interface Intervention {
  readonly kind: InterventionKind;
  readonly account: AccountId;
  readonly symbol: string;
  /** "applied", or the venue's refusal ("refused 110092"). */
  readonly outcome: string;
  readonly detail: string;
}

const WEIGHTS: Readonly<Record<InterventionKind, number>> = {
  "cancel-order": 3, "move-stop-tighter": 1.5, "move-stop-looser": 1.5, add: 2, reduce: 2, close: 1, flip: 1, reopen: 2, "own-stop": 1.5, "own-tp": 1.5,
};

type Plan = { account: AccountId; symbol: string; detail: string; run: () => void };

export class Trader {
  readonly #venue: Venue;
  readonly #rng: Rng;
  readonly #specs: ReadonlyMap<string, SymbolSpec>;
  #seq = 0;

  constructor(venue: Venue, rng: Rng, specs: ReadonlyMap<string, SymbolSpec>) {
    this.#venue = venue;
    this.#rng = rng;
    this.#specs = specs;
  }

  /** One intervention of a kind drawn by weight among those possible in this view; undefined when none is. */
  act(view: VenueView): Intervention | undefined {
    const candidates = INTERVENTION_KINDS.map((kind) => [kind, this.#plan(kind, view)] as const).filter((c): c is readonly [InterventionKind, Plan] => c[1] !== undefined);
    if (candidates.length === 0) return undefined;
    const total = candidates.reduce((sum, [kind]) => sum + WEIGHTS[kind], 0);
    let draw = this.#rng() * total;
    let chosen = candidates[candidates.length - 1]!;
    for (const c of candidates) {
      draw -= WEIGHTS[c[0]];
      if (draw < 0) {
        chosen = c;
        break;
      }
    }
    const [kind, plan] = chosen;
    let outcome = "applied";
    try {
      plan.run();
    } catch (error) {
      if (!(error instanceof SimError)) throw error;
      outcome = `refused ${error.retCode}`;
    }
    return { kind, account: plan.account, symbol: plan.symbol, outcome, detail: plan.detail };
  }

  #pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[Math.floor(this.#rng() * items.length)];
  }

  #between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.#rng();
  }

  #qty(spec: SymbolSpec, qty: number): string {
    const lots = Math.max(Math.round(spec.minQty / spec.qtyStep), Math.round(qty / spec.qtyStep));
    return (lots * spec.qtyStep).toFixed(decimalsOf(spec.qtyStep));
  }

  #price(spec: SymbolSpec, price: number): string {
    const ticks = Math.max(1, Math.round(price / spec.tickSize));
    return (ticks * spec.tickSize).toFixed(decimalsOf(spec.tickSize));
  }

  /** An own orderLinkId half of the time; none (as the website's default) otherwise. */
  #linkId(): Params {
    return this.#rng() < 0.5 ? { orderLinkId: `manual-${++this.#seq}` } : {};
  }

  /** A trade's plan as a trader enters it: TPs 1%, 2%, 3% away (70/15/15 % of the size, or one for all) and a stop 2% away. */
  #planOrders(spec: SymbolSpec, side: "Buy" | "Sell", qty: number, mark: number, rungs: number): Params[] {
    if (rungs === 0) return [];
    const long = side === "Buy";
    const closing = long ? "Sell" : "Buy";
    const dir = long ? 1 : -1;
    const lots = Math.round(qty / spec.qtyStep);
    const shares = rungs === 1 ? [100] : [70, 15, 15];
    const parts = shares.map((share) => Math.floor((lots * share) / 100));
    parts[parts.length - 1]! += lots - parts.reduce((a, b) => a + b, 0);
    const tps: Params[] = parts.map((part, i) => ({
      side: closing, orderType: "Limit", qty: this.#qty(spec, part * spec.qtyStep), price: this.#price(spec, mark * (1 + dir * 0.01 * (i + 1))), reduceOnly: true, orderLinkId: `manual-${++this.#seq}`,
    }));
    const stop: Params = {
      side: closing, orderType: "Market", qty: this.#qty(spec, qty), triggerPrice: this.#price(spec, mark * (1 - dir * 0.02)), triggerDirection: long ? 2 : 1, reduceOnly: true, closeOnTrigger: true, orderLinkId: `manual-${++this.#seq}`,
    };
    return [...tps, stop];
  }

  #create(account: AccountId, body: Params): void {
    this.#venue.createOrder(account, { category: "linear", ...body });
  }

  #plan(kind: InterventionKind, view: VenueView): Plan | undefined {
    const position = (): VenuePosition | undefined => this.#pick(view.positions);
    switch (kind) {
      case "cancel-order": {
        const o = this.#pick(view.orders);
        if (o === undefined) return undefined;
        return { account: o.account, symbol: o.symbol, detail: `cancel ${describe(o)}`, run: () => this.#venue.cancelOrder(o.account, { category: "linear", symbol: o.symbol, orderId: o.orderId }) };
      }
      case "move-stop-tighter":
      case "move-stop-looser": {
        const stops = view.orders.filter((o) => o.triggerPrice !== undefined && (o.reduceOnly || o.closeOnTrigger));
        const o = this.#pick(stops);
        const spec = o && this.#specs.get(o.symbol);
        if (o === undefined || spec === undefined) return undefined;
        // a Sell stop protects a long: tighter is higher; a Buy stop protects a short: tighter is lower
        const up = (o.side === "Sell") === (kind === "move-stop-tighter");
        const trigger = this.#price(spec, o.triggerPrice! * (1 + (up ? 1 : -1) * this.#between(0.002, 0.02)));
        return {
          account: o.account, symbol: o.symbol, detail: `move ${describe(o)} to ${trigger}`,
          run: () => this.#venue.amendOrder(o.account, { category: "linear", symbol: o.symbol, orderId: o.orderId, triggerPrice: trigger }),
        };
      }
      case "add":
      case "reduce":
      case "close":
      case "flip": {
        const p = position();
        const spec = p && this.#specs.get(p.symbol);
        if (p === undefined || spec === undefined) return undefined;
        const opening = p.side === "long" ? "Buy" : "Sell";
        const closing = p.side === "long" ? "Sell" : "Buy";
        const body: Params =
          kind === "add" ? { side: opening, qty: this.#qty(spec, p.size * this.#between(0.1, 0.6)) }
          : kind === "reduce" ? { side: closing, qty: this.#qty(spec, p.size * this.#between(0.1, 0.7)), reduceOnly: true }
          : kind === "close" ? { side: closing, qty: this.#qty(spec, p.size), reduceOnly: true }
          : { side: closing, qty: this.#qty(spec, p.size * (1 + this.#between(0.3, 1.5))) };
        return { account: p.account, symbol: p.symbol, detail: `${kind} ${p.side} ${p.size}: market ${String(body.side)} ${String(body.qty)}`, run: () => this.#create(p.account, { symbol: p.symbol, orderType: "Market", ...body }) };
      }
      case "reopen": {
        const accounts = [...new Set(this.#venue.accounts().map((a) => a.id))];
        const flat = accounts.flatMap((account) => [...this.#specs.values()].filter((s) => view.marks.has(s.symbol) && !view.positions.some((p) => p.account === account && p.symbol === s.symbol)).map((s) => ({ account, spec: s })));
        const pick = this.#pick(flat);
        if (pick === undefined) return undefined;
        const mark = view.marks.get(pick.spec.symbol)!;
        const side = this.#rng() < 0.5 ? "Buy" : "Sell";
        const qty = this.#qty(pick.spec, this.#between(1000, 4000) / mark);
        // half the time the trader opens a trade with its plan: a TP ladder and a stop, with orderLinkIds (Warden adopts them)
        const rungs = this.#rng() < 0.5 ? 0 : this.#rng() < 0.5 ? 1 : 3;
        const orders = this.#planOrders(pick.spec, side, Number(qty), mark, rungs);
        return {
          account: pick.account, symbol: pick.spec.symbol, detail: `open ${side} ${qty} on a flat symbol${rungs > 0 ? ` with ${rungs} TP(s) and a stop` : ""}`,
          run: () => {
            this.#create(pick.account, { symbol: pick.spec.symbol, side, orderType: "Market", qty });
            for (const body of orders) this.#create(pick.account, { symbol: pick.spec.symbol, ...body });
          },
        };
      }
      case "own-stop":
      case "own-tp": {
        const p = position();
        const spec = p && this.#specs.get(p.symbol);
        if (p === undefined || spec === undefined) return undefined;
        const long = p.side === "long";
        const closing = long ? "Sell" : "Buy";
        const link = this.#linkId();
        if (kind === "own-stop") {
          const trigger = this.#price(spec, p.mark * (1 + (long ? -1 : 1) * this.#between(0.005, 0.04)));
          const body: Params = { symbol: p.symbol, side: closing, orderType: "Market", qty: this.#qty(spec, p.size), triggerPrice: trigger, triggerDirection: long ? 2 : 1, reduceOnly: true, closeOnTrigger: true, ...link };
          return { account: p.account, symbol: p.symbol, detail: `own stop ${closing} ${String(body.qty)} at ${trigger} ${String(link.orderLinkId ?? "(no linkId)")}`, run: () => this.#create(p.account, body) };
        }
        const price = this.#price(spec, p.mark * (1 + (long ? 1 : -1) * this.#between(0.005, 0.04)));
        const body: Params = { symbol: p.symbol, side: closing, orderType: "Limit", qty: this.#qty(spec, p.size * this.#between(0.2, 1)), price, reduceOnly: true, ...link };
        return { account: p.account, symbol: p.symbol, detail: `own tp ${closing} ${String(body.qty)} at ${price} ${String(link.orderLinkId ?? "(no linkId)")}`, run: () => this.#create(p.account, body) };
      }
    }
  }
}

function describe(o: VenueOrder): string {
  const what = o.triggerPrice !== undefined ? `stop ${o.side} ${o.qty}@${o.triggerPrice}` : `${o.reduceOnly ? "reduce-only " : ""}limit ${o.side} ${o.qty}@${o.price}`;
  return `${o.linkId || `(no linkId) ${o.orderId.slice(0, 8)}`} ${what}`;
}

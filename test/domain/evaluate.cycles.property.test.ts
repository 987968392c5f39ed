/**
 * Many cycles against a small exchange model: random fills and interventions between
 * cycles, then needsLookup -> evaluate -> the writes carried out. After every cycle: no
 * order is left on a flat position, there is never a second stop, and the stop covers the
 * whole position unless a person cancelled it more often than it is restored.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { isWrite, type Action, type WriteAction } from "../../core/domain/action.ts";
import { evaluate, needsLookup } from "../../core/domain/evaluate.ts";
import { needsSweep, type Monitor } from "../../core/domain/monitor.ts";
import { reconcile } from "../../core/domain/reconcile.ts";
import { monitorId, type AccountSnapshot, type ExchangeOrder, type ExchangePosition, type OrderSide, type Side } from "../../core/domain/types.ts";
import { lotsToQty, roundPrice, toLots } from "../../core/domain/units.ts";
import { revertWrite } from "../../core/domain/write-outcome.ts";
import { InvariantChecker, managedOrders, type Breach } from "../../core/soak/invariants.ts";
import type { VenueOrder, VenuePosition, VenueView } from "../../core/soak/venue-read.ts";
import { T0, applyWrites, listingOf, makeInstrument, makeMonitor, makePosition, RULES } from "./builders.ts";

const STEP = 0.001;
type Event = "entry-fill" | "tp-fill" | "sl-fill" | "cancel-sl" | "cancel-tp" | "manual-close" | "nothing";
const eventArb = fc.constantFrom<Event>("entry-fill", "tp-fill", "tp-fill", "sl-fill", "cancel-sl", "cancel-tp", "manual-close", "nothing", "nothing");

interface Exchange {
  sizeLots: number;
  listing: ExchangeOrder[];
  history: Map<string, ExchangeOrder>;
}

function remove(ex: Exchange, order: ExchangeOrder, status: ExchangeOrder["status"], filledQty = 0): void {
  ex.listing = ex.listing.filter((o) => o.linkId !== order.linkId);
  ex.history.set(order.linkId, { ...order, status, filledQty });
}

function happen(ex: Exchange, event: Event): void {
  const stop = ex.listing.find((o) => o.reduceOnly && o.triggerPrice !== undefined);
  const tp = ex.listing.filter((o) => o.reduceOnly && o.type === "limit").sort((a, b) => Math.abs(a.price! - 60_000) - Math.abs(b.price! - 60_000))[0];
  const entry = ex.listing.find((o) => !o.reduceOnly);
  if (event === "entry-fill" && entry !== undefined) {
    remove(ex, entry, "filled", entry.qty);
    ex.sizeLots += toLots(entry.qty, STEP);
  } else if (event === "tp-fill" && tp !== undefined && ex.sizeLots > 0) {
    const lots = Math.min(toLots(tp.qty, STEP), ex.sizeLots);
    remove(ex, tp, "filled", lotsToQty(lots, STEP));
    ex.sizeLots -= lots;
  } else if (event === "sl-fill" && stop !== undefined && ex.sizeLots > 0) {
    remove(ex, stop, "filled", lotsToQty(ex.sizeLots, STEP));
    ex.sizeLots = 0;
  } else if (event === "cancel-sl" && stop !== undefined) {
    remove(ex, stop, "deactivated");
  } else if (event === "cancel-tp" && tp !== undefined) {
    remove(ex, tp, "cancelled");
  } else if (event === "manual-close") {
    ex.sizeLots = 0;
  }
}

describe("evaluate over many cycles", () => {
  test("keeps every position protected and leaves nothing on a flat one", () => {
    fc.assert(
      fc.property(fc.constantFrom("long" as const, "short" as const), fc.constantFrom("fast" as const, "conservative" as const), fc.array(eventArb, { maxLength: 12 }), (side, plan, events) => {
        let monitor: Monitor = makeMonitor({ side, plan, entries: plan === "fast" ? 0 : 2 });
        const ex: Exchange = { sizeLots: toLots(monitor.size, STEP), listing: listingOf(monitor), history: new Map() };
        let now = T0;
        let stopCancels = 0;
        for (const event of events) {
          if (monitor.status === "closed") break;
          if (event === "cancel-sl" && ex.listing.some((o) => o.reduceOnly && o.triggerPrice !== undefined)) stopCancels++;
          happen(ex, event);
          now += RULES.graceMs + 1;
          const position = ex.sizeLots > 0 ? makePosition({ side, size: lotsToQty(ex.sizeLots, STEP), markPrice: 60_000 }) : undefined;
          const base = { position, orders: ex.listing, instrument: makeInstrument(), lookups: new Map<string, ExchangeOrder | null>(), snapshotAt: now };
          const lookups = new Map(needsLookup(monitor, base, now, RULES).map((id) => [id, ex.history.get(id) ?? null] as const));
          const result = evaluate(monitor, { ...base, lookups }, now, RULES);
          monitor = result.monitor;
          ex.listing = applyWrites(ex.listing, result.actions);

          const stops = ex.listing.filter((o) => o.reduceOnly && o.triggerPrice !== undefined);
          expect(stops.length).toBeLessThanOrEqual(1);
          if (ex.sizeLots === 0) {
            expect(monitor.status).toBe("closed");
            expect(ex.listing).toEqual([]);
          } else {
            expect(monitor.status).toBe("active");
            // a stop cancelled by hand is restored every time, in the same evaluation
            expect(stops.map((o) => toLots(o.qty, STEP))).toEqual([ex.sizeLots]);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

/*
 * The model exchange for the multi-cycle property below: one symbol, a signed position (a
 * trader may flip it), a mark that moves and matches orders (limits fill when the mark
 * crosses their price, conditionals trigger and close at market), reduce-only orders swept
 * when they can no longer reduce, refusals as the venue refuses (reduce-only with nothing to
 * reduce, a trigger already crossed, an amend or duplicate of what is not open). Every write
 * of the engine meets one of four fates: applied; refused; applied but the answer lost;
 * lost (not applied, no answer). The engine around `evaluate` is modelled as the real one
 * carries out writes (executor.ts, engine.ts): an unknown create is looked up by linkId; after
 * the first write that did not succeed the monitor's later writes are skipped; every write
 * not applied is taken back (revertWrite); unknown amends and cancels stay for the grace
 * window and lookups to settle. Positions without an active monitor are adopted (reconcile).
 * The invariants are the soak's (core/soak/invariants.ts), checked on the model exchange.
 */
type Fate = "applied" | "refused" | "answer-lost" | "lost";
const fateArb = fc.constantFrom<Fate>("applied", "applied", "applied", "applied", "refused", "answer-lost", "lost");

type Act =
  | { readonly kind: "price"; readonly bps: number }
  | { readonly kind: "cancel"; readonly pick: number }
  | { readonly kind: "move-stop"; readonly pick: number; readonly bps: number }
  | { readonly kind: "add" | "reduce" | "flip"; readonly pct: number }
  | { readonly kind: "close" }
  | { readonly kind: "reopen"; readonly side: Side; readonly lots: number }
  | { readonly kind: "own-stop" | "own-tp"; readonly pct: number; readonly bps: number; readonly link: boolean };

const actArb: fc.Arbitrary<Act> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("price" as const), bps: fc.integer({ min: -150, max: 150 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat(20) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("move-stop" as const), pick: fc.nat(5), bps: fc.integer({ min: -200, max: 200 }).filter((b) => b !== 0) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom("add" as const, "reduce" as const, "flip" as const), pct: fc.integer({ min: 10, max: 150 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("close" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reopen" as const), side: fc.constantFrom<Side>("long", "short"), lots: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom("own-stop" as const, "own-tp" as const), pct: fc.integer({ min: 20, max: 100 }), bps: fc.integer({ min: 30, max: 300 }), link: fc.boolean() }) },
);
const cycleArb = fc.record({ acts: fc.array(actArb, { maxLength: 2 }), fates: fc.array(fateArb, { maxLength: 6 }) });

const K = 3;
const CYCLE_MS = 5_000;
const TICK = 0.1;

class ModelExchange {
  /** Signed lots: > 0 long, < 0 short. */
  pos: number;
  entry = 60_000;
  mark = 60_000;
  listing: ExchangeOrder[];
  readonly history = new Map<string, ExchangeOrder>();
  #ids = 0;
  #own = 0;

  constructor(side: Side, lots: number, listing: ExchangeOrder[]) {
    this.pos = side === "long" ? lots : -lots;
    this.listing = listing;
  }

  side(): Side | undefined {
    return this.pos > 0 ? "long" : this.pos < 0 ? "short" : undefined;
  }

  position(side: Side): ExchangePosition | undefined {
    return this.side() === side ? makePosition({ side, size: lotsToQty(Math.abs(this.pos), STEP), entryPrice: this.entry, markPrice: this.mark }) : undefined;
  }

  lookup(linkId: string): ExchangeOrder | null {
    return this.listing.find((o) => o.linkId === linkId) ?? this.history.get(linkId) ?? null;
  }

  #close(o: ExchangeOrder, status: ExchangeOrder["status"], filledQty = o.filledQty): void {
    this.listing = this.listing.filter((x) => x !== o);
    if (o.linkId !== "") this.history.set(o.linkId, { ...o, status, filledQty });
  }

  /** Fills `lots` on `side` at `price`; a reduce-only fill never grows or flips the position. */
  #fill(side: OrderSide, lots: number, reduceOnly: boolean, price: number): number {
    const signed = side === "buy" ? lots : -lots;
    if (reduceOnly) {
      if (this.pos === 0 || Math.sign(signed) === Math.sign(this.pos)) return 0;
      const done = Math.min(lots, Math.abs(this.pos));
      this.pos += side === "buy" ? done : -done;
      this.#sweep();
      return done;
    }
    const before = this.pos;
    this.pos += signed;
    if (before === 0 || Math.sign(before) !== Math.sign(this.pos)) this.entry = price;
    else if (Math.abs(this.pos) > Math.abs(before)) this.entry = (this.entry * Math.abs(before) + price * lots) / Math.abs(this.pos);
    this.#sweep();
    return lots;
  }

  /** Reduce-only orders that can no longer reduce the position are cancelled, as Bybit does. */
  #sweep(): void {
    const side = this.side();
    for (const o of [...this.listing]) {
      if (o.reduceOnly && (side === undefined || o.side === (side === "long" ? "buy" : "sell"))) this.#close(o, o.triggerPrice !== undefined ? "deactivated" : "cancelled");
    }
  }

  /** Orders the mark has reached: limits fill at their price, conditionals close at market. */
  match(): void {
    for (const o of [...this.listing]) {
      if (!this.listing.includes(o)) continue;
      const lots = toLots(o.qty - o.filledQty, STEP);
      if (o.triggerPrice !== undefined) {
        const hit = o.side === "sell" ? this.mark <= o.triggerPrice : this.mark >= o.triggerPrice;
        if (!hit) continue;
        const done = this.#fill(o.side, lots, o.reduceOnly, this.mark);
        this.#close(o, done > 0 ? "filled" : "deactivated", o.filledQty + lotsToQty(done, STEP));
      } else if (o.price !== undefined && (o.side === "buy" ? this.mark <= o.price : this.mark >= o.price)) {
        const done = this.#fill(o.side, lots, o.reduceOnly, o.price);
        this.#close(o, done > 0 ? "filled" : "cancelled", o.filledQty + lotsToQty(done, STEP));
      }
    }
  }

  /** What a trader does by hand between two cycles. */
  act(a: Act): void {
    const size = Math.abs(this.pos);
    const side = this.side();
    const closing: OrderSide = this.pos > 0 ? "sell" : "buy";
    const opening: OrderSide = this.pos > 0 ? "buy" : "sell";
    const lotsOf = (pct: number, of: number) => Math.max(1, Math.round((of * pct) / 100));
    const own = (link: boolean) => (link ? `manual-${++this.#own}` : "");
    switch (a.kind) {
      case "price":
        this.mark = roundPrice(this.mark * (1 + a.bps / 10_000), TICK);
        this.match();
        return;
      case "cancel": {
        const o = this.listing[a.pick % Math.max(1, this.listing.length)];
        if (o !== undefined) this.#close(o, o.triggerPrice !== undefined ? "deactivated" : "cancelled");
        return;
      }
      case "move-stop": {
        const stops = this.listing.filter((o) => o.triggerPrice !== undefined);
        const o = stops[a.pick % Math.max(1, stops.length)];
        if (o === undefined) return;
        const trigger = roundPrice(o.triggerPrice! * (1 + a.bps / 10_000), TICK);
        if (o.side === "sell" ? trigger >= this.mark : trigger <= this.mark) return; // the venue refuses a crossed trigger
        this.listing = this.listing.map((x) => (x === o ? { ...x, triggerPrice: trigger } : x));
        return;
      }
      case "add":
        if (side !== undefined) this.#fill(opening, lotsOf(a.pct, size), false, this.mark);
        return;
      case "reduce":
        if (side !== undefined) this.#fill(closing, Math.min(size, lotsOf(Math.min(a.pct, 90), size)), true, this.mark);
        return;
      case "close":
        if (side !== undefined) this.#fill(closing, size, true, this.mark);
        return;
      case "flip":
        if (side !== undefined) this.#fill(closing, size + lotsOf(a.pct, size), false, this.mark);
        return;
      case "reopen":
        if (side === undefined) this.#fill(a.side === "long" ? "buy" : "sell", a.lots, false, this.mark);
        return;
      case "own-stop":
      case "own-tp": {
        if (side === undefined) return;
        const away = (a.kind === "own-stop") === (side === "long") ? -1 : 1;
        const price = roundPrice(this.mark * (1 + (away * a.bps) / 10_000), TICK);
        const qty = lotsToQty(lotsOf(a.pct, size), STEP);
        this.listing.push({
          id: `own-${++this.#ids}`, linkId: own(a.link), symbol: "BTCUSDT", side: closing, type: a.kind === "own-stop" ? "market" : "limit",
          price: a.kind === "own-tp" ? price : undefined, triggerPrice: a.kind === "own-stop" ? price : undefined,
          qty, filledQty: 0, reduceOnly: true, status: a.kind === "own-stop" ? "untriggered" : "open", updatedAt: T0, positionIdx: 0,
        });
        return;
      }
    }
  }

  /** A write as the venue answers it: true when applied (or already so), false when refused. */
  apply(a: WriteAction): boolean {
    const open = this.listing.find((o) => o.linkId === a.linkId);
    if (a.kind === "cancel") {
      if (open !== undefined) this.#close(open, open.triggerPrice !== undefined ? "deactivated" : "cancelled");
      return true; // 110001 on a cancel is "gone": what the cancel wanted
    }
    if (a.kind === "amend") {
      if (open === undefined) return false;
      const trigger = a.triggerPrice ?? open.triggerPrice;
      if (trigger !== undefined && (open.side === "sell" ? trigger >= this.mark : trigger <= this.mark)) return false;
      if (a.qty !== undefined && toLots(a.qty, STEP) <= toLots(open.filledQty, STEP)) return false;
      this.listing = this.listing.map((o) => (o === open ? { ...o, ...(a.qty !== undefined ? { qty: a.qty } : {}), ...(a.price !== undefined ? { price: a.price } : {}), ...(a.triggerPrice !== undefined ? { triggerPrice: a.triggerPrice } : {}) } : o));
      this.match();
      return true;
    }
    if (open !== undefined) return true; // 110072 for an order still working: placed
    if (this.history.has(a.linkId)) return false;
    const side = this.side();
    if (a.reduceOnly && (side === undefined || a.side === (side === "long" ? "buy" : "sell"))) return false; // 110017
    if (a.triggerPrice !== undefined && (a.triggerDirection === "fall" ? a.triggerPrice >= this.mark : a.triggerPrice <= this.mark)) return false; // 110092/110093
    const order: ExchangeOrder = {
      id: `ex-${++this.#ids}`, linkId: a.linkId, symbol: a.symbol, side: a.side, type: a.type, price: a.price, triggerPrice: a.triggerPrice,
      qty: a.qty, filledQty: 0, reduceOnly: a.reduceOnly, status: a.triggerPrice !== undefined ? "untriggered" : "open", updatedAt: T0, positionIdx: 0,
    };
    this.listing.push(order);
    if (a.type === "market" && a.triggerPrice === undefined) {
      const done = this.#fill(a.side, toLots(a.qty, STEP), a.reduceOnly, this.mark);
      this.#close(order, done > 0 ? "filled" : "cancelled", lotsToQty(done, STEP));
    } else this.match();
    return true;
  }

  /** The model as the soak's checker reads a venue. */
  venueView(): VenueView {
    const side = this.side();
    const positions: VenuePosition[] = side === undefined ? [] : [{ account: "main", symbol: "BTCUSDT", side, size: lotsToQty(Math.abs(this.pos), STEP), mark: this.mark, stopLoss: undefined }];
    const orders: VenueOrder[] = this.listing.map((o) => ({
      account: "main", symbol: "BTCUSDT", orderId: o.id, linkId: o.linkId, side: o.side === "buy" ? "Buy" : "Sell", qty: lotsToQty(toLots(o.qty - o.filledQty, STEP), STEP),
      price: o.price ?? 0, triggerPrice: o.triggerPrice, reduceOnly: o.reduceOnly, closeOnTrigger: false,
    }));
    return { positions, orders, marks: new Map([["BTCUSDT", this.mark]]) };
  }
}

interface Carried {
  readonly monitor: Monitor;
  /** A write was not applied, or its answer was lost: the engine could not complete this cycle's work. */
  readonly disturbed: boolean;
}

/** One monitor's writes carried out as the executor and engine do, each meeting its fate. */
function carryOut(ex: ModelExchange, monitor: Monitor, actions: readonly Action[], fates: Fate[], now: number): Carried {
  let failed = false;
  let disturbed = false;
  let m = monitor;
  for (const action of actions.filter(isWrite)) {
    if (failed) {
      m = { ...revertWrite(m, action), nextDueAt: now }; // skipped
      continue;
    }
    const fate = fates.shift() ?? "applied";
    if (fate !== "applied") disturbed = true;
    const applied = fate === "applied" || fate === "answer-lost" ? ex.apply(action) : false;
    if (fate === "applied" && applied) continue;
    if (fate === "applied" || fate === "refused") {
      m = { ...revertWrite(m, action), nextDueAt: now };
      failed = true;
      disturbed = true;
      continue;
    }
    // unknown outcome: a create is looked up by linkId at once; the rest waits for the grace window
    if (action.kind === "place" && ex.lookup(action.linkId) !== null) continue;
    failed = true;
  }
  return { monitor: m, disturbed };
}

type Cycle = { readonly acts: readonly Act[]; readonly fates: readonly Fate[] };

/** Plays the cycles on a fresh monitor and model exchange; the breaches the checker found. */
function play(side: Side, plan: "fast" | "conservative", cycles: readonly Cycle[]): Breach[] {
  const first = makeMonitor({ side, plan, entries: plan === "fast" ? 0 : 2 });
  const ex = new ModelExchange(side, toLots(first.size, STEP), listingOf(first));
  const monitors = new Map<string, Monitor>([[first.id, first]]);
  const checker = new InvariantChecker({ k: K, stepMs: CYCLE_MS, specs: new Map([["BTCUSDT", { symbol: "BTCUSDT", tickSize: TICK, qtyStep: STEP, minQty: STEP }]]) });
  const instrument = makeInstrument();
  const breaches: Breach[] = [];
  let now = T0;
  cycles.forEach(({ acts, fates }, i) => {
    const cycle = i + 1;
    now += CYCLE_MS;
    for (const a of acts) {
      if (a.kind !== "price") checker.touch("main", "BTCUSDT", cycle);
      ex.act(a);
    }
    checker.before(ex.venueView(), managedOrders(monitors.values()));
    const held = ex.side();
    if (held !== undefined && monitors.get(monitorId("main", "BTCUSDT", held))?.status !== "active") {
      const snapshot: AccountSnapshot = { account: "main", positions: [ex.position(held)!], orders: ex.listing, takenAt: now };
      for (const m of reconcile([...monitors.values()], new Map([["main" as const, snapshot]]), new Map([["BTCUSDT", instrument]]), now, { config: RULES }).monitors) monitors.set(m.id, m);
    }
    const reported = new Set<string>();
    const decided = [...monitors.values()]
      .filter((m) => m.status === "active" || needsSweep(m))
      .map((m) => {
        const base = { position: ex.position(m.side), orders: ex.listing, instrument, lookups: new Map<string, ExchangeOrder | null>(), snapshotAt: now };
        const lookups = new Map(needsLookup(m, base, now, RULES).map((id) => [id, ex.lookup(id)] as const));
        const result = evaluate(m, { ...base, lookups }, now, RULES);
        if (result.actions.some((a) => a.kind === "alert" && a.level === "error")) reported.add(m.id);
        return result;
      });
    const left = [...fates];
    for (const { monitor, actions } of decided) {
      const carried = carryOut(ex, monitor, actions, left, now);
      monitors.set(monitor.id, carried.monitor);
      if (carried.disturbed) checker.touch("main", "BTCUSDT", cycle + 1);
    }
    breaches.push(...checker.after(cycle, ex.venueView(), reported, managedOrders(monitors.values())));
  });
  return breaches;
}

describe("evaluate over many cycles, with write fates and a trader's hand", () => {
  test(`keeps DESIGN's invariants on the exchange, every position protected again within ${K} cycles of the last disturbance`, () => {
    fc.assert(
      fc.property(fc.constantFrom<Side>("long", "short"), fc.constantFrom("fast" as const, "conservative" as const), fc.array(cycleArb, { minLength: 1, maxLength: 24 }), (side, plan, cycles) => {
        expect(play(side, plan, cycles)).toEqual([]);
      }),
      { numRuns: 400, seed: 20_251_129, includeErrorInReport: true },
    );
  });

  test("the model itself: with only the price moving and every write applied, nothing is ever breached", () => {
    const priceOnly = fc.record({ acts: fc.array(fc.record({ kind: fc.constant("price" as const), bps: fc.integer({ min: -150, max: 150 }) }), { maxLength: 2 }), fates: fc.constant([] as Fate[]) });
    fc.assert(
      fc.property(fc.constantFrom<Side>("long", "short"), fc.constantFrom("fast" as const, "conservative" as const), fc.array(priceOnly, { minLength: 1, maxLength: 24 }), (side, plan, cycles) => {
        expect(play(side, plan, cycles)).toEqual([]);
      }),
      { numRuns: 300, seed: 20_251_129, includeErrorInReport: true },
    );
  });
});

/**
 * Shrunk counterexamples the property above found on the evaluate of 2026-11-29 (its seed and
 * others), one per kind of failure, pinned by name; the breakeven one was found reading
 * evaluate.ts and confirmed on the model.
 */
describe("evaluate over many cycles: counterexamples found by the property", () => {
  const cases: [string, Side, "fast" | "conservative", Cycle[]][] = [
    [
      "an entry whose cancel was lost (no answer, not applied) is never cancelled again once the position is flat",
      "long", "conservative",
      [{ acts: [{ kind: "close" }], fates: ["lost"] }, { acts: [], fates: ["applied", "lost"] }, { acts: [], fates: [] }, { acts: [], fates: [] }, { acts: [], fates: [] }],
    ],
    [
      "after TP1 fills, an entry whose cancel was lost stays working and outlives the position",
      "long", "conservative",
      [{ acts: [{ kind: "price", bps: 58 }, { kind: "price", bps: 109 }], fates: ["lost"] }, { acts: [{ kind: "close" }], fates: [] }, { acts: [], fates: [] }, { acts: [], fates: [] }],
    ],
    [
      "a stop cancelled by hand a second time is not restored",
      "long", "fast",
      [{ acts: [{ kind: "cancel", pick: 1 }], fates: [] }, { acts: [{ kind: "cancel", pick: 0 }, { kind: "cancel", pick: 0 }], fates: [] }, { acts: [], fates: [] }, { acts: [], fates: [] }, { acts: [], fates: [] }],
    ],
    [
      "a restore that was lost uses up the restore: the stop is never placed again",
      "long", "fast",
      [{ acts: [{ kind: "cancel", pick: 1 }], fates: ["lost"] }, { acts: [], fates: [] }, { acts: [], fates: [] }, { acts: [], fates: [] }, { acts: [], fates: [] }, { acts: [], fates: [] }],
    ],
    [
      "a trader's own stop for part of the size keeps Warden from restoring the full stop",
      "long", "fast",
      [{ acts: [{ kind: "own-stop", pct: 20, bps: 30, link: false }], fates: [] }, { acts: [{ kind: "cancel", pick: 1 }], fates: [] }, { acts: [], fates: [] }, { acts: [], fates: [] }],
    ],
    [
      "TP rungs whose share of a small remaining size rounds to zero lots stay above the size",
      "short", "conservative",
      [{ acts: [{ kind: "own-stop", pct: 46, bps: 30, link: false }, { kind: "move-stop", pick: 0, bps: -41 }], fates: [] }, { acts: [{ kind: "price", bps: 125 }], fates: [] }, { acts: [], fates: [] }, { acts: [], fates: [] }],
    ],
    [
      "a trader's own full-size stop without an orderLinkId keeps Warden from placing one, and no longer covers once the position grows",
      "long", "fast",
      [{ acts: [{ kind: "own-stop", pct: 100, bps: 30, link: false }, { kind: "cancel", pick: 1 }], fates: [] }, { acts: [{ kind: "add", pct: 10 }], fates: [] }, { acts: [], fates: [] }, { acts: [], fates: [] }, { acts: [], fates: [] }],
    ],
    [
      "TP rungs whose share rounds to zero lots after the trader reduces stay above the size",
      "long", "conservative",
      [{ acts: [{ kind: "reduce", pct: 81 }], fates: [] }, { acts: [{ kind: "reduce", pct: 77 }], fates: [] }, { acts: [], fates: [] }, { acts: [], fates: [] }],
    ],
    [
      "breakeven after TP1 moves a stop the trader had tightened past breakeven back down to breakeven",
      "long", "conservative",
      [{ acts: [{ kind: "price", bps: 100 }, { kind: "move-stop", pick: 0, bps: 200 }], fates: [] }, { acts: [{ kind: "price", bps: 100 }], fates: [] }, { acts: [], fates: [] }],
    ],
  ];
  test.each(cases)("%s", (_name, side, plan, cycles) => {
    expect(play(side, plan, cycles)).toEqual([]);
  });
});

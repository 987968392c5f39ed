/**
 * Many cycles against a small exchange model: random fills and interventions between
 * cycles, then needsLookup -> evaluate -> the writes carried out. After every cycle: no
 * order is left on a flat position, there is never a second stop, and the stop covers the
 * whole position unless a person cancelled it more often than it is restored.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { evaluate, needsLookup } from "../../core/domain/evaluate.ts";
import type { Monitor } from "../../core/domain/monitor.ts";
import type { ExchangeOrder } from "../../core/domain/types.ts";
import { lotsToQty, toLots } from "../../core/domain/units.ts";
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

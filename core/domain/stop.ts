/**
 * Stop-loss prices: breakeven, the default stop of a position adopted without one, and
 * checking that a trigger is on the side of the mark where it can still be placed.
 * A long's stop sells when the price falls to its trigger; a short's buys when it rises.
 */
import { roundPrice, toTicks } from "./units.ts";
import type { Side } from "./types.ts";

/** Average entry plus the fee buffer: above entry for a long, below for a short, on tick. */
export function breakevenPrice(side: Side, entryPrice: number, bufferBps: number, tick: number): number {
  const offset = (entryPrice * bufferBps) / 10_000;
  return side === "long" ? roundPrice(entryPrice + offset, tick, "up") : roundPrice(entryPrice - offset, tick, "down");
}

/** `pct` percent from entry on the losing side, on tick (rounded away from entry). */
export function defaultStopPrice(side: Side, entryPrice: number, pct: number, tick: number): number {
  const offset = (entryPrice * pct) / 100;
  return side === "long" ? roundPrice(entryPrice - offset, tick, "down") : roundPrice(entryPrice + offset, tick, "up");
}

/** True when a stop at `trigger` would not fire at once at this mark. */
export function stopOnRightSide(side: Side, trigger: number, markPrice: number, tick: number): boolean {
  return side === "long" ? toTicks(trigger, tick) < toTicks(markPrice, tick) : toTicks(trigger, tick) > toTicks(markPrice, tick);
}


export function stopDirection(side: Side): "rise" | "fall" {
  return side === "long" ? "fall" : "rise";
}

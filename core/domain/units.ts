/**
 * Integer tick and lot arithmetic. Prices and quantities stay numbers at the edges, but
 * every rounding and comparison in the domain goes through here, as integer counts of
 * ticks (price) or lots (quantity): never raw float equality.
 */
export type PriceRounding = "down" | "up" | "nearest";
export type QtyRounding = "down" | "nearest";

/** Tolerance, in units of one step, for float noise such as 0.1 + 0.2. */
const EPSILON = 1e-7;

function assertStep(step: number, what: string): void {
  if (!Number.isFinite(step) || step <= 0) throw new RangeError(`${what} must be a positive finite number, got ${step}`);
}

function assertValue(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number, got ${value}`);
}

/** Decimal places of a step such as 0.001 (3) or 0.5 (1) or 10 (0). */
export function decimalsOf(step: number): number {
  assertStep(step, "step");
  for (let d = 0; d <= 12; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6) return d;
  }
  return 12;
}

function toSteps(value: number, step: number, mode: PriceRounding): number {
  const raw = value / step;
  const nearest = Math.round(raw);
  if (Math.abs(raw - nearest) < EPSILON) return nearest;
  if (mode === "down") return Math.floor(raw);
  if (mode === "up") return Math.ceil(raw);
  return nearest;
}

function fromSteps(steps: number, step: number): number {
  return Number((steps * step).toFixed(decimalsOf(step)));
}

/** A price as an integer count of ticks (nearest). */
export function toTicks(price: number, tick: number): number {
  assertStep(tick, "tick size");
  assertValue(price, "price");
  return toSteps(price, tick, "nearest");
}

/** A quantity as an integer count of lots (nearest). */
export function toLots(qty: number, step: number): number {
  assertStep(step, "qty step");
  assertValue(qty, "quantity");
  return toSteps(qty, step, "nearest");
}

/** A price put on the tick grid. */
export function roundPrice(price: number, tick: number, mode: PriceRounding = "nearest"): number {
  assertStep(tick, "tick size");
  assertValue(price, "price");
  return fromSteps(toSteps(price, tick, mode), tick);
}

/** A quantity put on the lot grid; "down" never rounds a size up past what exists. */
export function roundQty(qty: number, step: number, mode: QtyRounding = "down"): number {
  assertStep(step, "qty step");
  assertValue(qty, "quantity");
  return fromSteps(toSteps(qty, step, mode), step);
}

/** Lots back to a quantity on the grid. */
export function lotsToQty(lots: number, step: number): number {
  assertStep(step, "qty step");
  return fromSteps(lots, step);
}

/** Ticks back to a price on the grid. */
export function ticksToPrice(ticks: number, tick: number): number {
  assertStep(tick, "tick size");
  return fromSteps(ticks, tick);
}

export function sameQty(a: number, b: number, step: number): boolean {
  return toLots(a, step) === toLots(b, step);
}

export function samePrice(a: number, b: number, tick: number): boolean {
  return toTicks(a, tick) === toTicks(b, tick);
}

/** "0.010" for 0.01 with step 0.001: the string an exchange expects. */
export function formatQty(qty: number, step: number): string {
  return roundQty(qty, step, "nearest").toFixed(decimalsOf(step));
}

export function formatPrice(price: number, tick: number): string {
  return roundPrice(price, tick, "nearest").toFixed(decimalsOf(tick));
}

/**
 * The simulator's linear instruments: the recorded Bybit records
 * (fixtures/bybit/v5-market-instruments-info-linear.json) plus a scenario's synthetic ones,
 * and the tick/lot arithmetic every price and quantity goes through. Quantities are kept as
 * integer lots (multiples of qtyStep) so that sizes add up exactly; prices are numbers that
 * are checked against the tick and formatted with the tick's decimals.
 */
import { readFileSync } from "node:fs";
import type { BybitRecord } from "./venue-api.ts";

const RECORDED_URL = new URL("../../fixtures/bybit/v5-market-instruments-info-linear.json", import.meta.url);

let recordedCache: readonly BybitRecord[] | undefined;

/** The 8 recorded linear instrument records, in the fixture's (stringified) shape. */
export function recordedInstruments(): readonly BybitRecord[] {
  if (!recordedCache) {
    const body = JSON.parse(readFileSync(RECORDED_URL, "utf8")) as { result: { list: BybitRecord[] } };
    recordedCache = Object.freeze(body.result.list.map((r) => Object.freeze(r)));
  }
  return recordedCache;
}

export interface InstrumentSpec {
  readonly symbol: string;
  readonly tickSize: number;
  readonly qtyStep: number;
  readonly minPrice: number;
  readonly maxPrice: number;
  /** In lots. */
  readonly minLots: number;
  readonly maxLots: number;
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
  readonly synthetic: boolean;
  /** The Bybit record served by instruments-info. */
  readonly record: BybitRecord;
}

function decimalsOf(step: string): number {
  const dot = step.indexOf(".");
  return dot < 0 ? 0 : step.length - dot - 1;
}

function field(record: BybitRecord, group: string, name: string): string {
  const g = record[group] as Record<string, unknown> | undefined;
  const v = g?.[name];
  if (typeof v !== "string" || !(Number(v) > 0 || name === "minPrice")) {
    throw new RangeError(`instrument ${String(record.symbol)}: ${group}.${name} must be a positive number as a string`);
  }
  return v;
}

export function specOf(record: BybitRecord): InstrumentSpec {
  const tick = field(record, "priceFilter", "tickSize");
  const step = field(record, "lotSizeFilter", "qtyStep");
  const qtyStep = Number(step);
  return {
    symbol: String(record.symbol),
    tickSize: Number(tick),
    qtyStep,
    minPrice: Number(field(record, "priceFilter", "minPrice")),
    maxPrice: Number(field(record, "priceFilter", "maxPrice")),
    minLots: Math.round(Number(field(record, "lotSizeFilter", "minOrderQty")) / qtyStep),
    maxLots: Math.round(Number(field(record, "lotSizeFilter", "maxOrderQty")) / qtyStep),
    priceDecimals: decimalsOf(tick),
    qtyDecimals: decimalsOf(step),
    synthetic: record.synthetic === true,
    record,
  };
}

/**
 * A full record for a synthetic symbol: the BTCUSDT record as a template, with the given
 * fields (at least symbol, priceFilter, lotSizeFilter) laid over it.
 */
export function syntheticRecord(partial: BybitRecord): BybitRecord {
  const template = recordedInstruments()[0] ?? {};
  const symbol = String(partial.symbol);
  const merged: BybitRecord = {
    ...template,
    baseCoin: symbol.replace(/USDT$/, ""),
    launchTime: "1700000000000",
    ...partial,
    priceFilter: { ...(template.priceFilter as object), ...(partial.priceFilter as object) },
    lotSizeFilter: { ...(template.lotSizeFilter as object), ...(partial.lotSizeFilter as object) },
    synthetic: true,
  };
  const price = merged.priceFilter as Record<string, string>;
  merged.priceScale ??= String(decimalsOf(price.tickSize ?? "0.1"));
  return Object.freeze(merged);
}

const EPS = 1e-6;

/** Integer ticks of a price, or undefined when the price is not on the tick. */
export function ticksOf(spec: InstrumentSpec, price: number): number | undefined {
  const n = price / spec.tickSize;
  const r = Math.round(n);
  return Math.abs(n - r) < EPS ? r : undefined;
}

/** Integer lots of a quantity, or undefined when it is not a multiple of qtyStep. */
export function lotsOf(spec: InstrumentSpec, qty: number): number | undefined {
  const n = qty / spec.qtyStep;
  const r = Math.round(n);
  return Math.abs(n - r) < EPS ? r : undefined;
}

export function roundToTick(spec: InstrumentSpec, price: number): number {
  return Number((Math.round(price / spec.tickSize) * spec.tickSize).toFixed(spec.priceDecimals));
}

export function formatPrice(spec: InstrumentSpec, price: number): string {
  return price.toFixed(spec.priceDecimals);
}

export function formatQty(spec: InstrumentSpec, lots: number): string {
  return (lots * spec.qtyStep).toFixed(spec.qtyDecimals);
}

export function qtyOf(spec: InstrumentSpec, lots: number): number {
  return Number(formatQty(spec, lots));
}

/** A number as Bybit prints amounts: up to 8 decimals, no trailing zeros. */
export function amount(value: number): string {
  if (!Number.isFinite(value)) return "0";
  const s = value.toFixed(8);
  const trimmed = s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
  return trimmed === "-0" ? "0" : trimmed;
}

/** The instruments of a scenario by symbol: the listed recorded ones, then the synthetic ones. Throws RangeError for an unknown recorded symbol. */
export function instrumentMap(recordedSymbols: readonly string[], synthetic: readonly BybitRecord[]): Map<string, InstrumentSpec> {
  const recorded = new Map(recordedInstruments().map((r) => [String(r.symbol), r]));
  const specs = new Map<string, InstrumentSpec>();
  for (const symbol of recordedSymbols) {
    const r = recorded.get(symbol);
    if (!r) throw new RangeError(`${symbol} is not a recorded linear instrument`);
    specs.set(symbol, specOf(r));
  }
  for (const partial of synthetic) specs.set(String(partial.symbol), specOf(syntheticRecord(partial)));
  return specs;
}

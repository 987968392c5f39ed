/**
 * Loading a scenario: a bare name is fixtures/scenarios/NAME.json (resolved from this file,
 * not the working directory), anything else is a file path. Validation is the zod schema
 * plus the checks that span fields (instruments known, price paths of equal length and on
 * the tick, orders on tick and lot, reduce-only orders with a position to reduce, ...).
 * Every failure is an InputError with one line naming the file and the field path.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { rosterProblems } from "../domain/accounts.ts";
import { InputError } from "../errors.ts";
import { lotsOf, recordedInstruments, specOf, syntheticRecord, ticksOf, type InstrumentSpec } from "./instruments.ts";
import { scenarioSchema, type Scenario } from "./scenario-schema.ts";

const SCENARIO_DIR = new URL("../../fixtures/scenarios/", import.meta.url);
const BARE_NAME = /^[A-Za-z0-9_-]+$/;

/** Where a scenario name or path points, and how to name it in messages. */
export function scenarioLocation(nameOrPath: string): { file: string; label: string } {
  if (BARE_NAME.test(nameOrPath)) {
    return { file: fileURLToPath(new URL(`${nameOrPath}.json`, SCENARIO_DIR)), label: `fixtures/scenarios/${nameOrPath}.json` };
  }
  return { file: nameOrPath, label: nameOrPath };
}

/** Reads and validates a scenario (synchronous). */
export function loadScenario(nameOrPath: string): Scenario {
  const { file, label } = scenarioLocation(nameOrPath);
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : "cannot be read";
    throw new InputError("SCENARIO_UNREADABLE", `${label}: ${why}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new InputError("SCENARIO_UNREADABLE", `${label}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  return parseScenario(json, label);
}

/** `orders[3].qty` from a zod path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(top level)" : out;
}

function describe(issue: { code: string; message: string; minimum?: unknown; inclusive?: boolean; origin?: string }): string {
  if (issue.code === "too_small" && issue.origin === "number" && issue.minimum === 0 && issue.inclusive === false) return "expected a positive number";
  const m = issue.message.replace(/^Invalid input: /, "");
  const lower = m.charAt(0).toLowerCase() + m.slice(1);
  return /^(expected|invalid|too|unrecognized)/.test(lower) ? lower : `expected ${m}`;
}

export function parseScenario(json: unknown, source: string): Scenario {
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError("SCENARIO_INVALID", `${source}: ${fieldPath(issue.path)}: ${describe(issue as never)}`);
  }
  const problem = crossCheck(parsed.data);
  if (problem) throw new InputError("SCENARIO_INVALID", `${source}: ${problem}`);
  return parsed.data;
}

/** The first cross-field problem as "field: what is wrong", or undefined. */
export function crossCheck(s: Scenario): string | undefined {
  const specs = new Map<string, InstrumentSpec>();
  const recorded = new Map(recordedInstruments().map((r) => [String(r.symbol), r]));
  for (const [i, symbol] of s.instruments.entries()) {
    const r = recorded.get(symbol);
    if (!r) return `instruments[${i}]: ${symbol} is not one of the recorded linear instruments (${[...recorded.keys()].join(", ")}); add it to syntheticInstruments`;
    if (specs.has(symbol)) return `instruments[${i}]: ${symbol} is listed twice`;
    specs.set(symbol, specOf(r));
  }
  for (const [i, partial] of s.syntheticInstruments.entries()) {
    if (specs.has(partial.symbol)) return `syntheticInstruments[${i}].symbol: ${partial.symbol} is already an instrument`;
    try {
      const spec = specOf(syntheticRecord(partial));
      if (ticksOf(spec, spec.minPrice) === undefined && spec.minPrice !== 0) return `syntheticInstruments[${i}].priceFilter.minPrice: not a multiple of tickSize`;
      if (spec.minLots < 1) return `syntheticInstruments[${i}].lotSizeFilter.minOrderQty: below qtyStep`;
      specs.set(partial.symbol, spec);
    } catch (e) {
      return `syntheticInstruments[${i}]: ${(e as Error).message}`;
    }
  }
  let length: number | undefined;
  for (const [symbol, path] of Object.entries(s.prices)) {
    const spec = specs.get(symbol);
    if (!spec) return `prices.${symbol}: ${symbol} is not in instruments or syntheticInstruments`;
    if (length === undefined) length = path.length;
    else if (path.length !== length) return `prices.${symbol}: has ${path.length} steps, other paths have ${length}; all price paths must have the same length`;
    const bad = path.findIndex((p) => ticksOf(spec, p) === undefined || p < spec.minPrice || p > spec.maxPrice);
    if (bad >= 0) return `prices.${symbol}[${bad}]: ${path[bad]} is not a price on tickSize ${spec.tickSize} within the instrument's range`;
  }
  for (const symbol of specs.keys()) if (!(symbol in s.prices)) return `prices: no price path for instrument ${symbol}`;
  const steps = length ?? 0;
  const roster = rosterProblems(Object.entries(s.accounts).map(([name, a]) => ({ name, ...(a.follows !== undefined ? { follows: a.follows } : {}), ...(a.ratio !== undefined ? { ratio: a.ratio } : {}), ...(a.follow !== undefined ? { follow: a.follow } : {}) })));
  const names = Object.keys(s.accounts);
  if (roster.length > 0) return roster[0]!.replace(/^accounts\[(\d+)\]/, (_, i: string) => `accounts.${names[Number(i)]}`);
  const unknown = (name: string | undefined) => name !== undefined && s.accounts[name] === undefined;
  const hedge = (account: string) => s.accounts[account]?.positionMode === "hedge";
  /** Positions held at step 0, by account:symbol, and in hedge mode by account:symbol:side too. */
  const held = new Map<string, "long" | "short">();
  for (const [i, p] of s.positions.entries()) {
    const at = `positions[${i}]`;
    if (unknown(p.account)) return `${at}.account: ${p.account} is not in accounts`;
    const spec = specs.get(p.symbol);
    if (!spec) return `${at}.symbol: ${p.symbol} is not in instruments or syntheticInstruments`;
    const key = hedge(p.account) ? `${p.account}:${p.symbol}:${p.side}` : `${p.account}:${p.symbol}`;
    if (held.has(key)) {
      return hedge(p.account)
        ? `${at}.side: ${p.account} already holds a ${p.side} ${p.symbol} position (hedge mode: one per side)`
        : `${at}.symbol: ${p.account} already holds a ${p.symbol} position (one-way mode: one position per symbol)`;
    }
    held.set(key, p.side);
    const lots = lotsOf(spec, p.size);
    if (lots === undefined || lots < spec.minLots) return `${at}.size: ${p.size} is not a multiple of qtyStep ${spec.qtyStep} (at least minOrderQty)`;
  }
  const links = new Set<string>();
  for (const [i, o] of s.orders.entries()) {
    const at = `orders[${i}]`;
    if (unknown(o.account)) return `${at}.account: ${o.account} is not in accounts`;
    const spec = specs.get(o.symbol);
    if (!spec) return `${at}.symbol: ${o.symbol} is not in instruments or syntheticInstruments`;
    const lots = lotsOf(spec, o.qty);
    if (lots === undefined || lots < spec.minLots) return `${at}.qty: ${o.qty} is not a multiple of qtyStep ${spec.qtyStep} (at least minOrderQty)`;
    if (o.orderType === "Limit" && o.price === undefined) return `${at}.price: required for a Limit order`;
    if (o.price !== undefined && ticksOf(spec, o.price) === undefined) return `${at}.price: ${o.price} is not on tickSize ${spec.tickSize}`;
    if (o.triggerPrice !== undefined && ticksOf(spec, o.triggerPrice) === undefined) return `${at}.triggerPrice: ${o.triggerPrice} is not on tickSize ${spec.tickSize}`;
    if (o.triggerDirection !== undefined && o.triggerPrice === undefined) return `${at}.triggerDirection: set without a triggerPrice`;
    if (o.triggerPrice !== undefined && o.triggerDirection !== undefined) {
      const start = s.prices[o.symbol]?.[0] ?? 0;
      if (o.triggerDirection === 1 ? o.triggerPrice <= start : o.triggerPrice >= start) {
        return `${at}.triggerPrice: ${o.triggerPrice} is already crossed at step 0 (price ${start}, direction ${o.triggerDirection === 1 ? "rise" : "fall"})`;
      }
    }
    const idx = o.positionIdx ?? 0;
    if (hedge(o.account) && idx === 0) return `${at}.positionIdx: ${o.account} is in hedge mode: 1 (the long's) or 2 (the short's) is required`;
    if (!hedge(o.account) && idx !== 0) return `${at}.positionIdx: ${o.account} is in one-way mode: only 0`;
    const closing = idx === 1 ? o.side === "Sell" : idx === 2 ? o.side === "Buy" : false;
    if (o.reduceOnly || o.closeOnTrigger || closing) {
      const side = idx === 0 ? held.get(`${o.account}:${o.symbol}`) : held.get(`${o.account}:${o.symbol}:${idx === 1 ? "long" : "short"}`);
      const reduces = side === "long" ? o.side === "Sell" : side === "short" ? o.side === "Buy" : false;
      if (!reduces) return `${at}.${o.reduceOnly || o.closeOnTrigger ? "reduceOnly" : "positionIdx"}: ${o.account} has no ${o.side === "Sell" ? "long" : "short"} ${o.symbol} position for this ${o.side} order to reduce`;
    }
    if (o.orderLinkId !== undefined) {
      const key = `${o.account}:${o.orderLinkId}`;
      if (links.has(key)) return `${at}.orderLinkId: ${o.orderLinkId} is used twice on ${o.account}`;
      links.add(key);
    }
  }
  for (const [i, iv] of s.interventions.entries()) {
    const at = `interventions[${i}]`;
    if (unknown(iv.account)) return `${at}.account: ${iv.account} is not in accounts`;
    if ("symbol" in iv && !specs.has(iv.symbol)) return `${at}.symbol: ${iv.symbol} is not in instruments or syntheticInstruments`;
    if (iv.step >= steps) return `${at}.step: ${iv.step} is beyond the price path (${steps} steps, 0-${steps - 1})`;
  }
  for (const [i, f] of s.faults.entries()) {
    if (unknown(f.account)) return `faults[${i}].account: ${f.account} is not in accounts`;
    if (f.toStep !== undefined && f.toStep < f.fromStep) return `faults[${i}].toStep: ${f.toStep} is before fromStep ${f.fromStep}`;
  }
  for (const [i, f] of s.streamFaults.entries()) {
    const at = `streamFaults[${i}]`;
    if (unknown(f.account)) return `${at}.account: ${f.account} is not in accounts`;
    if (f.atStep >= steps) return `${at}.atStep: ${f.atStep} is beyond the price path (${steps} steps, 0-${steps - 1})`;
    if (f.kind === "refuse-connect" && f.account !== undefined) return `${at}.account: refuse-connect is Bybit's per-IP connection limit: it takes no account`;
    const framed = f.kind === "drop-frame" || f.kind === "duplicate" || f.kind === "delay" || f.kind === "reorder";
    if (framed && f.topic === undefined) return `${at}.topic: required for ${f.kind}`;
    if (!framed && f.topic !== undefined) return `${at}.topic: only drop-frame, duplicate, delay and reorder take a topic`;
    if (f.kind === "delay" && f.delayMs === undefined) return `${at}.delayMs: required for delay`;
    if (f.kind !== "delay" && f.delayMs !== undefined) return `${at}.delayMs: only delay takes delayMs`;
  }
  return undefined;
}

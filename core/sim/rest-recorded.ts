/**
 * Recorded Bybit responses the REST layer serves where the venue has no state of its own:
 * the spot and inverse instrument lists (ccxt may ask for them), the API-key info and the
 * account info of the account-type probe. Read once from fixtures/bybit/ (see its README for
 * provenance).
 */
import { readFileSync } from "node:fs";
import type { BybitRecord } from "./venue-api.ts";

const cache = new Map<string, BybitRecord>();

/** The `result` object of fixtures/bybit/<name>.json. */
export function recordedResult(name: string): BybitRecord {
  let result = cache.get(name);
  if (result === undefined) {
    const url = new URL(`../../fixtures/bybit/${name}.json`, import.meta.url);
    const body = JSON.parse(readFileSync(url, "utf8")) as { result: BybitRecord };
    result = Object.freeze(body.result);
    cache.set(name, result);
  }
  return result;
}

export function recordedList(name: string): BybitRecord[] {
  const list = recordedResult(name)["list"];
  return Array.isArray(list) ? (list as BybitRecord[]) : [];
}

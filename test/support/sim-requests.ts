/**
 * Test support: scenarios and hand-signed requests for the simulator's REST layer.
 * `signedGet`/`signedPost` sign exactly as Bybit expects (and as ccxt does): HMAC-SHA256 of
 * timestamp + apiKey + recvWindow + (raw query | raw body).
 */
import { readFileSync } from "node:fs";
import { signPayload } from "../../core/sim/auth.ts";
import type { SimRequest } from "../../core/sim/http-types.ts";
import { parseScenario } from "../../core/sim/scenario.ts";
import type { Scenario } from "../../core/sim/scenario-schema.ts";

const BASIC = new URL("../../fixtures/scenarios/basic.json", import.meta.url);

export interface ScenarioBuild {
  /** Extra resting Buy limits on main's BTCUSDT, far below the path (never fill), newest last. */
  readonly extraOrders?: number;
  readonly faults?: unknown[];
  readonly latency?: string;
  /** Any other top-level fields of the scenario file. */
  readonly fields?: Record<string, unknown>;
}

/** The basic scenario (fixtures/scenarios/basic.json) with changes. */
export function buildScenario(b: ScenarioBuild = {}): Scenario {
  const json = JSON.parse(readFileSync(BASIC, "utf8")) as Record<string, unknown> & { orders: unknown[] };
  for (let i = 0; i < (b.extraOrders ?? 0); i++) {
    json.orders.push({ account: "main", symbol: "BTCUSDT", side: "Buy", orderType: "Limit", qty: 0.001, price: 50_000 - i * 10, orderLinkId: `extra-${i}` });
  }
  if (b.faults !== undefined) json["faults"] = b.faults;
  if (b.latency !== undefined) json["latency"] = b.latency;
  return parseScenario({ ...json, ...b.fields }, "test scenario");
}

export interface Credentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

export interface SignOptions {
  readonly timestamp?: number;
  readonly recvWindow?: string;
  /** Sign with this secret instead of the account's. */
  readonly secret?: string;
  readonly ip?: string;
}

function headersFor(creds: Credentials, payload: string, o: SignOptions): Record<string, string> {
  const timestamp = String(o.timestamp ?? Date.now());
  const recvWindow = o.recvWindow ?? "5000";
  return {
    "x-bapi-api-key": creds.apiKey,
    "x-bapi-timestamp": timestamp,
    "x-bapi-recv-window": recvWindow,
    "x-bapi-sign": signPayload(o.secret ?? creds.apiSecret, timestamp + creds.apiKey + recvWindow + payload),
    "content-type": "application/json",
  };
}

/** `query` is sent verbatim, as ccxt's rawencode builds it (`k=v&k=v`, unencoded). */
export function signedGet(creds: Credentials, path: string, query: Record<string, string | number> = {}, o: SignOptions = {}): SimRequest {
  const q = Object.entries(query)
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  return { method: "GET", path, query: q, body: "", headers: headersFor(creds, q, o), ...(o.ip !== undefined ? { ip: o.ip } : {}) };
}

/** `body` as an object (sent as JSON) or as raw text, signed as sent. */
export function signedPost(creds: Credentials, path: string, body: Record<string, unknown> | string, o: SignOptions = {}): SimRequest {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return { method: "POST", path, query: "", body: text, headers: headersFor(creds, text, o), ...(o.ip !== undefined ? { ip: o.ip } : {}) };
}

export function publicGet(path: string, query = "", ip?: string): SimRequest {
  return { method: "GET", path, query, body: "", headers: {}, ...(ip !== undefined ? { ip } : {}) };
}

/** The Bybit envelope of a JSON response. */
export interface Envelope {
  retCode: number;
  retMsg: string;
  result: Record<string, unknown> & { list?: Record<string, unknown>[]; nextPageCursor?: string };
  retExtInfo: unknown;
  time: number;
}

export function envelopeOf(res: { body: unknown }): Envelope {
  return res.body as Envelope;
}

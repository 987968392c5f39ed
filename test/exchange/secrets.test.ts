/**
 * The API key, the secret and the request signature never appear in an error message or a
 * write outcome, whatever way the request fails, even when the exchange echoes them back.
 */
import { expect, test } from "bun:test";
import { delay, http, HttpResponse } from "msw";
import { createBybitAccount } from "../../core/exchange/ccxt-adapter.ts";
import { FIXTURE_BASE, fixture, useReplayServer } from "./bybit-fixtures.ts";

const API_KEY = "SECRETKEYabc123XYZ";
const SECRET = "SECRETsecretqwerty987654";
const { log, server } = useReplayServer();

/** Every way to fail; some echo the request's key and signature back, as real servers and proxies do. */
const failures: [string, (req: Request) => Response | Promise<Response>][] = [
  ["10003 echoing the key", (req) => HttpResponse.json({ retCode: 10003, retMsg: `API key is invalid. apiKey[${req.headers.get("x-bapi-api-key")}]`, result: {}, time: 1 })],
  ["10004 echoing the signature", (req) => HttpResponse.json({ retCode: 10004, retMsg: `error sign! origin_string[${req.headers.get("x-bapi-sign")}] key=${API_KEY} secret=${SECRET}`, result: {}, time: 1 })],
  ["403 echoing headers", (req) => new HttpResponse(`access too frequent X-BAPI-SIGN: ${req.headers.get("x-bapi-sign")} X-BAPI-API-KEY: ${req.headers.get("x-bapi-api-key")}`, { status: 403 })],
  ["500 echoing headers", (req) => new HttpResponse(`upstream ${req.headers.get("x-bapi-sign")} ${req.headers.get("x-bapi-api-key")}`, { status: 500 })],
  ["429", () => new HttpResponse("", { status: 429 })],
  ["10006", () => HttpResponse.json(fixture("v5-error-10006-too-many-visits"))],
  ["10002", () => HttpResponse.json(fixture("v5-error-10002-recv-window"))],
  ["network", () => HttpResponse.error()],
  ["timeout", async () => {
    await delay("infinite");
    return HttpResponse.json({});
  }],
  ["garbage body", () => new HttpResponse(`<html>${API_KEY}</html>`, { status: 200 })],
];

test("keys, secrets and signatures never appear in errors or outcomes", async () => {
  const seen: string[] = [];
  for (const [, respond] of failures) {
    const account = createBybitAccount({ account: "main", apiKey: API_KEY, secret: SECRET, baseUrl: FIXTURE_BASE, timeoutMs: 50, readRetry: { retries: 0, baseDelayMs: 0, sleep: async () => {} } });
    await account.instruments();
    for (const path of ["/v5/position/list", "/v5/order/realtime", "/v5/order/history", "/v5/market/time"]) {
      server.use(http.get(`${FIXTURE_BASE}${path}`, async ({ request }) => {
        log.push({ method: "GET", path, query: new URL(request.url).searchParams, body: "", headers: request.headers });
        return respond(request);
      }));
    }
    for (const path of ["/v5/order/create", "/v5/order/amend", "/v5/order/cancel"]) {
      server.use(http.post(`${FIXTURE_BASE}${path}`, async ({ request }) => {
        log.push({ method: "POST", path, query: new URL(request.url).searchParams, body: "", headers: request.headers });
        return respond(request);
      }));
    }
    const errors = await Promise.all([account.positions(), account.openOrders(), account.lookupOrder("BTCUSDT", "x"), account.position("BTCUSDT")].map((p) => p.then(() => undefined, (e: unknown) => e)));
    for (const e of errors) {
      expect(e).toBeInstanceOf(Error);
      const err = e as Error & { cause?: unknown };
      seen.push(err.message, String(err.stack), JSON.stringify(err), String(err.cause ?? ""));
    }
    const outcomes = [
      await account.place({ symbol: "BTCUSDT", linkId: "s-1", side: "buy", type: "limit", qty: 0.001, price: 20000, reduceOnly: false }),
      await account.amend({ symbol: "BTCUSDT", linkId: "s-1", price: 20100 }),
      await account.cancel("BTCUSDT", "s-1"),
    ];
    for (const o of outcomes) seen.push(JSON.stringify(o));
    server.resetHandlers();
  }
  const signatures = log.map((e) => e.headers.get("x-bapi-sign")).filter((s): s is string => s !== null);
  expect(signatures.length).toBeGreaterThan(10);
  const text = seen.join("\n");
  expect(text).not.toContain(API_KEY);
  expect(text).not.toContain(SECRET);
  for (const sig of signatures) expect(text).not.toContain(sig);
  expect(text).toContain("[redacted]");
});

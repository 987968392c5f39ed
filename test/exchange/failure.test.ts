/**
 * Failure classification, table-driven: recorded Bybit error bodies and HTTP failures are
 * replayed through msw to the ccxt adapter, and each must come out as the policy says, for
 * reads (ExchangeReadError with its kind) and for writes (WriteOutcome). A create is never
 * retried; reads retry transient failures a bounded number of times.
 */
import { describe, expect, test } from "bun:test";
import { delay, http, HttpResponse } from "msw";
import { VirtualClock } from "../../core/clock.ts";
import { createBybitAccount } from "../../core/exchange/ccxt-adapter.ts";
import { ExchangeReadError, IP_BAN_MS, classify } from "../../core/exchange/failure.ts";
import type { WriteOutcome } from "../../core/exchange/port.ts";
import { FIXTURE_BASE, fixture, useReplayServer } from "./bybit-fixtures.ts";

const NOW = 1_700_000_000_000;
const { log, server } = useReplayServer();

/** One way a request can fail, as an msw response factory. */
type Failing = () => Response | Promise<Response>;
const body = (name: string, headers: Record<string, string> = {}): Failing => () => HttpResponse.json(fixture(name), { headers });
const json = (retCode: number, retMsg: string): Failing => () => HttpResponse.json({ retCode, retMsg, result: {}, retExtInfo: {}, time: NOW });
const status = (code: number, text = "error"): Failing => () => new HttpResponse(text, { status: code });
const network: Failing = () => HttpResponse.error();
const hang: Failing = async () => {
  await delay("infinite");
  return HttpResponse.json({});
};

function makeAccount(sleeps: number[] = []) {
  return createBybitAccount({
    account: "main",
    apiKey: "failure-key",
    secret: "failure-secret",
    baseUrl: FIXTURE_BASE,
    clock: new VirtualClock(NOW),
    timeoutMs: 100,
    readRetry: { retries: 2, baseDelayMs: 10, sleep: async (ms) => void sleeps.push(ms) },
  });
}

function failOn(method: "get" | "post", path: string, respond: Failing): void {
  server.use(http[method](`${FIXTURE_BASE}${path}`, async ({ request }) => {
    log.push({ method: request.method, path, query: new URL(request.url).searchParams, body: await request.clone().text(), headers: request.headers });
    return respond();
  }));
}

async function readFailure(respond: Failing): Promise<ExchangeReadError> {
  const account = makeAccount();
  await account.instruments();
  failOn("get", "/v5/position/list", respond);
  const error = await account.positions().then(() => undefined, (e: unknown) => e);
  if (!(error instanceof ExchangeReadError)) throw new Error(`expected ExchangeReadError, got ${String(error)}`);
  return error;
}

describe("reads are classified by retCode and HTTP status", () => {
  const cases: [string, Failing, string, string][] = [
    ["10006 too many visits", body("v5-error-10006-too-many-visits"), "rate-limited", "BYBIT_10006"],
    ["HTTP 429", status(429), "rate-limited", "HTTP_429"],
    ["10002 recv window", body("v5-error-10002-recv-window"), "clock-skew", "BYBIT_10002"],
    ["10016 server error", json(10016, "Internal system error."), "retryable", "BYBIT_10016"],
    ["HTTP 502", status(502), "retryable", "HTTP_502"],
    ["HTTP 503", status(503), "retryable", "HTTP_503"],
    ["network error", network, "retryable", "NETWORK"],
    ["timeout", hang, "retryable", "NETWORK"],
    ["HTTP 403 access too frequent", status(403, "access too frequent"), "ip-banned", "HTTP_403"],
    ["10003 invalid key", json(10003, "API key is invalid."), "auth", "BYBIT_10003"],
    ["10004 bad signature", json(10004, "error sign!"), "auth", "BYBIT_10004"],
    ["10001 params error", body("v5-error-10001-trading-stop-params"), "fatal", "BYBIT_10001"],
  ];
  for (const [name, respond, kind, code] of cases) {
    test(`${name} -> ${kind}`, async () => {
      const error = await readFailure(respond);
      expect(error.readKind).toBe(kind as ExchangeReadError["readKind"]);
      expect(error.failure.code).toBe(code);
      expect(error.kind).toBe("runtime");
    });
  }

  test("a rate limit waits until the reset the header gives", async () => {
    // The header is wall time; retryAt is on the engine's clock: the same wait from now.
    const error = await readFailure(body("v5-error-10006-too-many-visits", { "X-Bapi-Limit-Reset-Timestamp": String(Date.now() + 60_000) }));
    expect(error.retryAt).toBeGreaterThan(NOW + 50_000);
    expect(error.retryAt).toBeLessThanOrEqual(NOW + 60_000);
  });

  test("a rate limit without a reset header waits one second", async () => {
    expect((await readFailure(status(429))).retryAt).toBe(NOW + 1000);
  });

  test("an IP ban stops for ten minutes", async () => {
    expect((await readFailure(status(403, "access too frequent"))).retryAt).toBe(NOW + IP_BAN_MS);
  });

  test("transient failures are retried a bounded number of times with a growing backoff", async () => {
    const sleeps: number[] = [];
    const account = makeAccount(sleeps);
    await account.instruments();
    failOn("get", "/v5/position/list", status(503));
    await expect(account.positions()).rejects.toBeInstanceOf(ExchangeReadError);
    expect(log.filter((e) => e.path === "/v5/position/list")).toHaveLength(3);
    expect(sleeps).toEqual([10, 20]);
  });

  test("a transient failure followed by success returns the data", async () => {
    const account = makeAccount();
    await account.instruments();
    let calls = 0;
    server.use(http.get(`${FIXTURE_BASE}/v5/position/list`, () => (++calls === 1 ? new HttpResponse("", { status: 502 }) : HttpResponse.json(fixture("v5-position-list")))));
    expect(await account.positions()).toHaveLength(1);
    expect(calls).toBe(2);
  });

  test("clock skew re-syncs the time offset and retries the read once", async () => {
    const account = makeAccount();
    await account.instruments();
    let calls = 0;
    server.use(http.get(`${FIXTURE_BASE}/v5/position/list`, () => HttpResponse.json(fixture(++calls === 1 ? "v5-error-10002-recv-window" : "v5-position-list"))));
    expect(await account.positions()).toHaveLength(1);
    expect(log.map((e) => e.path)).toContain("/v5/market/time");
    expect(calls).toBe(2);
  });

  test("rate limits are not retried by the adapter", async () => {
    await readFailure(body("v5-error-10006-too-many-visits"));
    expect(log.filter((e) => e.path === "/v5/position/list")).toHaveLength(1);
  });
});

describe("writes are classified and never retried", () => {
  type Op = "create" | "amend" | "cancel";
  const paths: Record<Op, string> = { create: "/v5/order/create", amend: "/v5/order/amend", cancel: "/v5/order/cancel" };
  async function write(op: Op, respond: Failing): Promise<WriteOutcome> {
    const account = makeAccount();
    await account.instruments();
    failOn("post", paths[op], respond);
    if (op === "create") return account.place({ symbol: "BTCUSDT", linkId: "w-1", side: "buy", type: "limit", qty: 0.001, price: 20000, reduceOnly: false });
    if (op === "amend") return account.amend({ symbol: "BTCUSDT", linkId: "w-1", triggerPrice: 21000 });
    return account.cancel("BTCUSDT", "w-1");
  }
  const cases: [Op, string, Failing, Partial<WriteOutcome> & { status: WriteOutcome["status"] }][] = [
    ["create", "110072 duplicate linkId", json(110072, "OrderLinkedID is duplicate"), { status: "exists" }],
    ["cancel", "110001 order does not exist", body("v5-error-110001-order-does-not-exist"), { status: "gone" }],
    ["amend", "110001 order does not exist", body("v5-error-110001-order-does-not-exist"), { status: "gone" }],
    ["create", "110001 on create", body("v5-error-110001-order-does-not-exist"), { status: "rejected", code: "BYBIT_110001" }],
    ["amend", "34040 not modified", body("v5-error-34040-not-modified"), { status: "not-modified" }],
    ["create", "110017 reduce-only", body("v5-error-110017-reduce-only"), { status: "rejected", code: "BYBIT_110017" }],
    ["create", "110003 price out of range", body("v5-error-110003-price-out-of-range"), { status: "rejected", code: "BYBIT_110003" }],
    ["create", "10006 rate limit", body("v5-error-10006-too-many-visits"), { status: "rate-limited", retryAt: NOW + 1000 }],
    ["cancel", "HTTP 429", status(429), { status: "rate-limited", retryAt: NOW + 1000 }],
    ["create", "HTTP 403", status(403, "access too frequent"), { status: "ip-banned", until: NOW + IP_BAN_MS }],
    ["create", "HTTP 500", status(500), { status: "unknown" }],
    ["create", "10016", json(10016, "Internal system error."), { status: "unknown" }],
    ["create", "network error", network, { status: "unknown" }],
    ["create", "timeout (write applied, response lost)", hang, { status: "unknown" }],
    ["amend", "HTTP 504", status(504), { status: "unknown" }],
    ["create", "10003 auth", json(10003, "API key is invalid."), { status: "rejected", code: "BYBIT_10003" }],
  ];
  for (const [op, name, respond, expected] of cases) {
    test(`${op}: ${name} -> ${expected.status}`, async () => {
      const outcome = await write(op, respond);
      expect(outcome).toMatchObject(expected);
      expect(log.filter((e) => e.path === paths[op])).toHaveLength(1);
    });
  }
});

describe("the policy table", () => {
  test("classifies by retCode before HTTP status", () => {
    expect(classify({ httpStatus: 200, retCode: 10006 }, NOW).class).toBe("rate-limited");
    expect(classify({ httpStatus: 503 }, NOW).class).toBe("transient");
    expect(classify({ noResponse: true }, NOW).class).toBe("transient");
    expect(classify({ retCode: 110072 }, NOW, "create").class).toBe("exists");
    expect(classify({ retCode: 110072 }, NOW, "cancel").class).toBe("rejected");
    expect(classify({ retCode: 999999 }, NOW).class).toBe("rejected");
  });

  test("ignores a reset header in the past", () => {
    expect(classify({ retCode: 10006, limitResetAt: NOW - 5 }, NOW).retryAt).toBe(NOW + 1000);
  });
});

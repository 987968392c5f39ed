import { afterAll, afterEach, beforeAll } from "bun:test";
import { setupServer } from "msw/node";
/**
 * Recorded Bybit v5 responses (fixtures/bybit/) replayed through msw 2 at the HTTP edge,
 * so that ccxt's real request, signing and parsing code runs against them. Every request
 * the replay answers is logged, which is what the adapter's own counts are checked against.
 */
import { readFileSync } from "node:fs";
import { http, HttpResponse, type HttpHandler } from "msw";

export const FIXTURE_BASE = "http://bybit.fixture.test";

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../fixtures/bybit/${name}.json`, import.meta.url), "utf8")) as Record<string, unknown>;
}

export interface ReplayLogEntry {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: string;
  readonly headers: Headers;
}

/** Handlers answering the requests the adapter makes; `log` receives every request. */
export function replayHandlers(log: ReplayLogEntry[], base = FIXTURE_BASE): HttpHandler[] {
  const note = async (request: Request): Promise<URL> => {
    const url = new URL(request.url);
    const body = request.method === "GET" ? "" : await request.clone().text();
    log.push({ method: request.method, path: url.pathname, query: url.searchParams, body, headers: request.headers });
    return url;
  };
  const paged = (full: string, empty: string) => async ({ request }: { request: Request }) => {
    const url = await note(request);
    return HttpResponse.json(fixture(url.searchParams.has("cursor") ? empty : full));
  };
  return [
    http.get(`${base}/v5/market/instruments-info`, async ({ request }) => {
      const url = await note(request);
      const empty = url.searchParams.has("cursor") || url.searchParams.get("status") === "PreLaunch";
      return HttpResponse.json(fixture(empty ? "v5-market-instruments-info-empty" : "v5-market-instruments-info-linear"));
    }),
    http.get(`${base}/v5/market/time`, async ({ request }) => {
      await note(request);
      return HttpResponse.json(fixture("v5-market-time"));
    }),
    http.get(`${base}/v5/position/list`, paged("v5-position-list", "v5-position-list-empty")),
    http.get(`${base}/v5/order/realtime`, paged("v5-order-realtime", "v5-order-realtime-empty")),
    http.get(`${base}/v5/order/history`, paged("v5-order-history", "v5-order-realtime-empty")),
    http.post(`${base}/v5/order/create`, async ({ request }) => {
      await note(request);
      return HttpResponse.json(fixture("v5-order-create"));
    }),
    http.post(`${base}/v5/order/amend`, async ({ request }) => {
      await note(request);
      return HttpResponse.json(fixture("v5-order-amend"));
    }),
    http.post(`${base}/v5/order/cancel`, async ({ request }) => {
      await note(request);
      return HttpResponse.json(fixture("v5-order-cancel"));
    }),
  ];
}

/** An msw server replaying the recorded fixtures for the file's tests; its request log is emptied after each test. */
export function useReplayServer(): { log: ReplayLogEntry[]; server: ReturnType<typeof setupServer> } {
  const log: ReplayLogEntry[] = [];
  const server = setupServer(...replayHandlers(log));
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => {
    server.resetHandlers();
    log.length = 0;
  });
  afterAll(() => server.close());
  return { log, server };
}

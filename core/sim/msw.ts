/**
 * The in-process transport: msw 2.x handlers that hand every request for the Bybit host to
 * the simulator. ccxt is pointed at the intercepted `globalThis.fetch` through its
 * `fetchImplementation`, and msw must be listening before ccxt's first request (ccxt picks
 * its fetch once). A hanging response (timeout, lost-response faults) stays pending until
 * the client aborts the request.
 */
import { http, HttpResponse, type RequestHandler } from "msw";
import { setupServer } from "msw/node";
import type { SimRequest, SimResponse, SimulatorApi } from "./http-types.ts";

export const BYBIT_BASE_URL = "https://api.bybit.com";

/** Resolves only when the request is aborted (never, if the client never gives up). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

export async function toSimRequest(request: Request): Promise<SimRequest> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  const method = request.method.toUpperCase();
  return {
    method,
    path: url.pathname,
    query: url.search.startsWith("?") ? url.search.slice(1) : url.search,
    body: method === "GET" || method === "HEAD" ? "" : await request.text(),
    headers,
  };
}

export function toHttpResponse(res: SimResponse): Response {
  const body = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
  return new HttpResponse(body, { status: res.status, headers: { ...res.headers } });
}

export function simHandlers(sim: SimulatorApi, baseUrl: string = BYBIT_BASE_URL): RequestHandler[] {
  const base = baseUrl.replace(/\/+$/, "");
  return [
    http.all(`${base}/*`, async ({ request }) => {
      const res = await sim.handle(await toSimRequest(request));
      if (res.hang) {
        await untilAborted(request.signal);
        // The client has gone; nobody reads this.
        return HttpResponse.error();
      }
      return toHttpResponse(res);
    }),
  ];
}

export interface MswSim {
  /** Stops intercepting (restores the real fetch). */
  stop(): void;
}

/** Starts msw intercepting `baseUrl` for this simulator; anything else unhandled is an error. */
export function startMswSim(sim: SimulatorApi, baseUrl: string = BYBIT_BASE_URL): MswSim {
  const server = setupServer(...simHandlers(sim, baseUrl));
  server.listen({ onUnhandledRequest: "error" });
  return { stop: () => server.close() };
}

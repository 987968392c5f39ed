/**
 * A `fetch` that answers through msw's request handlers without patching the global
 * fetch: each simulated session (a run, each strategy of a bench) gets its own, so several
 * simulators can serve side by side in one process. ccxt receives it as its
 * `fetchImplementation`; its real request-building and parsing code runs unchanged.
 */
import { getResponse, type RequestHandler } from "msw";

export function mswFetch(handlers: RequestHandler[]): typeof fetch {
  const f = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const response = await getResponse(handlers, request);
    if (response === undefined) throw new TypeError(`no simulator route for ${request.method} ${request.url}`);
    return response;
  };
  return f as typeof fetch;
}

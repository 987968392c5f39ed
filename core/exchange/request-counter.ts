/**
 * The counting fetch the ccxt adapter hands to ccxt as its `fetchImplementation`: every
 * HTTP request the adapter makes is counted by endpoint path (what the metrics report),
 * and the status and rate-limit header of the last response are recorded in the calling
 * operation's own context (AsyncLocalStorage), so that concurrent reads on one ccxt
 * instance never read each other's response when a failure is classified. It also makes
 * ccxt's timeout hold on transports that ignore the abort signal.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { RequestStats } from "./port.ts";

/** What one adapter operation saw of its last HTTP response. */
export interface ResponseTrace {
  status: number | undefined;
  limitResetAt: number | undefined;
  requests: number;
}

export class RequestCounter {
  readonly #byEndpoint = new Map<string, number>();
  #total = 0;
  readonly #trace = new AsyncLocalStorage<ResponseTrace>();

  /** Wrap a fetch so that each request is counted and traced. */
  wrap(inner: typeof fetch): typeof fetch {
    const wrapped = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      this.#count(endpointOf(input));
      const trace = this.#trace.getStore();
      if (trace) {
        trace.requests += 1;
        trace.status = undefined;
        trace.limitResetAt = undefined;
      }
      const response = await abortable(inner(input, init), init?.signal ?? undefined);
      // Response.error() (status 0) is a network failure, as a real fetch would reject it.
      if (response.type === "error" || response.status === 0) throw new TypeError("fetch failed: network error");
      if (trace) {
        trace.status = response.status;
        const reset = Number(response.headers.get("x-bapi-limit-reset-timestamp") ?? Number.NaN);
        trace.limitResetAt = Number.isFinite(reset) ? reset : undefined;
      }
      return response;
    };
    return wrapped as typeof fetch;
  }

  /** Run one adapter operation with its own response trace. */
  traced<T>(fn: (trace: ResponseTrace) => Promise<T>): Promise<T> {
    const trace: ResponseTrace = { status: undefined, limitResetAt: undefined, requests: 0 };
    return this.#trace.run(trace, () => fn(trace));
  }

  stats(): RequestStats {
    return { total: this.#total, byEndpoint: Object.fromEntries(this.#byEndpoint) };
  }

  #count(endpoint: string): void {
    this.#total += 1;
    this.#byEndpoint.set(endpoint, (this.#byEndpoint.get(endpoint) ?? 0) + 1);
  }
}

export function endpointOf(input: RequestInfo | URL): string {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  try {
    return new URL(url).pathname;
  } catch {
    return url.split("?")[0] ?? url;
  }
}

/** Rejects with an AbortError when the signal fires, even if the transport ignores it (as msw's getResponse does). */
function abortable<T>(pending: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return pending;
  if (signal.aborted) return Promise.reject(new DOMException("The operation was aborted.", "AbortError"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DOMException("The operation was aborted.", "AbortError"));
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

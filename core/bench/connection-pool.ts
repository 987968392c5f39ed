/**
 * The old system's connection pool, as a meter around the fetch the adapters use.
 *
 * The Python bot talked to Bybit through requests/urllib3 with a pool of 10 connections
 * per host. urllib3's pool does not block by default: a request started while all 10
 * connections are busy opens an extra connection and, when it is returned to the full
 * pool, logs "Connection pool is full, discarding connection". So the meter does not
 * delay anything; it counts a pool warning for every request started while 10 are already
 * in flight, which is exactly when urllib3 would have warned. It also counts every
 * request by kind (GET reads, other writes), independently of the adapters' own counters.
 */
export const OLD_POOL_SIZE = 10;

export interface PoolCounts {
  readonly requests: number;
  readonly reads: number;
  readonly writes: number;
  readonly poolWarnings: number;
  readonly peakInFlight: number;
}

export class ConnectionPoolMeter {
  readonly size: number;
  #inFlight = 0;
  #requests = 0;
  #reads = 0;
  #writes = 0;
  #warnings = 0;
  #peak = 0;

  constructor(size: number = OLD_POOL_SIZE) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
    this.size = size;
  }

  wrap(inner: typeof fetch): typeof fetch {
    const wrapped = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      this.#start(methodOf(input, init));
      try {
        return await inner(input, init);
      } finally {
        this.#inFlight -= 1;
      }
    };
    return wrapped as typeof fetch;
  }

  /** Counts so far; the peak is since the last resetPeak(). */
  counts(): PoolCounts {
    return { requests: this.#requests, reads: this.#reads, writes: this.#writes, poolWarnings: this.#warnings, peakInFlight: this.#peak };
  }

  inFlight(): number {
    return this.#inFlight;
  }

  resetPeak(): void {
    this.#peak = this.#inFlight;
  }

  #start(method: string): void {
    if (this.#inFlight >= this.size) this.#warnings += 1;
    this.#inFlight += 1;
    if (this.#inFlight > this.#peak) this.#peak = this.#inFlight;
    this.#requests += 1;
    if (method === "GET") this.#reads += 1;
    else this.#writes += 1;
  }
}

function methodOf(input: RequestInfo | URL, init?: RequestInit): string {
  if (init?.method) return init.method.toUpperCase();
  if (typeof input === "object" && !(input instanceof URL)) return input.method.toUpperCase();
  return "GET";
}

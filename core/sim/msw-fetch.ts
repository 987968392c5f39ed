/**
 * A `fetch` that answers through msw's request handlers without patching the global
 * fetch: each simulated session (a run, each strategy of a bench) gets its own, so several
 * simulators can serve side by side in one process. ccxt receives it as its
 * `fetchImplementation`; its real request-building and parsing code runs unchanged.
 *
 * The transport is the simulator's side of the wire: msw building the Request, matching
 * its handlers (path patterns, cookies), the simulator answering, the Response object. A
 * bench measuring the engine's CPU subtracts it, like the simulator's own CPU, through the
 * transport's meter (`transportMeterOf`). Measuring CPU across msw's `await`s is exact only
 * if nothing else runs in between, so a metered transport can be ISOLATED (the bench does it
 * at zero latency, where the CPU target is measured): requests are answered one at a time,
 * each starting in a macrotask of its own (the microtask queue is then empty: every engine
 * continuation waits for a response or a timer), and the caller's promise settles only
 * after the window is closed. A window that spanned a macrotask (a timer could have run
 * engine code in it) is not counted as transport at all (`impureWindows`): the engine is
 * then charged for it, never flattered. A response the simulator holds back (a lost-response
 * fault) holds the isolated queue until the client gives up: isolate fault-free runs only.
 */
import { clearImmediate, setImmediate } from "node:timers";
import { getResponse, type RequestHandler } from "msw";

export interface TransportMeter {
  /** CPU (µs) of counted transport windows (msw and the simulator, request to Response). */
  readonly cpuMicros: number;
  /** Windows counted, and windows left uncounted because a macrotask ran inside them. */
  readonly windows: number;
  readonly impureWindows: number;
  /** True while a counted window is open (the simulator's own CPU meter must not count twice). */
  readonly inWindow: boolean;
  /** Answer requests one at a time in isolated windows and count their CPU with `cpu` (µs). */
  isolate(cpu: () => number): void;
}

const meters = new WeakMap<typeof fetch, TransportMeter>();

/** The meter of a transport made by `mswFetch`, if `f` is one. */
export function transportMeterOf(f: typeof fetch): TransportMeter | undefined {
  return meters.get(f);
}

class Meter implements TransportMeter {
  cpuMicros = 0;
  windows = 0;
  impureWindows = 0;
  inWindow = false;
  cpu: (() => number) | undefined;
  #tail: Promise<unknown> = Promise.resolve();

  isolate(cpu: () => number): void {
    this.cpu = cpu;
  }

  /** Run `answer` alone, in a macrotask of its own, and count its CPU. */
  serialized(answer: () => Promise<Response>, cpu: () => number): Promise<Response> {
    const run = this.#tail.then(
      () =>
        new Promise<Response>((resolve, reject) => {
          setImmediate(() => {
            let crossed = false;
            const probe = setImmediate(() => {
              crossed = true;
            });
            this.inWindow = true;
            const t0 = cpu();
            answer().then(
              (r) => this.#close(t0, cpu, crossed, probe, () => resolve(r)),
              (e: unknown) => this.#close(t0, cpu, crossed, probe, () => reject(e)),
            );
          });
        }),
    );
    this.#tail = run.catch(() => undefined);
    return run;
  }

  #close(t0: number, cpu: () => number, crossed: boolean, probe: ReturnType<typeof setImmediate>, settle: () => void): void {
    const spent = cpu() - t0;
    this.inWindow = false;
    clearImmediate(probe);
    if (crossed) this.impureWindows++;
    else {
      this.cpuMicros += spent;
      this.windows++;
    }
    settle();
  }
}

export function mswFetch(handlers: RequestHandler[]): typeof fetch {
  const meter = new Meter();
  const answer = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const response = await getResponse(handlers, request);
    if (response === undefined) throw new TypeError(`no simulator route for ${request.method} ${request.url}`);
    return response;
  };
  const f = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const cpu = meter.cpu;
    return cpu === undefined ? answer(input, init) : meter.serialized(() => answer(input, init), cpu);
  };
  meters.set(f as typeof fetch, meter);
  return f as typeof fetch;
}

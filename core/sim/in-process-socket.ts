/**
 * The simulated private stream for in-process runs (`warden run --stream` on the built-in
 * simulator, tests, bench): a WebSocket-compatible object wired straight to a connection of
 * the PrivateHub (ws-hub.ts), with no socket. Warden's client (core/exchange/bybit-stream.ts)
 * takes its constructor in place of the global WebSocket, so the same client code talks to
 * this and to `sim serve`, and the hub gives both the same frames, faults and idle cut.
 *
 * Like a socket, nothing is delivered synchronously: every message, in either direction, and
 * every open and close event arrives in a later macrotask, in order. `flushed()` resolves once
 * everything sent so far has been delivered (a "delay" fault's frames are not waited for: they
 * are late on purpose). A clean close is a `close` event with the hub's code (1000, or 1001
 * when the hub closes), an abrupt drop a `close` event with 1006, as browsers report it.
 */
import type { Venue } from "./venue-api.ts";
import { PrivateHub, type HubConnection, type PrivateStreamOptions, type PrivateStreamStats } from "./ws-hub.ts";

/** The close code a WebSocket reports when the connection ended with no close frame. */
export const ABNORMAL_CLOSURE = 1006;

export interface InProcessStream {
  /** A WebSocket constructor whose connections go to this simulator's private stream (any URL). */
  readonly WebSocket: new (url: string) => WebSocket;
  /** Resolves once every message and event sent so far has been delivered. */
  flushed(): Promise<void>;
  stats(): PrivateStreamStats;
  /** From now on, count the messages delivered to clients and the CPU (µs, by `cpu`) their handlers spent on them synchronously. */
  meter(cpu: () => number): void;
  /** Messages delivered to clients while metered, and the CPU their handlers spent. */
  handled(): { readonly messages: number; readonly cpuMicros: number };
  /** Closes every connection (1001), as `sim serve` does when it stops. */
  close(): void;
}

/** Delivers callbacks one per macrotask, in order, and says when none is left. */
class Deliveries {
  readonly #queue: (() => void)[] = [];
  readonly #idle: (() => void)[] = [];
  #scheduled = false;

  post(work: () => void): void {
    this.#queue.push(work);
    this.#schedule();
  }

  flushed(): Promise<void> {
    if (this.#queue.length === 0 && !this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => this.#run(), 0);
  }

  #run(): void {
    this.#scheduled = false;
    const work = this.#queue.shift();
    work?.();
    if (this.#queue.length > 0) return this.#schedule();
    // Idle only if the microtasks this delivery started (a reply's continuation) sent nothing more.
    setTimeout(() => {
      if (this.#queue.length === 0 && !this.#scheduled) for (const resolve of this.#idle.splice(0)) resolve();
    }, 0);
  }
}

function event(type: string, fields: Record<string, unknown> = {}): Event {
  return Object.assign(new Event(type), fields);
}

export function inProcessStream(venue: Venue, opts: PrivateStreamOptions = {}): InProcessStream {
  const hub = new PrivateHub(venue, opts);
  const deliveries = new Deliveries();
  const handled = { messages: 0, cpuMicros: 0 };
  let cpu: (() => number) | undefined;

  class InProcessSocket extends EventTarget {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readonly url: string;
    readyState = 0;
    #conn: HubConnection | undefined;

    constructor(url: string) {
      super();
      this.url = url;
      const q = url.indexOf("?");
      deliveries.post(() => {
        if (this.readyState !== 0) return;
        if (!hub.admits()) {
          // Bybit's connection-rate limit: the handshake fails, as a browser WebSocket reports it
          this.dispatchEvent(event("error"));
          this.#closed(ABNORMAL_CLOSURE, "");
          return;
        }
        this.#conn = hub.open(
          {
            send: (text) => deliveries.post(() => this.#deliver(text)),
            close: (code, reason) => deliveries.post(() => this.#closed(code, reason)),
            drop: () => deliveries.post(() => this.#closed(ABNORMAL_CLOSURE, "")),
          },
          q < 0 ? "" : url.slice(q + 1),
        );
        this.readyState = 1;
        this.dispatchEvent(event("open"));
      });
    }

    send(text: string): void {
      if (this.readyState === 0) throw new DOMException("WebSocket is not open", "InvalidStateError");
      if (this.readyState !== 1) return;
      const conn = this.#conn;
      deliveries.post(() => conn?.receive(String(text)));
    }

    close(code = 1000, reason = ""): void {
      if (this.readyState >= 2) return;
      const conn = this.#conn;
      this.readyState = 2;
      deliveries.post(() => {
        // A stalled server reads nothing: the client gives up on it without its close frame.
        if (conn !== undefined && !conn.stalled) conn.shut(code, reason);
        else this.#closed(conn === undefined ? code : ABNORMAL_CLOSURE, reason);
      });
    }

    #deliver(text: string): void {
      if (this.readyState !== 1) return;
      if (cpu === undefined) {
        this.dispatchEvent(event("message", { data: text }));
        return;
      }
      const t0 = cpu();
      this.dispatchEvent(event("message", { data: text }));
      handled.cpuMicros += cpu() - t0;
      handled.messages += 1;
    }

    #closed(code: number, reason: string): void {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.#conn?.gone();
      this.dispatchEvent(event("close", { code, reason, wasClean: code !== ABNORMAL_CLOSURE }));
    }
  }

  return {
    WebSocket: InProcessSocket as unknown as new (url: string) => WebSocket,
    flushed: () => deliveries.flushed(),
    stats: () => hub.stats(),
    meter: (c) => {
      cpu = c;
    },
    handled: () => ({ ...handled }),
    close: () => hub.close(),
  };
}

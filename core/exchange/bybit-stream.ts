/**
 * Warden's own client of Bybit's private WebSocket (`/v5/private`, DESIGN "Streams"), on the
 * runtime's native `WebSocket` (Bun and Deno both have it): sign in (hex HMAC-SHA256 of
 * `GET/realtime{expires}`), subscribe `order`, `execution` and `position` and wait for the
 * acks, ping every 20 s, treat a link that says nothing for `deadAfterMs` as dead, and
 * reconnect with jittered exponential back-off, at most `maxAttemptsPer5Min` dials per
 * 5 minutes (Bybit allows 500 connections per 5 minutes per IP): at the cap it waits for the
 * oldest dial to leave the window, then dials again. Never subscribes `dcp`:
 * when every such connection dies Bybit cancels the orders, stops included.
 *
 * It hands out raw rows per topic; parsing them is the reader's business (stream-rows.ts).
 * Keys never leave it: every reason it reports goes through `redact`.
 */
import { createHmac } from "node:crypto";
import { redact, type Credentials } from "./redaction.ts";

export const STREAM_TOPICS = ["order", "execution", "position"] as const;
export type StreamTopic = (typeof STREAM_TOPICS)[number];

export const STREAM_DEFAULTS = {
  pingEveryMs: 20_000,
  deadAfterMs: 45_000,
  requestTimeoutMs: 10_000,
  backoffBaseMs: 500,
  backoffMaxMs: 30_000,
  maxAttemptsPer5Min: 20,
  expiresInMs: 10_000,
} as const;

const WINDOW_MS = 300_000;

/**
 * The heartbeat for a run that polls every `intervalMs` when the stream is down: a ping at
 * least every half interval (at most Bybit's recommended 20 s) and a link silent for one
 * interval (at least two pings, at most the default) declared dead, so a stalled stream
 * (open socket, no pongs, no data) is found and the account polls again within about one
 * interval, as a closed one is.
 */
export function linkTimings(intervalMs: number): { readonly pingEveryMs: number; readonly deadAfterMs: number } {
  const pingEveryMs = Math.max(250, Math.min(STREAM_DEFAULTS.pingEveryMs, Math.floor(intervalMs / 2)));
  const deadAfterMs = Math.min(STREAM_DEFAULTS.deadAfterMs, Math.max(intervalMs, 2 * pingEveryMs));
  return { pingEveryMs, deadAfterMs };
}

export type StreamRow = Record<string, unknown>;

export type StreamEvent =
  /** Signed in and every topic acknowledged: rows from here on are live. */
  | { readonly kind: "live"; readonly connId: string; readonly attempt: number }
  | { readonly kind: "rows"; readonly topic: StreamTopic; readonly creationTime: number; readonly data: readonly StreamRow[] }
  /** The link is gone (closed, dead, refused); a reconnect follows in `retryInMs` unless `final` (stopped). */
  | { readonly kind: "down"; readonly reason: string; readonly final: boolean; readonly retryInMs?: number };

export interface StreamTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: StreamTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface BybitStreamOptions {
  /** `wss://stream.bybit.com/v5/private`, or `ws://127.0.0.1:PORT/v5/private` for `sim serve`. */
  readonly url: string;
  readonly credentials: Credentials;
  readonly onEvent: (event: StreamEvent) => void;
  /** Wall clock for `expires`; default Date.now. */
  readonly now?: () => number;
  readonly timers?: StreamTimers;
  /** In [0, 1): the jitter of the back-off; default Math.random. */
  readonly random?: () => number;
  readonly pingEveryMs?: number;
  readonly deadAfterMs?: number;
  readonly requestTimeoutMs?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly maxAttemptsPer5Min?: number;
  /** The socket constructor; default the global WebSocket. */
  readonly webSocket?: new (url: string) => WebSocket;
}

/** `wss://stream.bybit.com/v5/private` for a REST base URL (`https://api.bybit.com`, testnet, demo, or `sim serve`'s `http://HOST:PORT`). */
export function privateStreamUrl(baseUrl: string): string {
  const u = new URL(baseUrl);
  const known: Record<string, string> = {
    "api.bybit.com": "stream.bybit.com",
    "api-testnet.bybit.com": "stream-testnet.bybit.com",
    "api-demo.bybit.com": "stream-demo.bybit.com",
  };
  const host = known[u.host];
  if (host !== undefined) return `wss://${host}/v5/private`;
  return `${u.protocol === "https:" ? "wss:" : "ws:"}//${u.host}/v5/private`;
}

export function authArgs(creds: Credentials, expires: number): [string, number, string] {
  return [creds.apiKey, expires, createHmac("sha256", creds.secret).update(`GET/realtime${expires}`).digest("hex")];
}

/** The delay before dial `attempt` (1 = the first redial): full jitter over an exponential ceiling. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

type Pending = { resolve: (m: StreamRow) => void; reject: (e: Error) => void; timer: unknown };

export class BybitPrivateStream {
  readonly #o: Required<Omit<BybitStreamOptions, "webSocket">> & { webSocket: new (url: string) => WebSocket };
  #ws: WebSocket | undefined;
  #stopped = false;
  #attempt = 0;
  readonly #dials: number[] = [];
  #req = 0;
  readonly #pending = new Map<string, Pending>();
  #pingTimer: unknown;
  #deadTimer: unknown;
  #retryTimer: unknown;
  #live = false;

  constructor(opts: BybitStreamOptions) {
    this.#o = {
      now: Date.now,
      timers: REAL_TIMERS,
      random: Math.random,
      pingEveryMs: STREAM_DEFAULTS.pingEveryMs,
      deadAfterMs: STREAM_DEFAULTS.deadAfterMs,
      requestTimeoutMs: STREAM_DEFAULTS.requestTimeoutMs,
      backoffBaseMs: STREAM_DEFAULTS.backoffBaseMs,
      backoffMaxMs: STREAM_DEFAULTS.backoffMaxMs,
      maxAttemptsPer5Min: STREAM_DEFAULTS.maxAttemptsPer5Min,
      webSocket: WebSocket,
      ...opts,
    };
  }

  get live(): boolean {
    return this.#live;
  }

  /** Dials; the outcome arrives as events (`live`, or `down` and a redial). */
  start(): void {
    this.#stopped = false;
    this.#dial();
  }

  /** Closes for good: no more events, no redial. */
  stop(): void {
    this.#stopped = true;
    this.#o.timers.clearTimeout(this.#retryTimer);
    this.#teardown();
  }

  #dial(): void {
    if (this.#stopped) return;
    const now = this.#o.now();
    while (this.#dials.length > 0 && this.#dials[0]! <= now - WINDOW_MS) this.#dials.shift();
    if (this.#dials.length >= this.#o.maxAttemptsPer5Min) {
      // Bybit's connection-rate limit is per 5 minutes: wait until the oldest dial leaves the window.
      const retryInMs = Math.max(1, this.#dials[0]! + WINDOW_MS - now);
      this.#o.onEvent({ kind: "down", reason: `${this.#dials.length} connection attempts within 5 minutes: the next dial waits for the window`, final: false, retryInMs });
      this.#retryTimer = this.#o.timers.setTimeout(() => this.#dial(), retryInMs);
      return;
    }
    this.#dials.push(now);
    this.#attempt += 1;
    let ws: WebSocket;
    try {
      ws = new this.#o.webSocket(this.#o.url);
    } catch (e) {
      this.#down(`cannot open the stream: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.#ws = ws;
    ws.addEventListener("open", () => {
      if (this.#ws === ws) void this.#handshake(ws);
    });
    ws.addEventListener("message", (e) => {
      if (this.#ws === ws) this.#message(String((e as MessageEvent).data));
    });
    ws.addEventListener("close", (e) => {
      if (this.#ws === ws) this.#down(`closed (${(e as CloseEvent).code}${(e as CloseEvent).reason ? ` ${(e as CloseEvent).reason}` : ""})`);
    });
    ws.addEventListener("error", () => {
      if (this.#ws === ws) this.#down("socket error");
    });
    this.#armDead();
  }

  async #handshake(ws: WebSocket): Promise<void> {
    try {
      const auth = await this.#request("auth", authArgs(this.#o.credentials, Math.floor(this.#o.now()) + STREAM_DEFAULTS.expiresInMs));
      if (auth.success !== true) throw new Error(`auth refused: ${String(auth.ret_msg)}`);
      const sub = await this.#request("subscribe", [...STREAM_TOPICS]);
      if (sub.success !== true) throw new Error(`subscribe refused: ${String(sub.ret_msg)}`);
      if (this.#ws !== ws) return;
      this.#live = true;
      const attempt = this.#attempt;
      this.#attempt = 0;
      this.#schedulePing();
      this.#o.onEvent({ kind: "live", connId: String(auth.conn_id ?? ""), attempt });
    } catch (e) {
      if (this.#ws === ws) this.#down(e instanceof Error ? e.message : String(e));
    }
  }

  #request(op: string, args?: unknown[]): Promise<StreamRow> {
    const ws = this.#ws;
    if (ws === undefined) return Promise.reject(new Error("not connected"));
    const reqId = `w${++this.#req}`;
    return new Promise((resolve, reject) => {
      const timer = this.#o.timers.setTimeout(() => {
        this.#pending.delete(reqId);
        reject(new Error(`no reply to ${op} within ${this.#o.requestTimeoutMs} ms`));
      }, this.#o.requestTimeoutMs);
      this.#pending.set(reqId, { resolve, reject, timer });
      ws.send(JSON.stringify({ req_id: reqId, op, ...(args !== undefined ? { args } : {}) }));
    });
  }

  #message(text: string): void {
    this.#armDead();
    let msg: StreamRow;
    try {
      msg = JSON.parse(text) as StreamRow;
    } catch {
      return;
    }
    const reqId = typeof msg.req_id === "string" ? msg.req_id : undefined;
    if (reqId !== undefined) {
      const p = this.#pending.get(reqId);
      if (p !== undefined) {
        this.#pending.delete(reqId);
        this.#o.timers.clearTimeout(p.timer);
        p.resolve(msg);
        return;
      }
    }
    const topic = typeof msg.topic === "string" ? baseTopic(msg.topic) : undefined;
    if (topic === undefined || !Array.isArray(msg.data) || !this.#live) return;
    this.#o.onEvent({ kind: "rows", topic, creationTime: typeof msg.creationTime === "number" ? msg.creationTime : 0, data: msg.data as StreamRow[] });
  }

  #schedulePing(): void {
    this.#pingTimer = this.#o.timers.setTimeout(() => {
      const ws = this.#ws;
      if (ws === undefined || !this.#live) return;
      try {
        ws.send(JSON.stringify({ req_id: `w${++this.#req}`, op: "ping" }));
      } catch {
        // the close event reports it
      }
      this.#schedulePing();
    }, this.#o.pingEveryMs);
  }

  #armDead(): void {
    this.#o.timers.clearTimeout(this.#deadTimer);
    this.#deadTimer = this.#o.timers.setTimeout(() => this.#down(`silent for ${this.#o.deadAfterMs} ms`), this.#o.deadAfterMs);
  }

  #teardown(): void {
    const t = this.#o.timers;
    t.clearTimeout(this.#pingTimer);
    t.clearTimeout(this.#deadTimer);
    for (const p of this.#pending.values()) {
      t.clearTimeout(p.timer);
      p.reject(new Error("connection gone"));
    }
    this.#pending.clear();
    const ws = this.#ws;
    this.#ws = undefined;
    this.#live = false;
    if (ws !== undefined && ws.readyState !== 3) {
      try {
        ws.close();
      } catch {
        // already closing
      }
    }
  }

  #down(reason: string): void {
    if (this.#ws === undefined && this.#stopped) return;
    this.#teardown();
    const safe = redact(reason, this.#o.credentials);
    if (this.#stopped) return;
    const retryInMs = backoffMs(Math.max(1, this.#attempt), this.#o.backoffBaseMs, this.#o.backoffMaxMs, this.#o.random);
    this.#o.onEvent({ kind: "down", reason: safe, final: false, retryInMs });
    this.#retryTimer = this.#o.timers.setTimeout(() => this.#dial(), retryInMs);
  }
}

function baseTopic(topic: string): StreamTopic | undefined {
  for (const t of STREAM_TOPICS) if (topic === t || topic === `${t}.linear`) return t;
  return undefined;
}

/**
 * The simulated private stream without its transport: every connection's PrivateSession
 * (ws-private.ts), the venue listener that fans each change out to the signed-in
 * connections of its account, the idle cut, and the stream faults (ws-faults.ts). Two
 * transports carry it: `sim serve`'s node:http upgrade (ws-server.ts) and the in-process
 * socket (in-process-socket.ts), so both get the same frames, faults and idle behaviour.
 *
 * Idle connections are cut as Bybit documents (websocket/wss-authentication, "Customise
 * Private Connection Alive Time"): with no ping and no pushed data for 10 minutes, or for the
 * URL's `max_active_time` (`30s` to `600s`, or `1m` to `10m`). `idleMs` replaces the
 * 10-minute default (tests). Only the JSON `op: ping` counts as a heartbeat.
 */
import { randomUUID } from "node:crypto";
import type { AccountId } from "../domain/types.ts";
import type { StreamFault } from "./scenario-schema.ts";
import type { SimAccount, Venue } from "./venue-api.ts";
import type { VenueChange } from "./venue-events.ts";
import { StreamFaults, type ConnectionFault, type FaultTarget } from "./ws-faults.ts";
import { parseTopic, PrivateSession, type WsMessage } from "./ws-private.ts";

/** Bybit cuts a private connection with no ping-pong and no data after 10 minutes. */
export const DEFAULT_IDLE_MS = 600_000;
const MIN_ACTIVE_MS = 30_000;
/** Close codes the hub uses (RFC 6455 section 7.4.1). */
export const HUB_CLOSE = { normal: 1000, goingAway: 1001 } as const;

export interface PrivateStreamOptions {
  /** Idle cut when the URL sets no max_active_time; default 10 minutes. */
  readonly idleMs?: number;
  /** Server wall clock (auth expiry, pong, creationTime); default Date.now. */
  readonly wallClock?: () => number;
  /** Stream faults to play as the venue's steps begin (a scenario's streamFaults). */
  readonly faults?: readonly StreamFault[];
  /** Timers for the idle cut and delayed frames; default the runtime's (the soak: its virtual time). */
  readonly timers?: HubTimers;
}

export interface HubTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const RUNTIME_TIMERS: HubTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface PrivateStreamStats {
  /** Connections accepted since start. */
  readonly connections: number;
  /** Connection attempts refused by the connection-rate limit ("refuse-connect"). */
  readonly refused: number;
  readonly open: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  /** Per stream fault, in list order: how many connections or frames it has hit. */
  readonly faultsFired: number[];
}

/** What the hub needs of a transport, for one connection. */
export interface HubWire {
  /** One text message to the client. */
  send(text: string): void;
  /** A clean close: close frame `code`, then the end of the connection. */
  close(code: number, reason: string): void;
  /** An abrupt end: no close frame. */
  drop(): void;
}

export interface HubConnection {
  /** A "stall" fault: open, but nothing is read or sent any more (WebSocket-level pongs included). */
  readonly stalled: boolean;
  readonly closing: boolean;
  /** One text message from the client. */
  receive(text: string): void;
  /** Closes with a close frame (the client asked to, or broke the protocol). */
  shut(code: number, reason?: string): void;
  /** The transport is gone: forget the connection. */
  gone(): void;
}

/** `max_active_time` as ms (`45s`, `2m`), clamped to Bybit's 30 s..10 min; undefined when absent or unreadable. */
export function maxActiveMs(query: string): number | undefined {
  const raw = new URLSearchParams(query).get("max_active_time");
  const m = raw === null ? null : /^(\d+)([sm])$/.exec(raw);
  if (m === null) return undefined;
  const ms = Number(m[1]) * (m[2] === "m" ? 60_000 : 1_000);
  return Math.min(DEFAULT_IDLE_MS, Math.max(MIN_ACTIVE_MS, ms));
}

/** Bybit-looking connection ids ("cejreassvfrsfvb9v1a0-2m"). */
function connIdMaker(): () => string {
  let n = 0;
  const base = randomUUID().replace(/-/g, "").slice(0, 20);
  return () => `${base}-${(++n).toString(36)}`;
}

class Connection implements HubConnection {
  readonly session: PrivateSession;
  timer: unknown;
  closing = false;
  stalled = false;
  /** Frames a "reorder" fault holds back until the next push frame has gone. */
  readonly held: WsMessage[] = [];

  constructor(
    readonly hub: PrivateHub,
    readonly wire: HubWire,
    readonly idleMs: number,
    session: PrivateSession,
  ) {
    this.session = session;
  }

  receive(text: string): void {
    this.hub.receive(this, text);
  }

  shut(code: number, reason = ""): void {
    this.hub.shut(this, code, reason);
  }

  gone(): void {
    this.hub.gone(this);
  }
}

export class PrivateHub {
  readonly #venue: Venue;
  readonly #now: () => number;
  readonly #idleMs: number;
  readonly #connections = new Set<Connection>();
  readonly #newConnId = connIdMaker();
  readonly #faults: StreamFaults;
  readonly #timers: HubTimers;
  readonly #offStep: (() => void) | undefined;
  /** The venue records changes only while someone listens: listen only while a connection is open. */
  #offVenue: (() => void) | undefined;
  #accepted = 0;
  #refused = 0;
  #messagesIn = 0;
  #messagesOut = 0;

  constructor(venue: Venue, opts: PrivateStreamOptions = {}) {
    this.#venue = venue;
    this.#now = opts.wallClock ?? Date.now;
    this.#idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
    this.#timers = opts.timers ?? RUNTIME_TIMERS;
    this.#faults = new StreamFaults(opts.faults ?? []);
    this.#offStep = venue.onStep?.((step) => {
      const targets = [...this.#connections].map((c): FaultTarget => ({ account: c.session.account?.id, apply: (fault) => this.#applyFault(c, fault) }));
      this.#faults.atStep(step, targets);
    });
    // Frame and request faults of step 0 are armed from the start (the first connection's sign-in).
    this.#faults.atStep(0, []);
  }

  /**
   * Whether a connection attempt is let in: false while a "refuse-connect" fault (Bybit's
   * per-IP connection-rate limit) has attempts left; the transport then refuses the upgrade.
   */
  admits(): boolean {
    if (!this.#faults.refusesConnect()) return true;
    this.#refused++;
    return false;
  }

  /** A new connection over `wire`; `query` is the URL's query string (max_active_time). */
  open(wire: HubWire, query = ""): HubConnection {
    this.#accepted++;
    const session = new PrivateSession({
      connId: this.#newConnId(),
      accounts: (): readonly SimAccount[] => this.#venue.accounts(),
      now: this.#now,
      newId: () => randomUUID(),
      refuses: (op, account) => this.#faults.refuses(op, account.id),
    });
    const c = new Connection(this, wire, maxActiveMs(query) ?? this.#idleMs, session);
    this.#connections.add(c);
    this.#offVenue ??= this.#venue.onChange?.((change) => this.#onChange(change));
    this.#arm(c);
    return c;
  }

  stats(): PrivateStreamStats {
    return { connections: this.#accepted, refused: this.#refused, open: this.#connections.size, messagesIn: this.#messagesIn, messagesOut: this.#messagesOut, faultsFired: this.#faults.fired() };
  }

  /** Closes every connection (close frame 1001) and stops listening to the venue. */
  close(): void {
    this.#offVenue?.();
    this.#offVenue = undefined;
    this.#offStep?.();
    for (const c of this.#connections) this.shut(c, HUB_CLOSE.goingAway, "server closing");
  }

  receive(c: Connection, text: string): void {
    if (c.stalled || c.closing) return;
    this.#messagesIn++;
    const replies = c.session.receive(text);
    if (replies.some((r) => r.op === "pong")) this.#arm(c);
    for (const r of replies) this.#send(c, r);
  }

  shut(c: Connection, code: number, reason: string): void {
    if (c.timer !== undefined) this.#timers.clearTimeout(c.timer);
    c.timer = undefined;
    if (c.closing) return;
    c.closing = true;
    c.wire.close(code, reason);
  }

  gone(c: Connection): void {
    if (c.timer !== undefined) this.#timers.clearTimeout(c.timer);
    c.timer = undefined;
    c.closing = true;
    this.#connections.delete(c);
    if (this.#connections.size === 0) {
      this.#offVenue?.();
      this.#offVenue = undefined;
    }
  }

  #send(c: Connection, message: WsMessage): void {
    if (c.closing || c.stalled) return;
    this.#messagesOut++;
    c.wire.send(JSON.stringify(message));
  }

  #arm(c: Connection): void {
    if (c.timer !== undefined) this.#timers.clearTimeout(c.timer);
    c.timer = this.#timers.setTimeout(() => this.shut(c, HUB_CLOSE.normal, "idle"), c.idleMs);
  }

  #applyFault(c: Connection, fault: ConnectionFault): void {
    if (fault === "close") this.shut(c, HUB_CLOSE.normal, "");
    else if (fault === "drop") {
      c.closing = true;
      c.wire.drop();
    } else {
      c.stalled = true;
      if (c.timer !== undefined) this.#timers.clearTimeout(c.timer);
      c.timer = undefined;
    }
  }

  #onChange(change: VenueChange): void {
    for (const c of this.#connections) {
      const frames = c.session.framesFor(change);
      if (frames.length === 0 || c.stalled) continue;
      for (const f of frames) this.#push(c, change.account, f);
      this.#arm(c);
    }
  }

  #push(c: Connection, account: AccountId, frame: WsMessage): void {
    const topic = parseTopic(String(frame.topic));
    const fate = topic === undefined ? { kind: "send" as const } : this.#faults.frame(account, topic.base);
    if (fate.kind === "drop") return;
    if (fate.kind === "reorder") {
      c.held.push(frame);
      return;
    }
    if (fate.kind === "delay") {
      this.#timers.setTimeout(() => this.#send(c, frame), fate.ms);
      return;
    }
    const held = c.held.splice(0);
    this.#send(c, frame);
    if (fate.kind === "duplicate") this.#send(c, frame);
    for (const h of held) this.#send(c, h);
  }
}

/**
 * The private stream's transport on `sim serve`'s node:http server: `ws://HOST:PORT/v5/private`
 * (the upgrade of a GET with Bybit's path; any other path is refused with 404). Each
 * connection gets a PrivateSession (ws-private.ts); one venue listener fans every change out
 * to the authenticated connections of its account.
 *
 * Idle connections are cut as Bybit documents (websocket/wss-authentication, "Customise
 * Private Connection Alive Time"): with no ping and no pushed data for 10 minutes, or for the
 * URL's `max_active_time` (`30s` to `600s`, or `1m` to `10m`). `idleMs` replaces the
 * 10-minute default (tests). The cut is a close frame 1000, then the end of the socket.
 * WebSocket-level pings (opcode 9) are answered with pongs but, as on Bybit, only the JSON
 * `op: ping` counts as a heartbeat.
 *
 * `faults` (a scenario's `streamFaults`) close, drop or stall connections, drop, duplicate,
 * delay or reorder push frames, and refuse auth or subscribe requests, from the step they
 * name (ws-faults.ts).
 */
import { Buffer } from "node:buffer";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";
import type { AccountId } from "../domain/types.ts";
import type { StreamFault } from "./scenario-schema.ts";
import type { SimAccount, Venue } from "./venue-api.ts";
import type { VenueChange } from "./venue-events.ts";
import { acceptKey, CLOSE, closeFrame, encodeFrame, FrameError, FrameReader, OPCODE } from "./ws-frame.ts";
import { StreamFaults, type ConnectionFault, type FaultTarget } from "./ws-faults.ts";
import { parseTopic, PrivateSession, type WsMessage } from "./ws-private.ts";

export const PRIVATE_PATH = "/v5/private";
/** Bybit cuts a private connection with no ping-pong and no data after 10 minutes. */
export const DEFAULT_IDLE_MS = 600_000;
const MIN_ACTIVE_MS = 30_000;

export interface PrivateStreamOptions {
  /** Idle cut when the URL sets no max_active_time; default 10 minutes. */
  readonly idleMs?: number;
  /** Server wall clock (auth expiry, pong, creationTime); default Date.now. */
  readonly wallClock?: () => number;
  /** Stream faults to play as the venue's steps begin (a scenario's streamFaults). */
  readonly faults?: readonly StreamFault[];
}

export interface PrivateStreamStats {
  /** Connections accepted since start. */
  readonly connections: number;
  readonly open: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  /** Per stream fault, in list order: how many connections or frames it has hit. */
  readonly faultsFired: number[];
}

export interface PrivateStream {
  stats(): PrivateStreamStats;
  /** Closes every connection (close frame 1001) and stops listening to the venue. */
  close(): void;
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

interface Connection {
  readonly socket: Socket;
  readonly session: PrivateSession;
  readonly idleMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  closing: boolean;
  /** A "stall" fault: open, but nothing is read or sent any more. */
  stalled: boolean;
  /** A frame a "reorder" fault holds back until the next push frame has gone. */
  held: WsMessage[];
}

export function attachPrivateStream(server: Server, venue: Venue, opts: PrivateStreamOptions = {}): PrivateStream {
  const now = opts.wallClock ?? Date.now;
  const connections = new Set<Connection>();
  const newConnId = connIdMaker();
  let accepted = 0;
  let messagesIn = 0;
  let messagesOut = 0;
  const faults = new StreamFaults(opts.faults ?? []);

  const send = (c: Connection, message: WsMessage): void => {
    if (c.closing || c.stalled || c.socket.destroyed) return;
    messagesOut++;
    c.socket.write(encodeFrame(OPCODE.text, JSON.stringify(message)));
  };

  const arm = (c: Connection): void => {
    if (c.timer !== undefined) clearTimeout(c.timer);
    c.timer = setTimeout(() => shut(c, CLOSE.normal, "idle"), c.idleMs);
  };

  const shut = (c: Connection, code: number, reason: string): void => {
    if (c.timer !== undefined) clearTimeout(c.timer);
    c.timer = undefined;
    if (c.closing) return;
    c.closing = true;
    if (!c.socket.destroyed) c.socket.end(closeFrame(code, reason));
  };

  const applyFault = (c: Connection, fault: ConnectionFault): void => {
    if (fault === "close") shut(c, CLOSE.normal, "");
    else if (fault === "drop") c.socket.destroy();
    else {
      c.stalled = true;
      if (c.timer !== undefined) clearTimeout(c.timer);
      c.timer = undefined;
    }
  };

  // The venue records changes only while someone listens: listen only while a connection is open.
  let offVenue: (() => void) | undefined;
  const onChange = (change: VenueChange): void => {
    for (const c of connections) {
      const frames = c.session.framesFor(change);
      if (frames.length === 0 || c.stalled) continue;
      for (const f of frames) push(c, change.account, f);
      arm(c);
    }
  };
  const push = (c: Connection, account: AccountId, frame: WsMessage): void => {
    const topic = parseTopic(String(frame.topic));
    const fate = topic === undefined ? { kind: "send" as const } : faults.frame(account, topic.base);
    if (fate.kind === "drop") return;
    if (fate.kind === "reorder") {
      c.held.push(frame);
      return;
    }
    if (fate.kind === "delay") {
      setTimeout(() => send(c, frame), fate.ms);
      return;
    }
    const held = c.held.splice(0);
    send(c, frame);
    if (fate.kind === "duplicate") send(c, frame);
    for (const h of held) send(c, h);
  };

  const offStep = venue.onStep?.((step) => {
    const targets = [...connections].map((c): FaultTarget => ({ account: c.session.account?.id, apply: (fault) => applyFault(c, fault) }));
    faults.atStep(step, targets);
  });

  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const path = q < 0 ? raw : raw.slice(0, q);
    const key = req.headers["sec-websocket-key"];
    if (path !== PRIVATE_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 18\r\nConnection: close\r\n\r\n404 page not found");
      return;
    }
    if (typeof key !== "string" || (req.headers.upgrade ?? "").toLowerCase() !== "websocket" || req.headers["sec-websocket-version"] !== "13") {
      socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`);
    socket.setNoDelay(true);
    accepted++;
    const session = new PrivateSession({
      connId: newConnId(),
      accounts: (): readonly SimAccount[] => venue.accounts(),
      now,
      newId: () => randomUUID(),
      refuses: (op, account) => faults.refuses(op, account.id),
    });
    const c: Connection = { socket, session, idleMs: maxActiveMs(q < 0 ? "" : raw.slice(q + 1)) ?? opts.idleMs ?? DEFAULT_IDLE_MS, timer: undefined, closing: false, stalled: false, held: [] };
    connections.add(c);
    offVenue ??= venue.onChange?.(onChange);
    arm(c);
    const reader = new FrameReader();
    const onBytes = (chunk: Uint8Array): void => {
      if (c.stalled) return;
      let messages;
      try {
        messages = reader.push(chunk);
      } catch (error) {
        shut(c, error instanceof FrameError ? error.closeCode : CLOSE.protocolError, error instanceof Error ? error.message : "protocol error");
        return;
      }
      for (const m of messages) {
        if (m.kind === "text") {
          messagesIn++;
          const replies = session.receive(m.text);
          if (replies.some((r) => r.op === "pong")) arm(c);
          for (const r of replies) send(c, r);
        } else if (m.kind === "ping") {
          if (!c.closing && !c.stalled) c.socket.write(encodeFrame(OPCODE.pong, m.data));
        } else if (m.kind === "close") {
          shut(c, m.code ?? CLOSE.normal, "");
        }
      }
    };
    socket.on("data", onBytes);
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      if (c.timer !== undefined) clearTimeout(c.timer);
      connections.delete(c);
      if (connections.size === 0) {
        offVenue?.();
        offVenue = undefined;
      }
    });
    if (head.length > 0) onBytes(head);
  });

  return {
    stats: () => ({ connections: accepted, open: connections.size, messagesIn, messagesOut, faultsFired: faults.fired() }),
    close() {
      offVenue?.();
      offVenue = undefined;
      offStep?.();
      for (const c of connections) shut(c, CLOSE.goingAway, "server closing");
    },
  };
}

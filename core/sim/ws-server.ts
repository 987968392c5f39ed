/**
 * The private stream's transport on `sim serve`'s node:http server: `ws://HOST:PORT/v5/private`
 * (the upgrade of a GET with Bybit's path; any other path is refused with 404). Each
 * connection is a wire of the PrivateHub (ws-hub.ts), which holds the sessions, the venue
 * listener, the idle cut and the stream faults; the in-process socket (in-process-socket.ts)
 * is the hub's other transport.
 *
 * The idle cut and the "close" fault are a close frame, then the end of the socket; "drop"
 * destroys the socket. WebSocket-level pings (opcode 9) are answered with pongs (not while
 * stalled) but, as on Bybit, only the JSON `op: ping` counts as a heartbeat.
 */
import type { Buffer } from "node:buffer";
import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";
import type { Venue } from "./venue-api.ts";
import { acceptKey, CLOSE, closeFrame, encodeFrame, FrameError, FrameReader, OPCODE } from "./ws-frame.ts";
import { PrivateHub, type PrivateStreamOptions, type PrivateStreamStats } from "./ws-hub.ts";

export { DEFAULT_IDLE_MS, maxActiveMs, type PrivateStreamOptions, type PrivateStreamStats } from "./ws-hub.ts";

export const PRIVATE_PATH = "/v5/private";

export interface PrivateStream {
  stats(): PrivateStreamStats;
  /** Closes every connection (close frame 1001) and stops listening to the venue. */
  close(): void;
}

export function attachPrivateStream(server: Server, venue: Venue, opts: PrivateStreamOptions = {}): PrivateStream {
  const hub = new PrivateHub(venue, opts);

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
    if (!hub.admits()) {
      // Bybit's connection-rate limit: the upgrade is refused
      socket.end("HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\nContent-Length: 17\r\nConnection: close\r\n\r\ntoo many requests");
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`);
    socket.setNoDelay(true);
    const c = hub.open(
      {
        send: (text) => {
          if (!socket.destroyed) socket.write(encodeFrame(OPCODE.text, text));
        },
        close: (code, reason) => {
          if (!socket.destroyed) socket.end(closeFrame(code, reason));
        },
        drop: () => socket.destroy(),
      },
      q < 0 ? "" : raw.slice(q + 1),
    );
    const reader = new FrameReader();
    const onBytes = (chunk: Uint8Array): void => {
      if (c.stalled) return;
      let messages;
      try {
        messages = reader.push(chunk);
      } catch (error) {
        c.shut(error instanceof FrameError ? error.closeCode : CLOSE.protocolError, error instanceof Error ? error.message : "protocol error");
        return;
      }
      for (const m of messages) {
        if (m.kind === "text") c.receive(m.text);
        else if (m.kind === "ping") {
          if (!c.closing && !c.stalled) socket.write(encodeFrame(OPCODE.pong, m.data));
        } else if (m.kind === "close") c.shut(m.code ?? CLOSE.normal);
      }
    };
    socket.on("data", onBytes);
    socket.on("error", () => socket.destroy());
    socket.on("close", () => c.gone());
    if (head.length > 0) onBytes(head);
  });

  return { stats: () => hub.stats(), close: () => hub.close() };
}

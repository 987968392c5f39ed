/**
 * Test support: a bare Bybit private-stream client on the runtime's global WebSocket (no
 * Warden code): sign in with `authArgs`, send ops, and wait for the messages that answer
 * them. Messages are kept in arrival order; `waitFor` hands each one out once.
 */
import { createHmac } from "node:crypto";

export type WsJson = Record<string, unknown>;

export interface PrivateProbe {
  readonly ws: WebSocket;
  /** Every message received so far, parsed. */
  readonly messages: WsJson[];
  send(message: unknown): void;
  /** The first message not handed out yet that matches; rejects after timeoutMs or on close. */
  waitFor(match: (m: WsJson) => boolean, timeoutMs?: number): Promise<WsJson>;
  /** Sends `op` with a fresh req_id and waits for the reply carrying it. */
  request(op: string, args?: unknown[]): Promise<WsJson>;
  /** Resolves with the close code when the server closes the connection. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** `ws://HOST:PORT/v5/private` from `http://HOST:PORT`. */
export function privateUrl(httpUrl: string, query = ""): string {
  return `${httpUrl.replace(/^http/, "ws")}/v5/private${query}`;
}

/** `[apiKey, expires, signature]` as Bybit's docs sign them. */
export function authArgs(apiKey: string, secret: string, expires: number | string = Date.now() + 10_000): [string, number | string, string] {
  return [apiKey, expires, createHmac("sha256", secret).update(`GET/realtime${expires}`).digest("hex")];
}

export const isTopic = (topic: string) => (m: WsJson): boolean => m.topic === topic;

let reqSeq = 0;

export function openPrivate(url: string): Promise<PrivateProbe> {
  const ws = new WebSocket(url);
  const messages: WsJson[] = [];
  const handedOut = new Set<WsJson>();
  const watchers = new Set<() => void>();
  let closedWith: { code: number; reason: string } | undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.addEventListener("close", (e) => {
      closedWith = { code: e.code, reason: e.reason };
      resolve(closedWith);
      for (const w of [...watchers]) w();
    });
  });
  ws.addEventListener("message", (e) => {
    messages.push(JSON.parse(String(e.data)) as WsJson);
    for (const w of [...watchers]) w();
  });
  const probe: PrivateProbe = {
    ws,
    messages,
    closed,
    send: (message) => ws.send(JSON.stringify(message)),
    waitFor(match, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = messages.find((m) => !handedOut.has(m) && match(m));
          if (found !== undefined) {
            handedOut.add(found);
            done();
            resolve(found);
          } else if (closedWith !== undefined) {
            done();
            reject(new Error(`connection closed (${closedWith.code}) before a matching message; got ${JSON.stringify(messages)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    request(op, args) {
      const reqId = `t${++reqSeq}`;
      probe.send({ req_id: reqId, op, ...(args !== undefined ? { args } : {}) });
      return probe.waitFor((m) => m.req_id === reqId);
    },
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.addEventListener("open", () => resolve(probe), { once: true });
    ws.addEventListener("error", () => reject(new Error(`cannot open ${url}`)), { once: true });
  });
}

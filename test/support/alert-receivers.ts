/**
 * Test support: loopback HTTP receivers for alerts (node:http on 127.0.0.1, port 0). A
 * stand-in for the Telegram Bot API (`POST /bot<token>/sendMessage`, answered as Telegram
 * does: `{ ok, result }`, or `{ ok: false, error_code, description, parameters }`, 401 for
 * another token) and a webhook receiver. Replies can be scripted per request ("hang" never
 * answers); every request is recorded, and `waitFor(n)` resolves on the n-th, so tests wait
 * on requests, not on time.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface Received {
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
  /** Wall-clock ms when the request arrived. */
  readonly at: number;
}

export type Reply = { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> } | "hang";

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Replies for the next requests, in order; after them the default answers. */
  script(...replies: Reply[]): void;
  /** Resolves with the requests once `n` have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

async function startReceiver(answer: (req: Received) => Reply): Promise<Receiver> {
  const received: Received[] = [];
  const scripted: Reply[] = [];
  const watchers = new Set<() => void>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        // recorded as {}
      }
      const request = { method: req.method ?? "", path: req.url ?? "", body, at: Date.now() };
      received.push(request);
      const reply = scripted.shift() ?? answer(request);
      if (reply === "hang") hanging.add(res);
      else {
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body));
      }
      for (const w of watchers) w();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script: (...replies) => void scripted.push(...replies),
    waitFor(n, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (received.length < n) return;
          finish();
          resolve(received.slice());
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${received.length} request(s) arrived, waiting for ${n}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          watchers.delete(check);
        };
        watchers.add(check);
        check();
      });
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** A stand-in for the Telegram Bot API that accepts one token. */
export async function startBotApi(token: string): Promise<Receiver> {
  let messageId = 0;
  return startReceiver((req) => {
    const match = /^\/bot([^/]+)\/sendMessage$/.exec(req.path);
    if (req.method !== "POST" || match === null) return { status: 404, body: { ok: false, error_code: 404, description: "Not Found" } };
    if (decodeURIComponent(match[1]!) !== token) return { status: 401, body: { ok: false, error_code: 401, description: "Unauthorized" } };
    if (typeof req.body["text"] !== "string" || req.body["chat_id"] === undefined) return { status: 400, body: { ok: false, error_code: 400, description: "Bad Request: message text is empty" } };
    messageId++;
    return { status: 200, body: { ok: true, result: { message_id: messageId, chat: { id: req.body["chat_id"] }, date: Math.floor(req.at / 1000), text: req.body["text"] } } };
  });
}

/** Telegram's answer to flood control. */
export const tooManyRequests = (retryAfterS: number): Reply => ({
  status: 429,
  body: { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfterS}`, parameters: { retry_after: retryAfterS } },
});

export const serverError = (description = "Internal Server Error"): Reply => ({ status: 500, body: { ok: false, error_code: 500, description } });

/** A webhook receiver: 204 to every POST unless scripted. */
export function startWebhook(): Promise<Receiver> {
  return startReceiver(() => ({ status: 204, body: "" }));
}

/** A scenario for alerts: one long BTCUSDT 0.1 @ 60000, no orders, 8 steps of +100 from `first` (below 57000: adopted past its default stop). */
export function noStopScenario(name: string, first: number, faults: unknown[] = []): Record<string, unknown> {
  return {
    name,
    seed: 7,
    latency: "zero",
    accounts: { main: { apiKey: "sim-main-key", apiSecret: "sim-main-secret", balance: 10000 } },
    instruments: ["BTCUSDT"],
    positions: [{ account: "main", symbol: "BTCUSDT", side: "long", size: 0.1, entryPrice: 60000 }],
    orders: [],
    prices: { BTCUSDT: Array.from({ length: 8 }, (_, i) => first + i * 100) },
    faults,
  };
}

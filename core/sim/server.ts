/**
 * The loopback HTTP transport (`warden sim serve`): node:http, which Bun and Deno both
 * provide. Any HTTP client reaches the simulator by pointing its Bybit base URL here.
 * Control routes (POST /__sim/step?n=N, GET /__sim/state) pass through to the simulator.
 * A hanging response (timeout, lost-response faults) keeps the connection open until the
 * client gives up; `close()` ends every open connection.
 *
 * With `stream`, the same port also serves Bybit's private WebSocket at `/v5/private`
 * (ws-server.ts), and `GET /__sim/state` reports its connections and messages under
 * `websocket`, apart from the REST request counts.
 */
import { Buffer } from "node:buffer";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { RuntimeFault } from "../errors.ts";
import type { SimRequest, SimResponse, SimulatorApi } from "./http-types.ts";
import type { Venue } from "./venue-api.ts";
import { attachPrivateStream, type PrivateStream, type PrivateStreamOptions } from "./ws-server.ts";

export interface ServerOptions {
  port?: number;
  host?: "127.0.0.1";
  /** Serve the private WebSocket stream of this venue at /v5/private. */
  stream?: PrivateStreamOptions & { readonly venue: Venue };
}

export interface SimServer {
  /** e.g. "http://127.0.0.1:43123" */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    req.on("data", (chunk: Uint8Array) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function toSimRequest(req: IncomingMessage): Promise<SimRequest> {
  const raw = req.url ?? "/";
  const q = raw.indexOf("?");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  const method = (req.method ?? "GET").toUpperCase();
  return {
    method,
    path: q < 0 ? raw : raw.slice(0, q),
    query: q < 0 ? "" : raw.slice(q + 1),
    body: method === "GET" || method === "HEAD" ? "" : await readBody(req),
    headers,
    ip: req.socket.remoteAddress ?? "127.0.0.1",
  };
}

function send(res: ServerResponse, sim: SimResponse): void {
  const body = typeof sim.body === "string" ? sim.body : JSON.stringify(sim.body);
  res.writeHead(sim.status, { ...sim.headers, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}

export function startServer(sim: SimulatorApi, opts: ServerOptions = {}): Promise<SimServer> {
  const host = opts.host ?? "127.0.0.1";
  const sockets = new Set<Socket>();
  let stream: PrivateStream | undefined;
  const server = createServer((req, res) => {
    toSimRequest(req)
      .then((simReq) => sim.handle(simReq).then((simRes) => (simReq.path === "/__sim/state" ? withStreamStats(simRes, stream) : simRes)))
      .then((simRes) => {
        // A hanging response is never sent: the client times out or the server closes.
        if (!simRes.hang) send(res, simRes);
      })
      .catch((error: unknown) => {
        if (!res.headersSent) send(res, { status: 500, headers: { "Content-Type": "text/plain" }, body: `simulator error: ${String(error)}` });
      });
  });
  if (opts.stream !== undefined) stream = attachPrivateStream(server, opts.stream.venue, opts.stream);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve, reject) => {
    server.once("error", (error: Error & { code?: string }) => {
      if (error.code === "EADDRINUSE") reject(new RuntimeFault("SIM_PORT_IN_USE", `port ${opts.port ?? 0} on ${host} is in use; pick another --port, or 0 for a free one`, { cause: error }));
      else reject(error);
    });
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : (opts.port ?? 0);
      resolve({
        url: `http://${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            stream?.close();
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function withStreamStats(res: SimResponse, stream: PrivateStream | undefined): SimResponse {
  if (stream === undefined || res.status !== 200 || typeof res.body !== "object" || res.body === null) return res;
  return { ...res, body: { ...res.body, websocket: stream.stats() } };
}

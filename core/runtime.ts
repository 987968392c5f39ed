/**
 * The one module that knows which runtime it is on. Everything else uses Web APIs and
 * `node:` built-ins that Bun and Deno both support.
 */
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import process from "node:process";

export type RuntimeName = "bun" | "deno" | "node";

export function runtimeName(): RuntimeName {
  const g = globalThis as Record<string, unknown>;
  if (g["Bun"] !== undefined) return "bun";
  if (g["Deno"] !== undefined) return "deno";
  return "node";
}

/** The runtime and its own version, e.g. "bun 1.4.4" (Bun and Deno also report a Node-compatible `process.version`). */
export function runtimeVersion(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun !== undefined) return `bun ${g.Bun.version}`;
  if (g.Deno !== undefined) return `deno ${g.Deno.version.deno}`;
  return `node ${process.version.replace(/^v/, "")}`;
}

export function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

/** The names of the environment's variables (the exit boundary's last guard looks for every account's keys). */
export function envNames(): string[] {
  return Object.keys(process.env);
}

export function argv(): string[] {
  return process.argv.slice(2);
}

export function isTTY(stream: "stdout" | "stderr" = "stdout"): boolean {
  return Boolean(process[stream].isTTY);
}

/** The terminal's width when stdout is one. */
export function terminalColumns(): number | undefined {
  const columns = process.stdout.columns;
  return typeof columns === "number" && columns > 0 ? columns : undefined;
}

export function useColor(): boolean {
  return isTTY() && env("NO_COLOR") === undefined;
}

export function exit(code: number): never {
  process.exit(code);
}

export function pid(): number {
  return process.pid;
}

/** CPU time used by this process, in microseconds (user + system). */
export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

export function rssBytes(): number {
  return process.memoryUsage().rss;
}

export function onSignals(signals: ("SIGINT" | "SIGTERM")[], handler: (signal: string) => void): () => void {
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

export function writeStdout(text: string): void {
  process.stdout.write(text);
}

export function writeStderr(text: string): void {
  process.stderr.write(text);
}

/** True while a process with this pid exists on this host (signal 0 probes without signalling). */
export function isProcessAlive(processId: number): boolean {
  if (!Number.isInteger(processId) || processId <= 0) return false;
  try {
    process.kill(processId, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM"; // exists, owned by someone else
  }
}

/** Runs `handler` synchronously when the process exits normally; returns the remover. */
export function onExit(handler: () => void): () => void {
  process.on("exit", handler);
  return () => {
    process.off("exit", handler);
  };
}

/** How long this process has been running, ms. */
export function uptimeMs(): number {
  return process.uptime() * 1_000;
}

/** One HTTP answer, as plain data. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface HttpListener {
  readonly host: string;
  /** The bound port (the one picked when 0 was asked). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * A small HTTP server (node:http, which Bun and Deno both provide) that answers each request
 * from its method and path. Rejects with the listen error as it comes (`code` EADDRINUSE,
 * EACCES, EADDRNOTAVAIL...): the caller names it. `close()` ends open connections too.
 */
export function serveHttp(opts: { readonly host: string; readonly port: number }, answer: (method: string, path: string) => HttpAnswer | Promise<HttpAnswer>): Promise<HttpListener> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    Promise.resolve()
      .then(() => answer((req.method ?? "GET").toUpperCase(), path))
      .catch((error: unknown): HttpAnswer => ({ status: 500, headers: { "Content-Type": "text/plain; charset=utf-8" }, body: `${error instanceof Error ? error.message : String(error)}\n` }))
      .then((a) => {
        res.writeHead(a.status, { ...a.headers, "Content-Length": String(Buffer.byteLength(a.body)) });
        res.end(req.method === "HEAD" ? undefined : a.body);
      })
      .catch(() => res.destroy()); // the client went away mid-answer
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      // Once listening, a server error (EMFILE on accept...) fails that request alone: it
      // must not take the process, and what it serves, down with it.
      server.on("error", () => {});
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : opts.port;
      resolve({
        host: opts.host,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

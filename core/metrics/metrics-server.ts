/**
 * `run --metrics-port N`: the Prometheus exposition at `/metrics` and a liveness answer at
 * `/healthz` (200 while the engine's last cycle is within 3 intervals, 503 otherwise), on
 * the runtime's HTTP server. A port already taken is a RuntimeFault with a stable code
 * (exit 3), said in one line.
 */
import { RuntimeFault } from "../errors.ts";
import { serveHttp, type HttpAnswer, type HttpListener } from "../runtime.ts";
import type { LastCycle, WardenMetrics } from "./warden-metrics.ts";

export const DEFAULT_METRICS_HOST = "127.0.0.1";

/** /healthz answers 200 while the last cycle completed within this many intervals. */
export const HEALTHY_INTERVALS = 3;

export interface MetricsServerOptions {
  readonly host: string;
  readonly port: number;
  /** The engine's interval between cycles, ms (the staleness limit is 3 of them). */
  readonly intervalMs: number;
  readonly now?: () => number;
}

export interface Health {
  readonly status: "ok" | "stale" | "starting";
  /** Seconds since the last cycle completed; absent before the first. */
  readonly lastCycleAgeSeconds?: number;
  readonly lastCycle?: number;
  readonly limitSeconds: number;
}

/** Healthy while the last cycle is at most 3 intervals old (at least 1 s, for back-to-back simulator cycles). */
export function health(last: LastCycle | undefined, now: number, intervalMs: number): Health {
  const limitSeconds = Math.max(1_000, HEALTHY_INTERVALS * intervalMs) / 1000;
  if (last === undefined) return { status: "starting", limitSeconds };
  const age = Math.max(0, now - last.at) / 1000;
  return { status: age <= limitSeconds ? "ok" : "stale", lastCycleAgeSeconds: Math.round(age * 1000) / 1000, lastCycle: last.cycle, limitSeconds };
}

export function answer(metrics: WardenMetrics, opts: Pick<MetricsServerOptions, "intervalMs" | "now">) {
  const now = opts.now ?? (() => Date.now());
  return async (method: string, path: string): Promise<HttpAnswer> => {
    if (method !== "GET" && method !== "HEAD") return plain(405, "only GET and HEAD\n", { Allow: "GET, HEAD" });
    if (path === "/metrics") {
      const { contentType, body } = await metrics.exposition();
      return { status: 200, headers: { "Content-Type": contentType }, body };
    }
    if (path === "/healthz") {
      const h = health(metrics.lastCycle(), now(), opts.intervalMs);
      return { status: h.status === "ok" ? 200 : 503, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" }, body: `${JSON.stringify(h)}\n` };
    }
    return plain(404, "not found: try /metrics or /healthz\n");
  };
}

function plain(status: number, body: string, headers: Record<string, string> = {}): HttpAnswer {
  return { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers }, body };
}

/** Where to scrape: `http://HOST:PORT/metrics` (an IPv6 host in brackets). */
export function metricsUrl(listener: Pick<HttpListener, "host" | "port">): string {
  const host = listener.host.includes(":") ? `[${listener.host}]` : listener.host;
  return `http://${host}:${listener.port}/metrics`;
}

export async function startMetricsServer(metrics: WardenMetrics, opts: MetricsServerOptions): Promise<HttpListener> {
  try {
    return await serveHttp({ host: opts.host, port: opts.port }, answer(metrics, opts));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const where = `${opts.host}:${opts.port}`;
    if (code === "EADDRINUSE") throw new RuntimeFault("METRICS_PORT_IN_USE", `--metrics-port ${opts.port}: port in use on ${opts.host}; choose another port (0 picks a free one) or stop what listens there`, { cause: error });
    const reason = error instanceof Error ? error.message : String(error);
    throw new RuntimeFault("METRICS_LISTEN_FAILED", `cannot serve metrics on ${where}: ${reason}`, { cause: error });
  }
}

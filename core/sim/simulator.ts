/**
 * The simulator: Bybit v5's REST surface over the matching venue, independent of transport.
 * `handle(request)` does, in Bybit's order: per-IP limit (HTTP 403), faults, routing,
 * signature, per-account endpoint limit (10006), the endpoint itself, and wraps the result in
 * Bybit's envelope `{ retCode, retMsg, result, retExtInfo, time }` with HTTP 200, also for
 * refusals (retCode != 0), as Bybit does.
 *
 * Latency is real waiting here, in handle(), so both transports get it: half of the
 * endpoint's delay before the request "arrives" (is checked and applied to the venue), half
 * after, as a round trip would split. Timers only, so many concurrent requests overlap.
 *
 * Two clocks: the venue's virtual clock (order and execution times, matching) and the wall
 * clock (signatures' receive window, rate-limit windows, the envelope's `time` and
 * /v5/market/time, all shifted by any clock-skew fault). ccxt signs with the wall clock, so
 * the receive window must be checked against it.
 */
import { sleep } from "../clock.ts";
import { accountOfKey, authenticate } from "./auth.ts";
import { FaultInjector, type FaultKind, type FaultSpec } from "./faults.ts";
import type { SimLogEntry, SimRequest, SimResponse, SimulatorApi } from "./http-types.ts";
import { LatencyModel, parseLatencyProfile, type LatencyProfile } from "./latency.ts";
import { RateLimiter, type IpLimitStats } from "./rate-limit.ts";
import { accountRoutes } from "./rest-account.ts";
import { marketRoutes } from "./rest-market.ts";
import type { Route, RouteTable } from "./rest-route.ts";
import { tradingRoutes } from "./rest-trading.ts";
import type { Scenario } from "./scenario-schema.ts";
import { createVenue } from "./venue.ts";
import { SimError, type Params, type SimAccount, type Venue } from "./venue-api.ts";

export interface SimulatorOptions {
  /** Overrides the scenario's latency profile. */
  readonly latency?: LatencyProfile;
  /** Overrides the scenario's seed (latency draws, fault probabilities). */
  readonly seed?: number;
  /** Added to the scenario's faults. */
  readonly faults?: readonly FaultSpec[];
  /** Apply Bybit's rate limits (default true); off to measure the simulator's own throughput. */
  readonly rateLimits?: boolean;
  /** How long an IP stays banned after breaking the IP limit; default Bybit's 10 minutes (0: to the end of its 5 s window). */
  readonly ipBanMs?: number;
  /** The wall clock (ms) for signatures and limit windows; tests may inject one. */
  readonly wallClock?: () => number;
  /** Keep at most this many log entries (oldest dropped first); default 200 000. */
  readonly logLimit?: number;
}

export interface Simulator extends SimulatorApi {
  readonly venue: Venue;
  readonly latency: LatencyProfile;
  /** Requests served per endpoint path, since start (never trimmed). */
  requestCounts(): Record<string, number>;
  /** The per-IP limit (600 per 5 s, shared by every account): its peak window and its 403 refusals so far. */
  ipLimit(): IpLimitStats;
}

export const ROUTES: RouteTable = { ...marketRoutes, ...accountRoutes, ...tradingRoutes };

const JSON_HEADERS = { "Content-Type": "application/json" } as const;

/** Bybit's edge answers these with HTML, not JSON. */
const GATEWAY_PAGES: Record<502 | 503, string> = {
  502: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
  503: "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n",
};

function text(status: number, body: string, contentType = "text/plain"): SimResponse {
  return { status, headers: { "Content-Type": contentType }, body };
}

export function createSimulator(scenario: Scenario, opts: SimulatorOptions = {}): Simulator {
  return simulatorOn(createVenue(scenario), {
    ...opts,
    latency: opts.latency ?? parseLatencyProfile(scenario.latency) ?? "recorded",
    seed: opts.seed ?? scenario.seed,
    faults: [...scenario.faults, ...(opts.faults ?? [])],
  });
}

/** The REST layer over any venue (the real one, or a test's fake). */
export function simulatorOn(venue: Venue, opts: SimulatorOptions = {}): Simulator {
  const wall = opts.wallClock ?? Date.now;
  const seed = opts.seed ?? 1;
  const latency = new LatencyModel(opts.latency ?? "zero", seed);
  const faults = new FaultInjector(opts.faults ?? [], seed);
  const limiter = new RateLimiter({ now: wall, ...(opts.ipBanMs !== undefined ? { ipBanMs: opts.ipBanMs } : {}) });
  const limitsOn = opts.rateLimits ?? true;
  const logLimit = opts.logLimit ?? 200_000;
  const log: SimLogEntry[] = [];
  const counts = new Map<string, number>();
  let gatewayFaults = 0;

  function record(req: SimRequest, account: SimAccount | undefined, res: SimResponse): SimResponse {
    const body = res.body as { retCode?: unknown } | undefined;
    const retCode = typeof body === "object" && body !== null && typeof body.retCode === "number" ? body.retCode : undefined;
    log.push({ at: wall(), method: req.method, path: req.path, account: account?.id, status: res.hang ? 0 : res.status, retCode });
    if (log.length > logLimit) log.splice(0, log.length - Math.floor(logLimit / 2));
    counts.set(req.path, (counts.get(req.path) ?? 0) + 1);
    return res;
  }

  function envelope(serverNow: number, retCode: number, retMsg: string, result: unknown, headers: Record<string, string> = {}): SimResponse {
    return {
      status: 200,
      headers: { ...JSON_HEADERS, Timenow: String(Math.floor(serverNow)), ...headers },
      body: { retCode, retMsg, result, retExtInfo: {}, time: Math.floor(serverNow) },
    };
  }

  function state(): unknown {
    const venueState = venue.state();
    return {
      ...(typeof venueState === "object" && venueState !== null ? venueState : { venue: venueState }),
      requests: Object.fromEntries(counts),
      faultsFired: faults.firedCounts(),
    };
  }

  function control(req: SimRequest): SimResponse {
    if (req.path === "/__sim/state" && req.method === "GET") return { status: 200, headers: JSON_HEADERS, body: state() };
    if (req.path === "/__sim/step" && req.method === "POST") {
      const raw = new URLSearchParams(req.query).get("n");
      const n = raw === null || raw === "" ? 1 : Number(raw);
      if (!Number.isInteger(n) || n < 0) return text(400, `n must be a non-negative integer, got "${raw}"`);
      venue.step(n);
      return { status: 200, headers: JSON_HEADERS, body: { step: venue.stepIndex(), finished: venue.finished(), now: venue.now() } };
    }
    return text(404, "404 page not found");
  }

  /** Answer a request that has arrived at the exchange (after the first half of its latency). */
  function arrive(req: SimRequest, fault: FaultKind | undefined, keyAccount: SimAccount | undefined, step: number): SimResponse {
    const path = req.path;
    if (fault === "timeout") return { status: 504, headers: {}, body: "", hang: true };
    if (fault === "403") return text(403, "access too frequent");
    if (fault === "5xx") {
      const status = gatewayFaults++ % 2 === 0 ? 502 : 503;
      return text(status, GATEWAY_PAGES[status], "text/html");
    }
    const route: Route | undefined = ROUTES[path];
    if (route === undefined || route.method !== req.method.toUpperCase()) return text(404, "404 page not found");
    const serverNow = wall() + faults.skewMs(keyAccount?.id, step);
    let headers: Record<string, string> = {};
    try {
      if (route.private) {
        const account = authenticate(req, venue.accounts(), serverNow);
        if (limitsOn) {
          const verdict = limiter.allowEndpoint(account.id, path);
          headers = verdict.headers;
          if (!verdict.allowed) throw new SimError(10006, "Too many visits. Exceeded the API Rate Limit.");
        } else headers = limiter.peekHeaders(account.id, path);
      }
      if (fault === "10006") {
        headers = { ...headers, "X-Bapi-Limit-Status": "0" };
        throw new SimError(10006, "Too many visits. Exceeded the API Rate Limit.");
      }
      if (fault === "10016") throw new SimError(10016, "Service is restarting, please retry later.");
      // Private routes only run signed in; keyAccount is then the signed-in account.
      const account = route.private ? keyAccount : undefined;
      const result = route.run({ venue, account, query: new URLSearchParams(req.query), body: parseBody(req), serverNow });
      const res = envelope(serverNow, 0, "OK", result, headers);
      return fault === "lost-response" ? { ...res, hang: true } : res;
    } catch (error) {
      if (error instanceof SimError) return envelope(serverNow, error.retCode, error.message, {}, headers);
      // A bug in the simulator: say so plainly rather than pretend to be Bybit.
      return text(500, `simulator error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async function handle(req: SimRequest): Promise<SimResponse> {
    if (req.path.startsWith("/__sim/")) return record(req, undefined, control(req));
    const delay = latency.delayFor(req.path);
    const half = Math.floor(delay / 2);
    if (half > 0) await sleep(half);
    const keyAccount = accountOfKey(req, venue.accounts());
    if (limitsOn && !limiter.allowIp(req.ip ?? "127.0.0.1")) {
      const res = text(403, "access too frequent");
      if (delay - half > 0) await sleep(delay - half);
      return record(req, keyAccount, res);
    }
    const step = venue.stepIndex();
    const fault = faults.pick({ path: req.path, account: keyAccount?.id, step });
    const res = arrive(req, fault, keyAccount, step);
    if (!res.hang && delay - half > 0) await sleep(delay - half);
    // Logged under the account whose key the request carried, signed in or not.
    return record(req, keyAccount, res);
  }

  return {
    venue,
    latency: latency.profile,
    handle,
    step: (n = 1) => venue.step(n),
    finished: () => venue.finished(),
    state,
    log,
    requestCounts: () => Object.fromEntries(counts),
    ipLimit: () => limiter.ipStats(),
  };
}

function parseBody(req: SimRequest): Params {
  if (req.method.toUpperCase() !== "POST" || req.body.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body);
  } catch {
    throw new SimError(10001, "params error: request body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new SimError(10001, "params error: request body must be a JSON object");
  return parsed as Params;
}

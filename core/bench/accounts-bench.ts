/**
 * `bench --accounts N[,N...]`: Warden (the `warden` strategy) on a generated roster scenario
 * (core/sim/roster-scenario-gen.ts: 1 leader, N-1 followers, M positions each) on the
 * in-process simulator, one engine for all N accounts. Per size it measures, per cycle:
 *
 * - every account's REST calls as sent (attributed by API key): its listing reads (positions
 *   and open orders by settleCoin) against its floor ceil(positions/200) + ceil(orders/50)
 *   (floor.ts), for the accounts the cycle read; lookups of vanished orders (by orderLinkId,
 *   then order history) and writes beside them;
 * - Bybit's per-IP limit as the simulator enforces it (600 requests per 5 s, all accounts of
 *   the process together): its HTTP 403 answers and its peak window;
 * - cycle wall time, the engine's own CPU per account, failed accounts, unprotected positions.
 *
 * Pacing: cycles on the simulator run on a virtual clock, so back to back they would send
 * requests much faster than a live run does (it pauses intervalMs, 2 s, between cycles), and
 * faster than the IP limit allows at tens of accounts. Each cycle therefore starts once the
 * engine's own rate budget has room in the IP window for twice the cycle's read floor; the
 * pause is reported, not counted as cycle time. Whether the requests then stay inside the
 * limit is up to Warden's budget: the 403 count says whether they did.
 *
 * The path: twice as many steps as cycles (a 15-minute path squeezed into 16 steps would
 * fill nearly every order at once), so the run covers its first half, the leader's stop
 * cancelled by hand at a third of the path and its position closed by hand at the last cycle.
 */
import { openSimSession } from "../../app/sim-session.ts";
import type { LatencyProfile } from "../sim/latency.ts";
import { generateRosterScenario } from "../sim/roster-scenario-gen.ts";
import { cpuMicros } from "../runtime.ts";
import { ORDERS_PAGE, ORDERS_PATH, POSITIONS_PAGE, POSITIONS_PATH, pagesFor } from "./floor.ts";
import { accountCountsOf } from "./sim-bench-session.ts";
import { gate, type Gate } from "./gates.ts";
import { mean, summarize, type Summary } from "./statistics.ts";

export const ACCOUNTS_POSITIONS = 30;
export const ACCOUNTS_CYCLES = 40;
export const ACCOUNTS_QUICK_CYCLES = 15;

export interface AccountsBenchOptions {
  readonly accounts: readonly number[];
  readonly positions?: number;
  readonly cycles?: number;
  readonly quick?: boolean;
  readonly latency?: LatencyProfile;
  readonly seed?: number;
  readonly onProgress?: (line: string) => void;
}

export interface AccountsPoint {
  readonly accounts: number;
  readonly positions: number;
  readonly monitors: number;
  readonly cycles: number;
  /** Listing reads per account per cycle, over the accounts each cycle read. */
  readonly readsPerAccount: { readonly mean: number; readonly max: number };
  /** The floor per account read, mean over the same account-cycles. */
  readonly floorPerAccount: number;
  /** The most listing reads any account made in a cycle beyond its floor (pagesStoppingShort: a listing that fills its last page exactly needs the empty page after it); 0: all at the floor; null when none was read. */
  readonly overFloorMax: number | null;
  /** Lookups (by orderLinkId, order history) and writes per account per cycle (all accounts), means. */
  readonly lookupsPerAccount: number;
  readonly writesPerAccount: number;
  readonly http403: number;
  readonly ipPeak: number;
  readonly ipLimit: number;
  readonly cycleMs: Summary;
  /** Wall time waited before cycles for IP room (the pacing), per cycle. */
  readonly pauseMs: Summary;
  /** The engine's own CPU per cycle divided by the accounts, ms (steady mean from cycle 3). */
  readonly engineCpuMsPerAccount: number;
  /** Process CPU per cycle (engine, ccxt, simulator and transport) per account, ms. */
  readonly processCpuMsPerAccount: number;
  readonly failedAccountCycles: number;
  readonly unprotectedAtEnd: number;
}

export interface AccountsDocument {
  readonly kind: "accounts";
  readonly latency: LatencyProfile;
  readonly seed: number;
  readonly points: readonly AccountsPoint[];
  readonly gates: readonly Gate[];
}

/**
 * Pages a client that stops on a short page reads: the floor's, plus one when the listing
 * fills its last page exactly (Bybit gives that page a cursor too, so only the empty page
 * after it says the listing ended).
 */
export function pagesStoppingShort(n: number, size: number): number {
  return pagesFor(n, size) + (n > 0 && n % size === 0 ? 1 : 0);
}

async function runPoint(n: number, opts: AccountsBenchOptions): Promise<AccountsPoint> {
  const positions = opts.positions ?? ACCOUNTS_POSITIONS;
  const cycles = opts.cycles ?? (opts.quick === true ? ACCOUNTS_QUICK_CYCLES : ACCOUNTS_CYCLES);
  const latency = opts.latency ?? "recorded";
  const seed = opts.seed ?? 1;
  const scenario = generateRosterScenario({ accounts: n, positions, seed, steps: Math.max(8, 2 * cycles - 2), latency });
  const byKey = new Map(Object.entries(scenario.accounts).map(([name, a]) => [a.apiKey, name]));
  let sent = new Map<string, { listings: number; lookups: number; writes: number }>();
  const count = (input: RequestInfo | URL, init: RequestInit | undefined): void => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    const account = byKey.get(headers.get("x-bapi-api-key") ?? "");
    if (account === undefined) return;
    const a = sent.get(account) ?? { listings: 0, lookups: 0, writes: 0 };
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (method !== "GET") a.writes++;
    else if (url.searchParams.has("settleCoin") && (url.pathname === POSITIONS_PATH || url.pathname === ORDERS_PATH)) a.listings++;
    else a.lookups++;
    sent.set(account, a);
  };
  const session = await openSimSession(scenario, {
    strategy: "warden",
    latency,
    seed,
    fetch: (f) => ((input: RequestInfo | URL, init?: RequestInit) => {
      count(input, init);
      return f(input, init);
    }) as typeof fetch,
  });
  const log = session.sim.log;
  const reads: number[] = [];
  const floors: number[] = [];
  const lookups: number[] = [];
  const writes: number[] = [];
  const over: number[] = [];
  const durations: number[] = [];
  const pauses: number[] = [];
  const engineCpu: number[] = [];
  const processCpu: number[] = [];
  let failed = 0;
  let unprotected = 0;
  let monitors = 0;
  for (let c = 1; c <= cycles && !session.finished(); c++) {
    const counts = accountCountsOf(session.sim.state());
    const floor = new Map(counts.map((a) => [a.account, pagesFor(a.positions, POSITIONS_PAGE) + pagesFor(a.orders, ORDERS_PAGE)]));
    const shortPageFloor = new Map(counts.map((a) => [a.account, pagesStoppingShort(a.positions, POSITIONS_PAGE) + pagesStoppingShort(a.orders, ORDERS_PAGE)]));
    const need = Math.min(session.sim.ipLimit().limit, 2 * [...floor.values()].reduce((s, x) => s + x, 0));
    const p0 = performance.now();
    while (session.engine.budgetLeft().ip < need) await new Promise((resolve) => setTimeout(resolve, 5));
    pauses.push(performance.now() - p0);
    sent = new Map();
    const cpu0 = cpuMicros();
    const report = await session.runCycle();
    processCpu.push((cpuMicros() - cpu0) / 1000 / n);
    durations.push(report.durationMs);
    engineCpu.push(report.engineCpuMicros / 1000 / n);
    failed += report.failedAccounts;
    unprotected = report.unprotected;
    monitors = Math.max(monitors, report.monitors);
    for (const [account, a] of sent) {
      if (a.listings === 0) continue;
      const f = floor.get(account) ?? 0;
      reads.push(a.listings);
      floors.push(f);
      over.push(a.listings - (shortPageFloor.get(account) ?? f));
    }
    lookups.push([...sent.values()].reduce((s, a) => s + a.lookups, 0) / n);
    writes.push([...sent.values()].reduce((s, a) => s + a.writes, 0) / n);
    opts.onProgress?.(`${n} accounts: cycle ${c}/${cycles} (${report.durationMs.toFixed(0)} ms, ${report.restCalls} calls)`);
  }
  await session.close();
  const ip = session.sim.ipLimit();
  const steady = engineCpu.length >= 6 ? engineCpu.slice(2) : engineCpu;
  return {
    accounts: n,
    positions,
    monitors,
    cycles: durations.length,
    readsPerAccount: { mean: mean(reads), max: Math.max(...reads) },
    floorPerAccount: mean(floors),
    overFloorMax: over.length === 0 ? null : Math.max(...over),
    lookupsPerAccount: mean(lookups),
    writesPerAccount: mean(writes),
    http403: log.filter((e) => e.status === 403).length,
    ipPeak: ip.peak,
    ipLimit: ip.limit,
    cycleMs: summarize(durations),
    pauseMs: summarize(pauses),
    engineCpuMsPerAccount: mean(steady),
    processCpuMsPerAccount: mean(processCpu),
    failedAccountCycles: failed,
    unprotectedAtEnd: unprotected,
  };
}

/** The gates per size: no HTTP 403 from the IP limit, every account's listings at its floor in every cycle, nothing unprotected at the end. */
export function accountsGates(points: readonly AccountsPoint[]): Gate[] {
  return points.flatMap((p) => [
    gate(`accounts.${p.accounts}.no-http-403`, p.http403, "<=", 0),
    gate(`accounts.${p.accounts}.ip-window-peak-within-limit`, p.ipPeak, "<=", p.ipLimit),
    gate(`accounts.${p.accounts}.listing-reads-per-account-at-floor`, p.overFloorMax, "<=", 0),
    gate(`accounts.${p.accounts}.no-unprotected-at-end`, p.unprotectedAtEnd, "<=", 0),
  ]);
}

export async function runAccountsBench(opts: AccountsBenchOptions): Promise<AccountsDocument> {
  const points: AccountsPoint[] = [];
  for (const n of opts.accounts) points.push(await runPoint(n, opts));
  return { kind: "accounts", latency: opts.latency ?? "recorded", seed: opts.seed ?? 1, points, gates: accountsGates(points) };
}

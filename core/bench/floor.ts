/**
 * The floor: the fewest REST calls, and the shortest wait, in which any client can read
 * what one cycle needs (every account's positions and open orders), given the pagination
 * Bybit v5 imposes (DESIGN, "Exchange access"):
 *
 * - calls: per account ceil(N/200) + ceil(M/50) for N open positions and M open orders,
 *   except that a listing costs at least one call even when it is empty (ceil(0/50) = 0,
 *   but nobody learns "no orders" without asking). Accounts with neither positions nor
 *   orders have no monitors and are not read at all.
 * - forced empty pages: Bybit gives the last non-empty page a non-empty cursor too, so a
 *   client that follows cursors (ccxt `paginate: true`) makes one more request per
 *   non-empty listing, answered with an empty page. `callsFollowingCursor` counts those;
 *   it is the floor for a cursor-following client, and the tolerance of the calls gate.
 * - latency: pages of one listing are sequential, listings and accounts run in parallel,
 *   so the typical floor is the longest listing's pages times its endpoint's median latency
 *   (`latencyMs`). The floor's DISTRIBUTION (`latencyFloorSamples`) is a seeded Monte Carlo
 *   of the same shape under the latency profile: per draw, each page of each listing gets
 *   its own latency, a listing takes the sum of its pages, a cycle the maximum over all
 *   listings of all accounts. Its p95 is what a cycle's p95 is compared with: a p95 against
 *   a median would ask a client to beat the exchange's own tail.
 */
import { LatencyModel, RECORDED_LATENCY, latencyClassOf, type LatencyProfile } from "../sim/latency.ts";

export const POSITIONS_PAGE = 200;
export const ORDERS_PAGE = 50;
export const POSITIONS_PATH = "/v5/position/list";
export const ORDERS_PATH = "/v5/order/realtime";

/** What one account holds at the start of a cycle. */
export interface AccountCounts {
  readonly account: string;
  readonly positions: number;
  readonly orders: number;
}

/** One listing the floor reads: its endpoint and how many sequential pages it takes. */
export interface FloorListing {
  readonly path: string;
  readonly pages: number;
}

export interface CycleFloor {
  readonly calls: number;
  readonly callsFollowingCursor: number;
  /** The longest listing's pages times its endpoint's median latency. */
  readonly latencyMs: number;
  /** The listings of every account read (the shape the latency distribution is drawn from). */
  readonly listings: readonly FloorListing[];
}

/** Pages a listing of n records needs at `size` per page (at least one). */
export function pagesFor(n: number, size: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`a listing of ${n} records`);
  return Math.max(1, Math.ceil(n / size));
}

/** Requests a cursor-following client makes: the pages, plus the empty page after a non-empty listing. */
export function pagesFollowingCursor(n: number, size: number): number {
  return n === 0 ? 1 : pagesFor(n, size) + 1;
}

/** Median latency of one endpoint under a profile, ms. */
export function medianLatencyMs(profile: LatencyProfile, path: string): number {
  if (profile === "zero") return 0;
  const cls = latencyClassOf(path);
  if (cls === "control") return 0;
  if (profile.startsWith("fixed:")) return Number(profile.slice("fixed:".length));
  return RECORDED_LATENCY[cls].medianMs;
}

export function cycleFloor(accounts: readonly AccountCounts[], profile: LatencyProfile): CycleFloor {
  let calls = 0;
  let callsFollowingCursor = 0;
  let latencyMs = 0;
  const listings: FloorListing[] = [];
  const posMs = medianLatencyMs(profile, POSITIONS_PATH);
  const ordMs = medianLatencyMs(profile, ORDERS_PATH);
  for (const a of accounts) {
    if (a.positions === 0 && a.orders === 0) continue;
    const posPages = pagesFor(a.positions, POSITIONS_PAGE);
    const ordPages = pagesFor(a.orders, ORDERS_PAGE);
    calls += posPages + ordPages;
    callsFollowingCursor += pagesFollowingCursor(a.positions, POSITIONS_PAGE) + pagesFollowingCursor(a.orders, ORDERS_PAGE);
    latencyMs = Math.max(latencyMs, posPages * posMs, ordPages * ordMs);
    listings.push({ path: POSITIONS_PATH, pages: posPages }, { path: ORDERS_PATH, pages: ordPages });
  }
  return { calls, callsFollowingCursor, latencyMs, listings };
}

/** Monte Carlo draws of the latency floor per cycle shape (enough for a stable p95). */
export const FLOOR_DRAWS_PER_CYCLE = 400;

/**
 * Seeded draws of the latency floor for these cycles: for each cycle, `draws` times, every
 * page of every listing gets a latency from the profile (the simulator's own model), a
 * listing lasts the sum of its pages, the cycle the maximum over its listings. Pooled over
 * the cycles, the draws are the floor's distribution for the run.
 */
export function latencyFloorSamples(
  cycles: readonly Pick<CycleFloor, "listings">[],
  profile: LatencyProfile,
  seed: number,
  draws: number = FLOOR_DRAWS_PER_CYCLE,
): number[] {
  const model = new LatencyModel(profile, seed);
  const out: number[] = [];
  for (const c of cycles) {
    for (let d = 0; d < draws; d++) {
      let longest = 0;
      for (const l of c.listings) {
        let sum = 0;
        for (let p = 0; p < l.pages; p++) sum += model.delayFor(l.path);
        if (sum > longest) longest = sum;
      }
      out.push(longest);
    }
  }
  return out;
}

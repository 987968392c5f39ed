/**
 * What the harness needs from one strategy's fresh simulator + engine. The one file that
 * knows the engine's and simulator's real shapes is sim-bench-session.ts; tests hand the
 * harness their own sessions through this port.
 */
// the bench's strategies are the read paths: naive, ttl, warden and stream
import type { ReadPathName as StrategyName } from "../engine/read-path.ts";
import type { LatencyProfile } from "../sim/latency.ts";
import type { Scenario } from "../sim/scenario-schema.ts";
import type { ConnectionPoolMeter } from "./connection-pool.ts";
import type { ReactionStamp } from "./fill-reaction.ts";
import type { AccountCounts } from "./floor.ts";

/** What one engine cycle reported that the bench uses. */
export interface SessionCycle {
  /** Wall time of the engine cycle as the engine measured it, ms. */
  readonly durationMs: number;
  readonly monitors: number;
  readonly due: number;
  /** REST calls the adapters counted (requestStats) during the cycle. */
  readonly restCalls: number;
  readonly hits: number;
  readonly misses: number;
  /** The engine's own CPU this cycle (CycleReport.engineCpuMicros: discover, decide, announce, schedule, save; not ccxt or the transport), µs. */
  readonly engineCpuMicros: number;
  /** Set when the cycle failed (a read the engine could not do); the figures above still count. */
  readonly error?: string;
  /** REST calls the stream's audits made in this cycle (`stream.audit` events); 0 or absent for polling. */
  readonly auditCalls?: number;
}

/**
 * What one session saw of fills and of the reactions to them (fill-reaction.ts turns it into
 * latencies), and of its private stream. Times are real (performance.now), stamped at the venue.
 */
export interface SessionTimeline {
  /** The venue's stamps: each fill that needed a corrective stop write, and when that write arrived. */
  readonly reactions: readonly ReactionStamp[];
  /** `push`: the engine runs as the stream delivers; `poll`: it reacts only at its next poll. */
  readonly reacts: "push" | "poll";
  /** Real time each engine cycle (poll) of the session started. */
  readonly pollStarts: readonly number[];
  /** The engine's poll interval (config `intervalMs`): a live run polls this often. */
  readonly intervalMs: number;
  /** Scenario (virtual) time the session played, ms. */
  readonly scenarioMs: number;
  /** The private stream: messages delivered to Warden's client and the CPU spent handling them. */
  readonly stream?: { readonly messages: number; readonly handlingCpuMicros: number };
}

/**
 * The exchange client a session's adapters model:
 * - `ccxt-throttle`: ccxt's default throttle ON (`enableRateLimit`), one ccxt instance per
 *   account: the old system's client. Bybit requests are spaced by the endpoint's cost x
 *   `rateLimit` (5 x 20 ms = 100 ms for a position or order read) per instance.
 * - `no-throttle`: ccxt's throttle OFF; Warden's own rate budget is the only pacing.
 */
export type ClientModel = "ccxt-throttle" | "no-throttle";

export function describeClient(c: ClientModel): string {
  return c === "ccxt-throttle"
    ? "ccxt throttle on, one instance per account (the old system's client: reads 100 ms apart per account)"
    : "ccxt throttle off (Warden's own rate budget only)";
}

export interface BenchSession {
  readonly strategy: StrategyName;
  /** The client model its adapters use. */
  readonly client: ClientModel;
  /** Meters every request the adapters send (same fetch the adapters use). */
  readonly pool: ConnectionPoolMeter;
  /** Positions and open orders per account right now, from the simulator's state. */
  accountCounts(): AccountCounts[];
  /** One engine cycle, then the price path advances one step (virtual clock). A failed cycle is reported, not thrown. */
  cycle(): Promise<SessionCycle>;
  finished(): boolean;
  /** Entries in the simulator's own request log so far. */
  simRequests(): number;
  /** CPU (µs) spent inside the simulator (request handling and matching) so far. */
  simCpuMicros(): number;
  /** Fills, reactions and the stream's figures so far (sessions that measure them). */
  timeline?(): SessionTimeline;
  close(): Promise<void>;
}

export interface SessionOptions {
  readonly strategy: StrategyName;
  readonly latency: LatencyProfile;
  readonly seed: number;
  /** Model the old system's client (ccxt's throttle on); default false. */
  readonly legacyClient?: boolean;
  /** Wraps the fetch the adapters use, outside the pool meter (tests slow or inspect requests with it). */
  readonly fetch?: (f: typeof fetch) => typeof fetch;
}

export type OpenSession = (scenario: Scenario, opts: SessionOptions) => Promise<BenchSession>;

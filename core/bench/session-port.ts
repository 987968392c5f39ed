/**
 * What the harness needs from one strategy's fresh simulator + engine. The one file that
 * knows the engine's and simulator's real shapes is sim-bench-session.ts; tests hand the
 * harness their own sessions through this port.
 */
import type { StrategyName } from "../engine/read-path.ts";
import type { LatencyProfile } from "../sim/latency.ts";
import type { Scenario } from "../sim/scenario-schema.ts";
import type { ConnectionPoolMeter } from "./connection-pool.ts";
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
  /** Set when the cycle failed (a read the engine could not do); the figures above still count. */
  readonly error?: string;
}

export interface BenchSession {
  readonly strategy: StrategyName;
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
  close(): Promise<void>;
}

export interface SessionOptions {
  readonly strategy: StrategyName;
  readonly latency: LatencyProfile;
  readonly seed: number;
  /** Wraps the fetch the adapters use, outside the pool meter (tests slow or inspect requests with it). */
  readonly fetch?: (f: typeof fetch) => typeof fetch;
}

export type OpenSession = (scenario: Scenario, opts: SessionOptions) => Promise<BenchSession>;

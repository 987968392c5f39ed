/**
 * The read path for a strategy name: `warden` for runs with the cache on, `naive` for
 * `rollback --cache off`; `streamReadPath` for `run --read stream`.
 */
import { NaiveReadPath } from "./naive-read-path.ts";
import { TtlReadPath } from "./ttl-read-path.ts";
import { SnapshotCache } from "../cache/snapshot-cache.ts";
import type { Clock } from "../clock.ts";
import type { AccountId } from "../domain/types.ts";
import type { AccountExchange } from "../exchange/port.ts";
import type { Emit } from "../logs/event.ts";
import type { EngineConfig } from "./config.ts";
import type { ReadPath, StrategyName } from "./read-path.ts";
import { SnapshotReadPath } from "./snapshot-read-path.ts";
import { StreamReadPath, type OpenStream, type StreamReadPathOptions } from "./stream-read-path.ts";
import { createStreamRowParser } from "../exchange/stream-rows.ts";

export function readPathFor(strategy: StrategyName, exchanges: ReadonlyMap<AccountId, AccountExchange>, clock: Clock, config: EngineConfig, emit?: Emit): ReadPath {
  switch (strategy) {
    case "naive":
      return new NaiveReadPath(exchanges, clock);
    case "ttl":
      return new TtlReadPath(exchanges, clock);
    case "warden": {
      const { freshnessMs } = config.cache;
      const cache = new SnapshotCache([...exchanges.values()], { clock, ttlMs: freshnessMs, freshnessMs });
      return new SnapshotReadPath(cache, { freshnessMs, ...(emit !== undefined ? { emit } : {}) });
    }
  }
}

/** The `stream` read path over the same snapshot cache as `warden` (its snapshots are the syncs, audits and the polling fallback). */
export function streamReadPath(exchanges: ReadonlyMap<AccountId, AccountExchange>, clock: Clock, config: EngineConfig, open: OpenStream, emit?: Emit, timers?: StreamReadPathOptions["timers"]): StreamReadPath {
  const { freshnessMs } = config.cache;
  const cache = new SnapshotCache([...exchanges.values()], { clock, ttlMs: freshnessMs, freshnessMs });
  const lookup = (account: AccountId, symbol: string, linkId: string) => {
    const exchange = exchanges.get(account);
    return exchange === undefined ? Promise.resolve(undefined) : exchange.lookupOrder(symbol, linkId);
  };
  const { auditEveryMs, echoTimeoutMs } = config.stream;
  return new StreamReadPath(cache, { clock, open, lookup, parser: createStreamRowParser(), freshnessMs, auditEveryMs, echoTimeoutMs, ...(emit !== undefined ? { emit } : {}), ...(timers !== undefined ? { timers } : {}) });
}

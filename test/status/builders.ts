/** Builders for status documents: buildStatus over domain-builder monitors, with an engine that just cycled. */
import type { Monitor } from "../../core/domain/monitor.ts";
import type { Protection } from "../../core/domain/protection.ts";
import { buildStatus, type StatusDoc, type StatusInput } from "../../core/status/status-doc.ts";
import { makeInstrument, makeMonitor, T0, type MonitorSpec } from "../domain/builders.ts";

/** Wall-clock time of the builder's status writes (the engine's clock is T0-based). */
export const WALL = Date.UTC(2026, 10, 29, 5, 0, 0);

export function withProtection(monitor: Monitor, state: Protection["state"], reason?: string, since = T0): Monitor {
  return { ...monitor, protection: reason === undefined ? { state, since } : { state, since, reason } };
}

/** A monitor from the domain builders, protected since T0. */
export function protectedMonitor(spec: MonitorSpec = {}): Monitor {
  return withProtection(makeMonitor(spec), "protected");
}

export function statusInput(monitors: readonly Monitor[], over: Partial<StatusInput> = {}): StatusInput {
  return {
    monitors,
    cycle: { cycle: 7, at: T0 + 14_000, durationMs: 12.345, restCalls: 2, unprotected: monitors.filter((m) => m.status === "active" && m.protection?.state === "unprotected").length },
    marks: new Map([["BTCUSDT", 60_000]]),
    instruments: new Map([["BTCUSDT", makeInstrument()]]),
    lastRules: new Map(),
    engine: { pid: 4242, exchange: "bybit", clock: "wall", intervalMs: 2000, readMode: "polling", restCallsPerMinute: 60, alertsLastHour: 0 },
    now: WALL,
    ...over,
  };
}

export function makeStatus(monitors: readonly Monitor[], over: Partial<StatusInput> = {}): StatusDoc {
  return buildStatus(statusInput(monitors, over));
}

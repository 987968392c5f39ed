/**
 * Structured events: one NDJSON object per line with `ts`, `level`, `component`, `event`
 * and fields. Event names are stable and documented in the README. Nothing in core/
 * prints: it emits to an EventSink, and a reporter (NDJSON or pretty) renders.
 */
export type Level = "debug" | "info" | "warn" | "error";

/** Levels in order of severity: a filter at `info` passes info, warn and error. */
export const LEVELS: readonly Level[] = ["debug", "info", "warn", "error"];

export function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}

export interface WardenEvent {
  readonly ts: string;
  readonly level: Level;
  readonly component: string;
  readonly event: string;
  readonly [field: string]: unknown;
}

export interface EventSink {
  emit(event: WardenEvent): void;
  /** Sinks that hold a resource (a file) release it here, flushing what they buffered. */
  close?(): void;
}

export type Emit = (level: Level, event: string, fields?: Record<string, unknown>) => void;

/** A monitor id (`account:SYMBOL:side`) names its account before the first colon. */
const MONITOR_ACCOUNT = /^([a-z0-9-]{1,32}):[A-Z0-9]+:(long|short)$/;

/**
 * The account an event is about, when it names a monitor and not its account: every event
 * about one monitor carries `account` (EVENTS.md), so a reader can follow one account, and a
 * later worker process its own, without parsing ids. The monitor id is the one place the
 * account is written; this reads it off, and an `account` the emitter gave wins.
 */
export function withAccount(fields: Record<string, unknown>): Record<string, unknown> {
  if (fields["account"] !== undefined || typeof fields["monitor"] !== "string") return fields;
  const m = MONITOR_ACCOUNT.exec(fields["monitor"]);
  return m === null ? fields : { account: m[1], ...fields };
}

/** A component-scoped emitter over a sink, timestamped by the given clock. */
export function emitter(sink: EventSink, component: string, now: () => number): Emit {
  return (level, event, fields = {}) => {
    sink.emit({ ts: new Date(now()).toISOString(), level, component, event, ...withAccount(fields) });
  };
}

/** Keeps events in memory: for tests and for summaries. */
export class MemorySink implements EventSink {
  readonly events: WardenEvent[] = [];
  emit(event: WardenEvent): void {
    this.events.push(event);
  }
  named(name: string): WardenEvent[] {
    return this.events.filter((e) => e.event === name);
  }
}

export const nullSink: EventSink = { emit: () => {} };

/**
 * Warden's event catalogue: the stable event names and their fields, shared by the emitters
 * (engine, cache, executor) and the log scanner behind `validate`. Documented in EVENTS.md;
 * a name here never changes meaning, new fields may be added.
 */
import type { Emit, Level } from "./event.ts";

export const EVENT = {
  runStarted: "run.started",
  reconcileCompleted: "reconcile.completed",
  journalSettled: "journal.settled",
  lockTakenOver: "lock.taken-over",
  snapshotLoaded: "snapshot.loaded",
  cacheHit: "cache.hit",
  fetchUncached: "fetch.uncached",
  streamLive: "stream.live",
  streamFallback: "stream.fallback",
  streamAudit: "stream.audit",
  orderPlaced: "order.placed",
  orderAmended: "order.amended",
  orderCancelled: "order.cancelled",
  orderFailed: "order.failed",
  fillDetected: "fill.detected",
  ruleApplied: "rule.applied",
  monitorAdopted: "monitor.adopted",
  monitorClosed: "monitor.closed",
  mirrorDiverged: "mirror.diverged",
  alert: "alert",
  alertDelivered: "alert.delivered",
  alertRetrying: "alert.retrying",
  alertDeliveryFailed: "alert.delivery-failed",
  alertDropped: "alert.dropped",
  alertDeduplicated: "alert.deduplicated",
  protectionChanged: "protection.changed",
  readFailed: "read.failed",
  instanceTagged: "instance.tagged",
  choiceChanged: "choice.changed",
  planApplied: "plan.applied",
  planEnded: "plan.ended",
  mirrorRatio: "mirror.ratio",
  leaderNotRead: "leader.not-read",
  stateSetAside: "state.set-aside",
  rateBackoff: "rate.backoff",
  cycleCompleted: "cycle.completed",
  metricsListening: "metrics.listening",
  runStopping: "run.stopping",
  runStopped: "run.stopped",
} as const;

export type EventName = (typeof EVENT)[keyof typeof EVENT];

/**
 * The events about one account: each carries `account` (EVENTS.md, "Accounts"), and so does
 * every other event that names a `monitor` (an `alert`, an `alert.*` delivery). The rest are
 * the process's (run, cycle, reconcile, metrics, the instance tag, an IP-wide ban found by
 * several accounts' reads at once).
 */
export const ACCOUNT_EVENTS: ReadonlySet<EventName> = new Set<EventName>([
  EVENT.snapshotLoaded,
  EVENT.cacheHit,
  EVENT.fetchUncached,
  EVENT.streamLive,
  EVENT.streamFallback,
  EVENT.streamAudit,
  EVENT.orderPlaced,
  EVENT.orderAmended,
  EVENT.orderCancelled,
  EVENT.orderFailed,
  EVENT.fillDetected,
  EVENT.ruleApplied,
  EVENT.monitorAdopted,
  EVENT.monitorClosed,
  EVENT.mirrorDiverged,
  EVENT.protectionChanged,
  EVENT.readFailed,
  EVENT.rateBackoff,
  EVENT.choiceChanged,
  EVENT.planApplied,
  EVENT.planEnded,
  EVENT.mirrorRatio,
  EVENT.leaderNotRead,
]);

export type AccountName = "main" | "mirror" | (string & {});
export type OrderRole = "entry" | "tp" | "sl" | (string & {});

export interface OrderFields {
  account: AccountName;
  symbol: string;
  monitor: string;
  role: OrderRole;
  linkId: string;
  qty: string | number;
  price?: string | number;
  triggerPrice?: string | number;
  /** `run --dry-run`: the write was answered by the paper exchange and never sent. */
  dryRun?: true;
}

export interface UrgencyBreakdown {
  critical: number;
  urgent: number;
  active: number;
  idle: number;
}

/** The fields each event carries. Emitters may add more; the scanner reads only these. */
export interface EventFields {
  "run.started": { exchange: string; scenario?: string; stateDir: string; cache: "on" | "off"; monitors: number; dryRun?: boolean };
  "reconcile.completed": { adopted: number; retired: number; monitors: number };
  /** An intent left open in the journal by a crash, settled at start-up by looking its linkId up. */
  "lock.taken-over": { stateDir: string; holderPid?: number; holderCommand?: string; why: string };
  "journal.settled": { linkId: string; kind: string; found: boolean; [detail: string]: unknown };
  "snapshot.loaded": { account: AccountName; positions: number; orders: number; calls: number; ms: number };
  "cache.hit": { account: AccountName; kind: string };
  /** A read made for one monitor alone, bypassing the account snapshot (the `--cache off` path). */
  "fetch.uncached": { account: AccountName; monitor: string; kind: string; calls: number };
  /** `run --stream`: the account's private stream is signed in, subscribed and rebased on a REST snapshot; views (and cycles) come from it. */
  "stream.live": { account: AccountName; positions: number; orders: number };
  /** The account's stream is in doubt (closed, silent, refused, an unreadable row, a contradiction): it is read by polling until it is live again. */
  "stream.fallback": { account: AccountName; why: string };
  /** A REST snapshot checked the stream's view (`why`: going live, the timer, a reconnect, a contradiction): `calls` requests, `differences` found and what `differed`. */
  "stream.audit": { account: AccountName; why: string; calls: number; differences: number; differed?: unknown[] };
  "order.placed": OrderFields;
  "order.amended": OrderFields;
  "order.cancelled": OrderFields;
  "order.failed": OrderFields & { status: number | string; reason: string };
  "fill.detected": { monitor: string; role: OrderRole; linkId: string; qty: string | number; price: string | number };
  "rule.applied": { monitor: string; rule: string; [detail: string]: unknown };
  "monitor.adopted": { monitor: string; [detail: string]: unknown };
  "monitor.closed": { monitor: string; reason: string };
  "mirror.diverged": { monitor: string; main: string; message: string; [detail: string]: unknown };
  alert: { level: Level; message: string; kind?: string; monitor?: string; [detail: string]: unknown };
  /** Delivery of an alert to a channel (core/alerts/): `kind` and `monitor` are the alert's. */
  "alert.delivered": { channel: string; kind?: string; monitor?: string; attempts: number; status: number; answer: string };
  "alert.retrying": { channel: string; kind?: string; monitor?: string; attempt: number; inMs: number; reason: string; status?: number };
  "alert.delivery-failed": { channel: string; kind?: string; monitor?: string; attempts: number; reason: string; status?: number };
  "alert.dropped": { channel: string; kind?: string; monitor?: string; reason: string; dropped: number };
  "alert.deduplicated": { kind?: string; monitor?: string; deduplicated: number };
  /** A monitor's protection as the exchange showed it changed (DESIGN, "Protection"). */
  "protection.changed": { monitor: string; state: string; was?: string; since: number; reason?: string };
  "rate.backoff": { account?: AccountName; until: string | number; [detail: string]: unknown };
  /** A read of one account failed; that account waits this cycle, the others go on. */
  "read.failed": { account?: AccountName; reason: string; [detail: string]: unknown };
  "instance.tagged": { instance: string };
  "choice.changed": { monitor: string; noStop: boolean };
  /** The trader's plan for a position (`warden plan`) was applied to its monitor; the orders follow. */
  "plan.applied": { monitor: string; at: number; [detail: string]: unknown };
  /** A plan given for a position that is gone was removed: a later position on the symbol does not get it. */
  "plan.ended": { monitor: string; reason: string };
  "mirror.ratio": { account: AccountName; leader: AccountName; ratio: number; from: string };
  /** `run --account NAME` of a follower: its leader is not read by this process, so the leader's close is not followed here. */
  "leader.not-read": { account: AccountName; leader: AccountName; message: string };
  "state.set-aside": { checkpoint: string; reason: string };
  "cycle.completed": {
    cycle: number;
    monitors: number;
    due: number;
    durationMs: number;
    restCalls: number;
    cacheHits: number;
    cacheMisses: number;
    urgency: UrgencyBreakdown;
    /** Snapshot loads, loads that joined one already in flight, and writes sent. */
    loads?: number;
    coalesced?: number;
    writes?: number;
    /** Open positions the exchange showed without a full-size stop this cycle. */
    unprotected?: number;
  };
  /** `run --metrics-port`: the metrics server is up (`port` is the bound one when 0 was asked). */
  "metrics.listening": { host: string; port: number; url: string };
  "run.stopping": { signal: string; [detail: string]: unknown };
  "run.stopped": { reason: string; cycles: number };
}

/** Emits a catalogued event with its fields checked by the compiler. */
export function emitEvent<N extends EventName>(emit: Emit, level: Level, name: N, fields: EventFields[N]): void {
  emit(level, name, fields as Record<string, unknown>);
}

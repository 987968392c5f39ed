/**
 * The status document (`status.json`): what `warden run` writes after each cycle for
 * `warden status` to show, per position and for the engine. One schema is the shape on disk
 * and the check of what is read back. `buildStatus` is pure: the run passes the monitors,
 * the cycle report, the marks, the recent tallies and the time.
 */
import { z } from "zod";
import { lifetimeKey, isOwnLinkId } from "../domain/link-id.ts";
import { workingStop, type Monitor } from "../domain/monitor.ts";
import type { Instrument } from "../domain/types.ts";
import { toLots } from "../domain/units.ts";

export const STATUS_VERSION = 1;
export const PROTECTION_STATES = ["protected", "unprotected", "stand-by", "no-stop"] as const;
/** Where a monitor's plan came from: orders found on the exchange, Warden's defaults, the config's plans, the trader's plan (or several, joined with " + "). */
export const PLAN_SOURCES = ["exchange orders", "default"] as const;
export const READ_MODES = ["polling", "stream"] as const;

const positionSchema = z.object({
  monitor: z.string(),
  account: z.string(),
  symbol: z.string(),
  side: z.enum(["long", "short"]),
  size: z.number(),
  entryPrice: z.number(),
  /** The last mark seen for the symbol; null before any. */
  mark: z.number().nullable(),
  /** The working stop Warden tracks; null when none (a position-level or untracked stop may still protect: see `protection`). */
  stop: z
    .object({
      trigger: z.number(),
      qty: z.number(),
      /** The stop's unfilled quantity covers the position within one lot; null when the lot size is unknown. */
      coversSize: z.boolean().nullable(),
      /** How far the mark may move against the position before the stop triggers, % of the mark; null without a mark. */
      distancePct: z.number().nullable(),
    })
    .nullable(),
  tps: z.object({ filled: z.number().int(), working: z.number().int() }),
  plan: z.object({ kind: z.enum(["fast", "conservative"]), ladder: z.array(z.number()), source: z.string() }),
  protection: z.enum(PROTECTION_STATES),
  /** ISO time (the engine's clock) the position entered its protection state; null when never evaluated. */
  protectionSince: z.string().nullable(),
  protectionReason: z.string().nullable(),
  /** The last `rule.applied` of this run for the monitor, at the event's time. */
  lastRule: z.object({ rule: z.string(), at: z.string() }).nullable(),
});

const engineSchema = z.object({
  pid: z.number().int(),
  exchange: z.string(),
  /** "virtual" on the simulator: cycle and protection times are the simulated clock's. */
  clock: z.enum(["wall", "virtual"]),
  intervalMs: z.number().positive(),
  readMode: z.enum(READ_MODES),
  cycle: z.number().int(),
  /** ISO time of the last cycle on the engine's clock. */
  cycleAt: z.string(),
  cycleDurationMs: z.number(),
  cycleRestCalls: z.number().int(),
  /** Positions the last cycle counted unprotected (positions on unknown instruments included). */
  unprotected: z.number().int(),
  /** Accounts whose reads failed in the last cycle: what is shown of them is as last read. */
  failedAccounts: z.number().int().default(0),
  /** REST calls of the cycles completed in the last minute (wall clock). */
  restCallsPerMinute: z.number().int(),
  alertsLastHour: z.number().int(),
  /** Active monitors waiting for their first entry fill (no position yet). */
  waiting: z.number().int(),
});

export const statusDocSchema = z.object({
  version: z.literal(STATUS_VERSION),
  /** Wall-clock ISO time of the write: the engine's liveness is judged by it. */
  writtenAt: z.iso.datetime(),
  engine: engineSchema,
  /** Written by `run --dry-run`: the orders shown are paper, none is on the exchange. Absent in files written before dry runs existed. */
  dryRun: z.boolean().optional(),
  /** The accounts the run composed (all of the roster, or the one of `run --account`). Absent in files written before accounts were data. */
  accounts: z.array(z.string()).optional(),
  positions: z.array(positionSchema),
});

export type StatusDoc = z.infer<typeof statusDocSchema>;
export type PositionStatus = StatusDoc["positions"][number];
export type EngineStatus = StatusDoc["engine"];

export interface StatusInput {
  readonly monitors: readonly Monitor[];
  readonly cycle: { readonly cycle: number; readonly at: number; readonly durationMs: number; readonly restCalls: number; readonly unprotected: number; readonly failedAccounts?: number };
  readonly marks: ReadonlyMap<string, number>;
  readonly instruments: ReadonlyMap<string, Pick<Instrument, "qtyStep">>;
  readonly lastRules: ReadonlyMap<string, { readonly rule: string; readonly at: string }>;
  readonly engine: Pick<EngineStatus, "pid" | "exchange" | "clock" | "intervalMs" | "readMode" | "restCallsPerMinute" | "alertsLastHour">;
  /** Wall-clock time of the write, epoch ms. */
  readonly now: number;
  /** `run --dry-run`: what the engine would have done, with paper orders. */
  readonly dryRun?: boolean;
  /** The accounts the run composed: only their monitors are shown (a state dir may keep others' from an earlier run). */
  readonly accounts?: readonly string[];
}

export function buildStatus(input: StatusInput): StatusDoc {
  const active = input.monitors.filter((m) => m.status === "active" && (input.accounts === undefined || input.accounts.includes(m.account)));
  const positions = active
    .filter((m) => m.size > 0)
    .map((m) => positionStatus(m, input))
    .sort((a, b) => a.account.localeCompare(b.account) || a.symbol.localeCompare(b.symbol) || a.side.localeCompare(b.side));
  return {
    version: STATUS_VERSION,
    writtenAt: new Date(input.now).toISOString(),
    engine: {
      ...input.engine,
      cycle: input.cycle.cycle,
      cycleAt: new Date(input.cycle.at).toISOString(),
      cycleDurationMs: Math.round(input.cycle.durationMs * 100) / 100,
      cycleRestCalls: input.cycle.restCalls,
      unprotected: input.cycle.unprotected,
      failedAccounts: input.cycle.failedAccounts ?? 0,
      waiting: active.length - positions.length,
    },
    dryRun: input.dryRun === true,
    ...(input.accounts !== undefined ? { accounts: [...input.accounts] } : {}),
    positions,
  };
}

/** The accounts a status document knows: those the run composed, or (older files) those with a position. */
export function statusAccounts(doc: StatusDoc): string[] {
  return doc.accounts ?? [...new Set(doc.positions.map((p) => p.account))].sort();
}

/**
 * The document as seen for one account (`status --account`): its positions only, and the
 * unprotected count of those positions (the engine's own figure counts every account's, plus
 * positions on instruments it could not load, which name no monitor). The engine's other
 * figures (cycle, calls, alerts, failed accounts) are the process's and stay as they are.
 */
export function statusOfAccount(doc: StatusDoc, account: string): StatusDoc {
  const positions = doc.positions.filter((p) => p.account === account);
  return { ...doc, accounts: [account], engine: { ...doc.engine, unprotected: positions.filter((p) => p.protection === "unprotected").length }, positions };
}

function positionStatus(m: Monitor, input: StatusInput): PositionStatus {
  const mark = input.marks.get(m.symbol);
  const step = input.instruments.get(m.symbol)?.qtyStep;
  const stop = workingStop(m);
  const tps = m.orders.filter((o) => o.role === "tp");
  return {
    monitor: m.id,
    account: m.account,
    symbol: m.symbol,
    side: m.side,
    size: m.size,
    entryPrice: m.entryPrice,
    mark: mark ?? null,
    stop:
      stop?.triggerPrice === undefined
        ? null
        : {
            trigger: stop.triggerPrice,
            qty: stop.qty - stop.filledQty,
            coversSize: step === undefined ? null : toLots(stop.qty - stop.filledQty, step) >= toLots(m.size, step) - 1,
            distancePct: mark === undefined || !(mark > 0) ? null : round2(((m.side === "long" ? mark - stop.triggerPrice : stop.triggerPrice - mark) / mark) * 100),
          },
    tps: { filled: tps.filter((o) => o.state === "filled").length, working: tps.filter((o) => o.state === "working").length },
    plan: { kind: m.plan.kind, ladder: m.plan.kind === "fast" ? [100] : [...m.plan.ladder], source: planSource(m) },
    protection: m.protection?.state ?? "unprotected",
    protectionSince: m.protection === undefined ? null : new Date(m.protection.since).toISOString(),
    protectionReason: m.protection === undefined ? "not evaluated yet" : (m.protection.reason ?? null),
    lastRule: input.lastRules.get(m.id) ?? null,
  };
}

/**
 * "exchange orders" when the monitor tracks an order it found on the exchange (the trader's,
 * adopted with the position or later), whose prices and shares its plan follows; "default"
 * when every order it tracks is one Warden placed for this lifetime from its defaults.
 */
export function planSource(m: Monitor): PositionStatus["plan"]["source"] {
  if (m.rules !== undefined && m.rules.source !== "defaults") return m.rules.source;
  const lifetime = lifetimeKey(m);
  return m.orders.some((o) => !isOwnLinkId(o.linkId, lifetime)) ? "exchange orders" : "default";
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** A value read back as a status document, or why it is not one (the first problem, with its path). */
export function checkStatusDoc(value: unknown): { readonly doc: StatusDoc } | { readonly problem: string } {
  const parsed = statusDocSchema.safeParse(value);
  if (parsed.success) return { doc: parsed.data };
  const issue = parsed.error.issues[0];
  if (issue === undefined) return { problem: "not a status document" };
  const path = issue.path.length === 0 ? "" : `${issue.path.join(".")}: `;
  return { problem: `${path}${issue.message}` };
}

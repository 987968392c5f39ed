/**
 * `warden status --check`: every position protected (or without a stop by the trader's
 * choice, or standing by for another instance) and the engine alive: its last cycle written
 * within 3 intervals, or within `maxAgeMs` when given (so that cron's `run --once` counts).
 * Pure: the time is passed in.
 */
import type { StatusDoc } from "./status-doc.ts";

/** A last cycle older than this many intervals is stale. */
export const STALE_AFTER_INTERVALS = 3;

export interface Freshness {
  /** Wall-clock age of the last cycle's status, ms (never negative). */
  readonly ageMs: number;
  readonly limitMs: number;
  readonly stale: boolean;
}

export function freshness(doc: StatusDoc, now: number, maxAgeMs?: number): Freshness {
  const ageMs = Math.max(0, now - Date.parse(doc.writtenAt));
  const limitMs = maxAgeMs ?? STALE_AFTER_INTERVALS * doc.engine.intervalMs;
  return { ageMs, limitMs, stale: ageMs > limitMs };
}

export interface Verdict {
  readonly ok: boolean;
  /** Why not, one per problem; empty when ok. */
  readonly reasons: readonly string[];
  /** The one line `--check` prints. */
  readonly line: string;
}

export function checkStatus(doc: StatusDoc, now: number, maxAgeMs?: number): Verdict {
  const reasons: string[] = [];
  const unprotected = doc.positions.filter((p) => p.protection === "unprotected");
  for (const p of unprotected) {
    const since = p.protectionSince === null ? "" : ` since ${p.protectionSince}`;
    reasons.push(`${p.monitor} unprotected${since}${p.protectionReason === null ? "" : ` (${p.protectionReason})`}`);
  }
  const elsewhere = doc.engine.unprotected - unprotected.length;
  if (elsewhere > 0) reasons.push(`${elsewhere} more position${elsewhere === 1 ? "" : "s"} unprotected (on instruments Warden could not load)`);
  if (doc.engine.failedAccounts > 0) reasons.push(`reads of ${doc.engine.failedAccounts} account(s) failed in the last cycle: their positions are shown as last read, not watched`);
  if (doc.dryRun === true) reasons.push("DRY RUN: the stops shown are paper, none is on the exchange");
  const fresh = freshness(doc, now, maxAgeMs);
  if (fresh.stale) reasons.push(`engine stale: last cycle ${seconds(fresh.ageMs)} ago, limit ${seconds(fresh.limitMs)}`);
  if (reasons.length > 0) return { ok: false, reasons, line: `FAILED: ${reasons.join("; ")}` };
  return { ok: true, reasons, line: `OK: ${positionsLine(doc)}; engine alive, last cycle ${seconds(fresh.ageMs)} ago` };
}

function positionsLine(doc: StatusDoc): string {
  const n = doc.positions.length;
  if (n === 0) return "no open positions";
  const count = (state: string) => doc.positions.filter((p) => p.protection === state).length;
  const others = (["no-stop", "stand-by"] as const).map((s) => [s, count(s)] as const).filter(([, k]) => k > 0);
  const detail = others.length === 0 ? "" : ` (${others.map(([s, k]) => `${k} ${s}`).join(", ")})`;
  return `${n} position${n === 1 ? "" : "s"} protected${detail}`;
}

/** "2.1 s", "95 s": a duration as `status` prints it. */
export function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/**
 * What a stream soak counts for its summary: the stream faults injected and how often each
 * kind acted (from the simulated stream's own count), Warden's falls back to polling (by
 * why), returns to live, audits (by why, REST calls, differences found), the trade
 * executions the stream delivered (distinct and duplicates) against those Warden counted,
 * and the blind windows (a stream fault hid rows until an audit or a fall back).
 */
import type { AccountId } from "../domain/types.ts";
import type { ParsedRows } from "../engine/stream-state.ts";
import type { WardenEvent } from "../logs/event.ts";
import type { StreamFault } from "../sim/scenario-schema.ts";

/** Faults that can hide rows from Warden without closing the link: the account is blind until it can know. */
const HIDING = new Set<StreamFault["kind"]>(["stall", "drop-frame", "delay", "reorder"]);

export interface StreamSoakFigures {
  /** Stream faults scheduled, by kind (each refused auth or subscribe comes with a drop at the same step). */
  readonly faultsInjected: Readonly<Record<string, number>>;
  /** How often they acted, by kind: connections hit, frames dropped, duplicated, delayed or held back, requests refused. */
  readonly faultsActed: Readonly<Record<string, number>>;
  /** `stream.fallback` events, by why. */
  readonly fallbacks: Readonly<Record<string, number>>;
  /** `stream.live` events after an account's first. */
  readonly returnsToLive: number;
  /** `stream.audit` events, by why. */
  readonly audits: Readonly<Record<string, number>>;
  readonly auditCalls: number;
  readonly auditsWithDifferences: number;
  readonly differencesFound: number;
  /** Audits whose result the soak checked against the venue. */
  readonly auditsChecked: number;
  /** Trade executions the stream delivered: distinct execIds, and frames repeating one. */
  readonly executionsDelivered: { readonly distinct: number; readonly repeated: number };
  /** Trade executions Warden counted (duplicates dropped), at the last audit of each account. */
  readonly executionsCounted: number;
  /** Blind windows, and the conditions (an unprotected position, a flat-side order, a TP above the size) that outlasted K cycles inside one. */
  readonly blind: { readonly windows: number; readonly longestCycles: number; readonly pastK: number };
  /** Audits after which Warden's view differed from the venue's (a fill missed), and fills counted twice. */
  readonly fillsMissedAfterAudit: number;
  readonly fillsDoubled: number;
}

export class StreamFigures {
  readonly #faults: readonly StreamFault[];
  #fired: readonly number[] = [];
  readonly #acted: Record<string, number> = {};
  readonly #fallbacks: Record<string, number> = {};
  readonly #audits: Record<string, number> = {};
  readonly #wentLive = new Set<AccountId>();
  #returns = 0;
  #auditCalls = 0;
  #auditsWithDifferences = 0;
  #differences = 0;
  readonly #execIds = new Map<AccountId, Set<string>>();
  #repeated = 0;
  readonly #counted = new Map<AccountId, number>();
  readonly #blindSince = new Map<AccountId, number>();
  #windows = 0;
  #longest = 0;

  constructor(faults: readonly StreamFault[]) {
    this.#faults = faults;
  }

  /** The rows the stream delivered to Warden (after it applied them). */
  rows(account: AccountId, parsed: ParsedRows): void {
    if (parsed.topic !== "execution") return;
    let ids = this.#execIds.get(account);
    if (ids === undefined) this.#execIds.set(account, (ids = new Set()));
    for (const x of parsed.rows) {
      if (!x.trade || x.execId === "") continue;
      if (ids.has(x.execId)) this.#repeated++;
      else ids.add(x.execId);
    }
  }

  /** Distinct trade executions delivered to this account so far. */
  delivered(account: AccountId): number {
    return this.#execIds.get(account)?.size ?? 0;
  }

  /** Warden's own count of trade executions at an audit. */
  counted(account: AccountId, fills: number): void {
    this.#counted.set(account, fills);
  }

  /**
   * A stream event of the engine; returns why Warden can know the account again when the
   * event ends a blind window (an audit, a fall back to polling), else undefined.
   */
  event(cycle: number, e: WardenEvent): string | undefined {
    const account = e.account as AccountId;
    switch (e.event) {
      case "stream.live":
        if (this.#wentLive.has(account)) this.#returns++;
        this.#wentLive.add(account);
        return undefined;
      case "stream.fallback": {
        const why = fallbackWhy(String(e.why));
        this.#fallbacks[why] = (this.#fallbacks[why] ?? 0) + 1;
        return this.#see(account, cycle, `stream fallback: ${String(e.why)}`);
      }
      case "stream.audit": {
        const why = String(e.why).startsWith("contradiction") ? "contradiction" : String(e.why);
        this.#audits[why] = (this.#audits[why] ?? 0) + 1;
        this.#auditCalls += Number(e.calls ?? 0);
        const differences = Number(e.differences ?? 0);
        this.#differences += differences;
        if (differences > 0) this.#auditsWithDifferences++;
        return this.#see(account, cycle, `stream audit (${String(e.why)})`);
      }
      default:
        return undefined;
    }
  }

  /** The faults that acted since the last call, given the simulated stream's per-fault counts. */
  fired(counts: readonly number[]): StreamFault[] {
    const out: StreamFault[] = [];
    counts.forEach((n, i) => {
      const before = this.#fired[i] ?? 0;
      const fault = this.#faults[i];
      if (n <= before || fault === undefined) return;
      this.#acted[fault.kind] = (this.#acted[fault.kind] ?? 0) + (n - before);
      out.push(fault);
    });
    this.#fired = [...counts];
    return out;
  }

  /** True when this fault can hide rows from Warden while the link stays up. */
  hides(fault: StreamFault): boolean {
    return HIDING.has(fault.kind);
  }

  /** A hiding fault acted on the account in `cycle`: a blind window opens (if none is open). */
  blind(account: AccountId, cycle: number): void {
    if (this.#blindSince.has(account)) return;
    this.#blindSince.set(account, cycle);
    this.#windows++;
  }

  report(auditsChecked: number, missed: number, doubled: number, pastK: number): StreamSoakFigures {
    const injected: Record<string, number> = {};
    for (const f of this.#faults) injected[f.kind] = (injected[f.kind] ?? 0) + 1;
    return {
      faultsInjected: injected,
      faultsActed: { ...this.#acted },
      fallbacks: { ...this.#fallbacks },
      returnsToLive: this.#returns,
      audits: { ...this.#audits },
      auditCalls: this.#auditCalls,
      auditsWithDifferences: this.#auditsWithDifferences,
      differencesFound: this.#differences,
      auditsChecked,
      executionsDelivered: { distinct: [...this.#execIds.values()].reduce((n, s) => n + s.size, 0), repeated: this.#repeated },
      executionsCounted: [...this.#counted.values()].reduce((a, b) => a + b, 0),
      blind: { windows: this.#windows, longestCycles: this.#longest, pastK },
      fillsMissedAfterAudit: missed,
      fillsDoubled: doubled,
    };
  }

  #see(account: AccountId, cycle: number, why: string): string | undefined {
    const since = this.#blindSince.get(account);
    if (since === undefined) return undefined;
    this.#blindSince.delete(account);
    this.#longest = Math.max(this.#longest, cycle - since + 1);
    return why;
  }
}

/** A fall back's why, without its particulars (ids, counts), as a summary key. */
function fallbackWhy(why: string): string {
  if (why.startsWith("contradiction")) {
    if (why.includes("no echo")) return "contradiction: a write's echo missing";
    if (why.includes("whose row has not come")) return "contradiction: an execution before its order row";
    if (why.includes("no position row following")) return "contradiction: a fill with no position row";
    if (why.includes("unreadable")) return "contradiction: an unreadable row";
    return "contradiction";
  }
  if (why.startsWith("silent for")) return "silent link (dead-link timeout)";
  if (why.includes("auth refused")) return "auth refused";
  if (why.includes("subscribe refused")) return "subscribe refused";
  if (why.includes("connection attempts within 5 minutes")) return "connection-rate cap";
  return why;
}

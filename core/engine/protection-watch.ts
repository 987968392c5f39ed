/**
 * What a person must hear about protection (DESIGN, "Protection"): every change of a
 * monitor's protection state is a `protection.changed` event; a position left unprotected
 * is an `alert` (kind "unprotected") when Warden cannot fix it in the cycle that found it,
 * when it is still unprotected the next time Warden looks, and at start-up for each one
 * found, then again every `alertRepeatMs` while it lasts. A position that is unprotected only
 * for the cycle in which Warden places or resizes its stop is an event, not an alert: entry
 * fills would otherwise page the trader for routine work. Reads of an account failing for
 * longer than `outageAfterMs` are an `alert` (kind "outage"), repeated while they last.
 */
import type { Action } from "../domain/action.ts";
import type { Monitor } from "../domain/monitor.ts";
import type { AccountId } from "../domain/types.ts";
import type { Emit } from "../logs/event.ts";

export interface WatchConfig {
  readonly alertRepeatMs: number;
  readonly outageAfterMs: number;
  /** A second restore of one position's stop landing within this is an error-level alert. */
  readonly restoreAlertWindowMs: number;
}

export class ProtectionWatch {
  readonly #emit: Emit;
  readonly #config: WatchConfig;
  /** Per unprotected monitor: when the last alert about it went out (undefined: none yet). */
  readonly #alertedAt = new Map<string, number | undefined>();
  readonly #failingSince = new Map<AccountId, number>();
  readonly #outageAlertAt = new Map<AccountId, number>();
  readonly #repeats = new Map<string, number>();
  /** Per monitor, when the exchange last accepted a restore of its stop. */
  readonly #restoredAt = new Map<string, number>();
  readonly #restoreStreak = new Map<string, number>();
  #longestMs = 0;
  #alerts = 0;

  constructor(emit: Emit, config: WatchConfig) {
    this.#emit = emit;
    this.#config = config;
  }

  /** The longest time any position stayed unprotected so far, ms. */
  longestUnprotectedMs(): number {
    return this.#longestMs;
  }

  /** Alerts this watch raised so far. */
  alerts(): number {
    return this.#alerts;
  }

  /** One evaluated monitor: its state before and after, and what was decided for it. */
  observe(before: Monitor | undefined, after: Monitor, actions: readonly Action[], now: number, startUp: boolean): void {
    const state = after.status === "active" ? after.protection : undefined;
    const was = before?.status === "active" ? before.protection?.state : undefined;
    if (state !== undefined && state.state !== was) {
      this.#emit(state.state === "unprotected" ? "warn" : "info", "protection.changed", {
        monitor: after.id, state: state.state, ...(was !== undefined ? { was } : {}), since: state.since, ...(state.reason !== undefined ? { reason: state.reason } : {}),
      });
    }
    if (state?.state === "stand-by" && was !== "stand-by") {
      this.#raise("warn", { kind: "stand-by", monitor: after.id, message: `${after.id}: ${state.reason ?? "another Warden instance protects it"}; this instance stands by and places nothing until that protection lapses` });
    }
    if (state?.state !== "unprotected") {
      if (was === "unprotected" && before?.protection !== undefined) this.#note(now - before.protection.since);
      this.#alertedAt.delete(after.id);
      return;
    }
    this.#note(now - state.since);
    const fixing = actions.some((a) => (a.kind === "place" || a.kind === "amend") && (a.role === "sl" || a.role === "exit"));
    const seenBefore = this.#alertedAt.has(after.id);
    const last = this.#alertedAt.get(after.id);
    if (!seenBefore) {
      this.#alertedAt.set(after.id, undefined);
      if (fixing && !startUp) return; // unprotected for the cycle of its fix: an event only
      this.#alert(after, state.reason, now, fixing ? "warn" : "error", startUp ? "found at start-up" : "became unprotected");
      return;
    }
    if (last === undefined || now - last >= this.#config.alertRepeatMs) this.#alert(after, state.reason, now, "error", last === undefined ? "still unprotected" : "still unprotected (repeated)");
  }

  /**
   * The exchange accepted a restore of this position's stop. From the second within
   * `restoreAlertWindowMs` on, each is an error-level alert (kind stop-restored); a storm of
   * them (a script cancelling the stop every cycle) backs off after the third to one per
   * `alertRepeatMs`: what backs off is the alerting, never the restore.
   */
  restoreLanded(monitor: Monitor, now: number, previous?: number): void {
    // `previous`: the restore before this one as the state dir kept it (a cron run starts afresh)
    const last = this.#restoredAt.get(monitor.id) ?? previous;
    this.#restoredAt.set(monitor.id, now);
    const inWindow = last !== undefined && now - last < this.#config.restoreAlertWindowMs;
    const streak = inWindow ? (this.#restoreStreak.get(monitor.id) ?? 0) + 1 : 0;
    this.#restoreStreak.set(monitor.id, streak);
    if (streak === 0) return;
    const fields = {
      kind: "stop-restored", monitor: monitor.id, account: monitor.account, symbol: monitor.symbol, restores: monitor.slRestoredCount,
      message: `the stop of ${monitor.id} vanished again without a fill and Warden restored it (${monitor.slRestoredCount} restores); to run this position without a stop, say so with \`warden no-stop ${monitor.id}\` instead of cancelling it`,
    };
    if (streak <= 2) {
      this.#repeats.set(`restored:${monitor.id}`, now);
      this.#raise("error", fields);
    } else this.repeated(`restored:${monitor.id}`, now, "error", fields);
  }

  /** A monitor closed or gone: forget it. */
  forget(id: string): void {
    this.#alertedAt.delete(id);
    this.#restoredAt.delete(id);
    this.#restoreStreak.delete(id);
  }

  /** Whether reads of this account are failing since an earlier cycle. */
  failing(account: AccountId): boolean {
    return this.#failingSince.has(account);
  }

  readFailed(account: AccountId, now: number, reason: string): void {
    const since = this.#failingSince.get(account) ?? now;
    this.#failingSince.set(account, since);
    const last = this.#outageAlertAt.get(account);
    if (now - since < this.#config.outageAfterMs || (last !== undefined && now - last < this.#config.alertRepeatMs)) return;
    this.#outageAlertAt.set(account, now);
    this.#raise("error", {
      kind: "outage", account, since: new Date(since).toISOString(), forMs: now - since, reason,
      message: `reads of account ${account} have failed for ${Math.round((now - since) / 1000)} s (${reason}); Warden sees nothing there and cannot protect its positions`,
    });
  }

  readSucceeded(account: AccountId, now: number): void {
    const since = this.#failingSince.get(account);
    if (since === undefined) return;
    this.#failingSince.delete(account);
    if (this.#outageAlertAt.delete(account)) this.#emit("info", "alert", { level: "info", kind: "outage-over", account, forMs: now - since, message: `reads of account ${account} work again after ${Math.round((now - since) / 1000)} s` });
  }

  /** An alert about one subject (a symbol, a mirror) repeated at most every alertRepeatMs while the condition lasts. */
  repeated(subject: string, now: number, level: "warn" | "error", fields: Record<string, unknown> & { kind: string; message: string }): void {
    const last = this.#repeats.get(subject);
    if (last !== undefined && now - last < this.#config.alertRepeatMs) return;
    this.#repeats.set(subject, now);
    this.#raise(level, fields);
  }

  /** The condition behind a repeated alert is over. */
  cleared(subject: string): void {
    this.#repeats.delete(subject);
  }

  #alert(monitor: Monitor, reason: string | undefined, now: number, level: "warn" | "error", what: string): void {
    this.#alertedAt.set(monitor.id, now);
    const since = monitor.protection?.since ?? now;
    this.#raise(level, {
      kind: "unprotected", monitor: monitor.id, account: monitor.account, symbol: monitor.symbol, side: monitor.side, size: monitor.size,
      forMs: now - since, reason: reason ?? "no stop working",
      message: `${monitor.id} (${monitor.size}) is UNPROTECTED: ${reason ?? "no stop working"}; ${what}${now > since ? ` for ${Math.round((now - since) / 1000)} s` : ""}; Warden keeps placing its stop every cycle`,
    });
  }

  #raise(level: "warn" | "error", fields: Record<string, unknown>): void {
    this.#alerts++;
    this.#emit(level, "alert", { level, ...fields });
  }

  #note(ms: number): void {
    if (ms > this.#longestMs) this.#longestMs = ms;
  }
}

/**
 * What the run loop waits on between cycles: the interval, or a change the read path
 * reported (a stream row that changed an account's view), whichever comes first. Changes are
 * coalesced: the accounts reported while a cycle runs, or within `coalesceMs` of the first
 * one, are taken together by the next cycle. No polling: one timer and one promise per wait.
 */
import type { AccountId } from "../domain/types.ts";

/** How long the loop gathers a burst (an order row, its executions and the position row come as separate frames), ms. */
export const COALESCE_MS = 5;

export class WakeSignal {
  readonly #pending = new Set<AccountId>();
  #wakeUp: (() => void) | undefined;

  /** An account's view changed: wake the loop. */
  notify(account: AccountId): void {
    this.#pending.add(account);
    this.#wakeUp?.();
  }

  /** The accounts reported since the last take. */
  take(): AccountId[] {
    const out = [...this.#pending];
    this.#pending.clear();
    return out;
  }

  /** Resolves after `ms`, on abort, or `coalesceMs` after a change (at once if one is pending); true when woken by a change. */
  wait(ms: number, signal?: AbortSignal, coalesceMs = COALESCE_MS): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (woken: boolean): void => {
        clearTimeout(timer);
        this.#wakeUp = undefined;
        signal?.removeEventListener("abort", onAbort);
        resolve(woken);
      };
      const onAbort = (): void => finish(false);
      if (signal?.aborted) return finish(false);
      signal?.addEventListener("abort", onAbort, { once: true });
      const woken = (): void => {
        this.#wakeUp = undefined;
        clearTimeout(timer);
        timer = setTimeout(() => finish(true), coalesceMs);
      };
      if (this.#pending.size > 0) return woken();
      this.#wakeUp = woken;
      timer = setTimeout(() => finish(false), ms);
    });
  }
}

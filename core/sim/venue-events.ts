/**
 * What the venue tells an observer (the private WebSocket stream) when its state changes:
 * per account, the order records written, the executions made and the position records
 * after each fill and each order write, in REST's wire shape (venue-api.ts). Changes made by
 * one venue operation (a REST write, a price step with its matches and interventions) are
 * delivered together at its end, in the order they happened, so that one match that fills
 * several orders gives one batch with several executions.
 *
 * With no listener nothing is recorded: REST-only runs pay nothing.
 */
import type { AccountId } from "../domain/types.ts";
import type { BybitRecord } from "./venue-api.ts";

export interface VenueChange {
  readonly account: AccountId;
  readonly orders: readonly BybitRecord[];
  readonly executions: readonly BybitRecord[];
  readonly positions: readonly BybitRecord[];
}

export type VenueListener = (change: VenueChange) => void;

interface Pending {
  orders: BybitRecord[];
  executions: BybitRecord[];
  positions: BybitRecord[];
}

export class VenueEvents {
  readonly #listeners = new Set<VenueListener>();
  readonly #pending = new Map<AccountId, Pending>();
  #depth = 0;

  /** True when someone listens: callers build records only then. */
  get active(): boolean {
    return this.#listeners.size > 0;
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: VenueListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Runs one venue operation; what it changed is delivered when the outermost one ends. */
  batch<T>(operation: () => T): T {
    this.#depth++;
    try {
      return operation();
    } finally {
      if (--this.#depth === 0) this.#flush();
    }
  }

  order(account: AccountId, record: BybitRecord): void {
    this.#for(account).orders.push(record);
  }

  execution(account: AccountId, record: BybitRecord): void {
    this.#for(account).executions.push(record);
  }

  position(account: AccountId, record: BybitRecord): void {
    this.#for(account).positions.push(record);
  }

  #for(account: AccountId): Pending {
    let p = this.#pending.get(account);
    if (!p) this.#pending.set(account, (p = { orders: [], executions: [], positions: [] }));
    return p;
  }

  #flush(): void {
    if (this.#pending.size === 0) return;
    const changes = [...this.#pending].map(([account, p]): VenueChange => ({ account, ...p }));
    this.#pending.clear();
    for (const change of changes) for (const listener of [...this.#listeners]) listener(change);
  }
}

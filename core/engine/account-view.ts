/**
 * One account snapshot indexed by symbol, and the view one monitor decides on: what the
 * whole-account read paths (`warden` polling, `stream`) serve every monitor read from.
 */
import type { AccountSnapshot, ExchangeOrder, ExchangePosition } from "../domain/types.ts";
import type { MonitorKey, MonitorReadView } from "./read-path.ts";

export interface IndexedSnapshot {
  readonly takenAt: number;
  /** By symbol: both sides of a symbol in hedge mode. */
  readonly positions: Map<string, ExchangePosition[]>;
  readonly orders: Map<string, ExchangeOrder[]>;
}

export function indexSnapshot(snapshot: AccountSnapshot): IndexedSnapshot {
  const bySymbol = <T extends { readonly symbol: string }>(items: readonly T[]): Map<string, T[]> => {
    const out = new Map<string, T[]>();
    for (const item of items) {
      const list = out.get(item.symbol);
      if (list === undefined) out.set(item.symbol, [item]);
      else list.push(item);
    }
    return out;
  };
  return { takenAt: snapshot.takenAt, positions: bySymbol(snapshot.positions), orders: bySymbol(snapshot.orders) };
}

/** One monitor's view of an indexed account; throws when the account was not read. */
export function viewOf(indexed: IndexedSnapshot | undefined, key: MonitorKey): MonitorReadView {
  if (indexed === undefined) throw new Error(`no view of account ${key.account} prepared`);
  const positions = indexed.positions.get(key.symbol) ?? [];
  return { position: positions[0], positions, orders: indexed.orders.get(key.symbol) ?? [], takenAt: indexed.takenAt };
}

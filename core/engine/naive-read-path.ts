/**
 * `naive`: the old system before its fix. Every due monitor, concurrently with the others
 * (the old bot ran one task per monitor), fetches its own position and then the account's
 * FULL open-order list, all symbols, every page, and keeps only its symbol's orders. "Every
 * page" as ccxt's `paginate: true` read it: following Bybit's cursor until an EMPTY page
 * (Bybit gives the last non-empty page a cursor too), so 91 orders cost 3 requests (50, 41,
 * then the empty page); `untilEmptyPage` asks the adapter for exactly that. Nothing is shared or kept: every monitor read is a
 * miss. Within one monitor the two reads are sequential, as the old monitor awaited one
 * and then the other.
 */
import type { Clock } from "../clock.ts";
import type { AccountId } from "../domain/types.ts";
import type { AccountExchange } from "../exchange/port.ts";
import type { MonitorKey, MonitorReadView, ReadPath, ReadStats } from "./read-path.ts";
import { waitingOutLimits } from "./rate-limit-wait.ts";
import { ReadTally } from "./read-tally.ts";

export function viewKey(key: MonitorKey): string {
  return `${key.account}:${key.symbol}`;
}

export function exchangeFor(exchanges: ReadonlyMap<AccountId, AccountExchange>, account: AccountId): AccountExchange {
  const ex = exchanges.get(account);
  if (!ex) throw new RangeError(`no exchange for account "${account}"`);
  return ex;
}

/**
 * One monitor's own read, as the old monitor made it: its symbol's position (one request:
 * both sides in hedge mode), then every open order of the account; each waits out Bybit's
 * rate limits (rate-limit-wait.ts).
 */
export async function monitorRead(ex: AccountExchange, symbol: string, clock: Clock): Promise<MonitorReadView> {
  const positions = await waitingOutLimits(() => ex.positions(symbol));
  const all = await waitingOutLimits(() => ex.openOrders(undefined, { untilEmptyPage: true }));
  return { position: positions[0], positions, orders: all.filter((o) => o.symbol === symbol), takenAt: clock.now() };
}

export class NaiveReadPath implements ReadPath {
  readonly name = "naive" as const;
  readonly #exchanges: ReadonlyMap<AccountId, AccountExchange>;
  readonly #clock: Clock;
  readonly #tally = new ReadTally();
  #views = new Map<string, MonitorReadView>();

  constructor(exchanges: ReadonlyMap<AccountId, AccountExchange>, clock: Clock) {
    this.#exchanges = exchanges;
    this.#clock = clock;
  }

  async prepare(due: readonly MonitorKey[]): Promise<void> {
    const views = this.#views;
    await Promise.all(
      due.map(async (key) => {
        this.#tally.miss();
        views.set(viewKey(key), await monitorRead(exchangeFor(this.#exchanges, key.account), key.symbol, this.#clock));
      }),
    );
  }

  view(key: MonitorKey): MonitorReadView {
    const v = this.#views.get(viewKey(key));
    if (!v) throw new RangeError(`naive read path: ${viewKey(key)} was not prepared`);
    return v;
  }

  invalidate(_account: AccountId, _symbol: string): void {
    // Nothing is kept beyond the cycle's own reads.
  }

  cycleStats(): ReadStats {
    return this.#tally.cycle();
  }

  totalStats(): ReadStats {
    return this.#tally.total();
  }

  resetCycle(): void {
    this.#views = new Map();
    this.#tally.resetCycle();
  }
}

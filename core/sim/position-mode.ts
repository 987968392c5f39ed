/**
 * One account's position mode, as Bybit's /v5/position/switch-mode keeps it: one-way
 * (`mode` 0, positionIdx 0, one position per symbol) or hedge (`mode` 3, "both sides":
 * positionIdx 1 the long, 2 the short, both open at once). A symbol's own setting wins over
 * the coin's (USDT), which wins over the default, one-way (Bybit: "symbol > coin > system
 * default"). Switching the coin switches every symbol with no position and no open order;
 * the others keep the mode they had.
 *
 * Order rules in hedge mode (Bybit's, as its answers show them): an order must carry
 * positionIdx 1 or 2, and in one-way mode 0 (otherwise 10001 "position idx not match
 * position mode"). On its own side of the index (Buy on 1, Sell on 2) an order opens or
 * adds to that position; on the other side it reduces that position only and never opens
 * the opposite one, so with nothing to reduce it is refused (110017), as a reduce-only
 * order is.
 */
import type { PositionIdx } from "../domain/types.ts";
import { SimError, type Params } from "./venue-api.ts";

export type PositionMode = "one-way" | "hedge";

export class PositionModes {
  #coin: PositionMode;
  readonly #symbols = new Map<string, PositionMode>();

  constructor(initial: PositionMode = "one-way") {
    this.#coin = initial;
  }

  of(symbol: string): PositionMode {
    return this.#symbols.get(symbol) ?? this.#coin;
  }

  /** One symbol's mode; refused while it has a position (110024) or an open order (110028), or when unchanged (110025). */
  switchSymbol(symbol: string, mode: PositionMode, busy: { position: boolean; orders: boolean }): void {
    if (this.of(symbol) === mode) throw new SimError(110025, "Position mode is not modified");
    if (busy.position) throw new SimError(110024, "You have an existing position, so position mode cannot be switched");
    if (busy.orders) throw new SimError(110028, "You have existing open orders, so position mode cannot be switched");
    this.#symbols.set(symbol, mode);
  }

  /** The coin's mode: every symbol with no position and no open order follows it; those in use keep the mode they have. */
  switchCoin(mode: PositionMode, inUse: ReadonlySet<string>): void {
    for (const symbol of [...this.#symbols.keys()]) if (!inUse.has(symbol)) this.#symbols.delete(symbol);
    for (const symbol of inUse) if (!this.#symbols.has(symbol)) this.#symbols.set(symbol, this.#coin);
    this.#coin = mode;
  }
}

/** Refuses a positionIdx that does not fit the mode (Bybit's 10001). */
export function checkPositionIdx(mode: PositionMode, positionIdx: PositionIdx): void {
  if ((mode === "hedge") !== (positionIdx !== 0)) throw new SimError(10001, "position idx not match position mode");
}

/** The order side that opens (or adds to) a hedge index's position: Buy for 1, Sell for 2. */
export function openingSideOf(positionIdx: 1 | 2): "Buy" | "Sell" {
  return positionIdx === 1 ? "Buy" : "Sell";
}

/** Whether an order only reduces its position: reduce-only, close-on-trigger, or in hedge mode on the closing side of its index. */
export function isReducing(o: { readonly side: "Buy" | "Sell"; readonly positionIdx: PositionIdx; readonly reduceOnly: boolean; readonly closeOnTrigger: boolean }): boolean {
  return o.reduceOnly || o.closeOnTrigger || (o.positionIdx !== 0 && o.side !== openingSideOf(o.positionIdx));
}

/** The body of /v5/position/switch-mode: `mode` 0 or 3, for a `symbol` (wins) or the `coin` (USDT only here). */
export function parseSwitchMode(body: Params): { mode: PositionMode; symbol: string } | { mode: PositionMode; coin: "USDT" } {
  const raw = body["mode"];
  const mode = raw === 0 || raw === "0" ? "one-way" : raw === 3 || raw === "3" ? "hedge" : undefined;
  if (mode === undefined) throw new SimError(10001, "params error: mode must be 0 (one-way) or 3 (both sides)");
  const symbol = body["symbol"];
  if (typeof symbol === "string" && symbol !== "") return { mode, symbol };
  const coin = body["coin"];
  if (coin === undefined || coin === "") throw new SimError(10001, "params error: symbol or coin is required");
  if (coin !== "USDT") throw new SimError(10001, `params error: coin ${String(coin)} is not supported by the simulator (USDT only)`);
  return { mode, coin };
}

/**
 * An account snapshot is input from the exchange: a record Warden cannot reason about (a
 * size or price that is not a finite number, a negative size) makes the whole account's
 * read a failure, named, rather than a crash of the engine or a decision on garbage.
 */
import type { AccountSnapshot } from "./types.ts";

export class MalformedSnapshot extends Error {
  readonly code = "EXCHANGE_MALFORMED";
}

const finite = (x: number | undefined) => x === undefined || Number.isFinite(x);

/** Throws MalformedSnapshot naming the first bad record. */
export function checkSnapshot(snapshot: AccountSnapshot): void {
  for (const p of snapshot.positions) {
    if (!(Number.isFinite(p.size) && p.size >= 0) || !finite(p.entryPrice) || !finite(p.markPrice)) {
      throw new MalformedSnapshot(`account ${snapshot.account}: position ${p.symbol} ${p.side} has size ${p.size}, entry ${p.entryPrice}, mark ${p.markPrice}`);
    }
  }
  for (const o of snapshot.orders) {
    if (!(Number.isFinite(o.qty) && o.qty >= 0) || !finite(o.filledQty) || !finite(o.price) || !finite(o.triggerPrice)) {
      throw new MalformedSnapshot(`account ${snapshot.account}: order ${o.linkId || o.id} on ${o.symbol} has qty ${o.qty}, price ${o.price}, trigger ${o.triggerPrice}`);
    }
  }
}

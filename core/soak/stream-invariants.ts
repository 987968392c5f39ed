/**
 * The stream soak's own invariants (issue 9: "fills missed or applied twice after the next
 * audit: 0"), checked against what the venue really holds:
 * - `fill-after-audit`: right after an audit rebased an account's stream state (the
 *   `stream.audit` event; nothing of that account moves between the REST snapshot and it),
 *   Warden's view of the account equals the venue's: every open position with the venue's
 *   size (a fill the stream dropped is seen by then; a fill applied twice would show as a
 *   size or a filled quantity the venue does not have), every open order of the venue in the
 *   view with the venue's filled quantity, and no open order in the view that the venue has
 *   closed (a fill or cancel missed);
 * - `fill-counted-twice`: the trade executions Warden counted never outnumber the distinct
 *   execIds the stream delivered (duplicate frames, a frame re-sent after a reorder), and
 *   no order's filled quantity in Warden's view is above the venue's.
 * Both are breaches at once: an audit is the bound.
 */
import type { AccountId, AccountSnapshot } from "../domain/types.ts";
import type { Breach } from "./invariants.ts";

/** One account as the venue holds it: open positions and open orders with what has filled. */
export interface AccountTruth {
  readonly account: AccountId;
  readonly positions: readonly { readonly symbol: string; readonly side: "long" | "short"; readonly size: number }[];
  readonly orders: readonly { readonly id: string; readonly symbol: string; readonly qty: number; readonly filled: number }[];
}

/** Quantities closer than this are equal (formatted decimals). */
const EPS = 1e-9;

export interface ViewDifference {
  readonly what: string;
  /** Warden has more filled than the venue: a fill applied twice. */
  readonly above: boolean;
}

/** What Warden's view of an account shows that the venue does not, and the reverse; [] when they agree. */
export function viewDifferences(view: AccountSnapshot, truth: AccountTruth): ViewDifference[] {
  const out: ViewDifference[] = [];
  const key = (p: { symbol: string; side: string }) => `${p.symbol}:${p.side}`;
  const mine = new Map(view.positions.filter((p) => p.size > 0).map((p) => [key(p), p.size]));
  const theirs = new Map(truth.positions.filter((p) => p.size > 0).map((p) => [key(p), p.size]));
  for (const k of new Set([...mine.keys(), ...theirs.keys()])) {
    const a = mine.get(k) ?? 0;
    const b = theirs.get(k) ?? 0;
    if (Math.abs(a - b) > EPS) out.push({ what: `position ${k}: Warden ${a}, venue ${b}`, above: false });
  }
  const orders = new Map(view.orders.map((o) => [o.id, o]));
  const venueOrders = new Map(truth.orders.map((o) => [o.id, o]));
  for (const o of truth.orders) {
    const w = orders.get(o.id);
    if (w === undefined) out.push({ what: `order ${o.id} (${o.symbol}) open on the venue, ${o.filled} of ${o.qty} filled: not in Warden's view`, above: false });
    else if (Math.abs(w.filledQty - o.filled) > EPS) out.push({ what: `order ${o.id} (${o.symbol}) filled: Warden ${w.filledQty}, venue ${o.filled}`, above: w.filledQty > o.filled });
  }
  for (const w of view.orders) {
    if (!venueOrders.has(w.id)) out.push({ what: `order ${w.id} (${w.symbol}) open in Warden's view (${w.status}, ${w.filledQty} of ${w.qty} filled): closed on the venue`, above: false });
  }
  return out;
}

export class StreamChecker {
  #audits = 0;

  /** Audits checked so far. */
  get audits(): number {
    return this.#audits;
  }

  /** Right after an audit of `truth.account`: Warden's view against the venue's. */
  audit(cycle: number, view: AccountSnapshot, truth: AccountTruth): Breach[] {
    this.#audits++;
    const diffs = viewDifferences(view, truth);
    const breaches: Breach[] = [];
    const doubled = diffs.filter((d) => d.above);
    const listed = diffs.slice(0, 5).map((d) => d.what);
    if (diffs.length > 0) breaches.push({ cycle, invariant: "fill-after-audit", monitor: truth.account, what: `after the audit, Warden's view differs from the venue: ${listed.join("; ")}${diffs.length > 5 ? ` (+${diffs.length - 5} more)` : ""}` });
    if (doubled.length > 0) breaches.push({ cycle, invariant: "fill-counted-twice", monitor: truth.account, what: `filled above the venue's: ${doubled.map((d) => d.what).join("; ")}` });
    return breaches;
  }

  /** Warden counted `counted` trade executions where the stream delivered `delivered` distinct execIds. */
  fills(cycle: number, account: AccountId, counted: number, delivered: number): Breach[] {
    if (counted <= delivered) return [];
    return [{ cycle, invariant: "fill-counted-twice", monitor: account, what: `Warden counted ${counted} fills of ${delivered} distinct trade executions the stream delivered` }];
  }
}

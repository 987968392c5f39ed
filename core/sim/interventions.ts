/**
 * What a person does by hand on the website at a scenario step: cancel an order by its
 * orderLinkId, or close a whole position with a reduce-only market order (no orderLinkId);
 * in hedge mode the side named, or both sides, each with its own positionIdx; or delete an
 * account's API key (`revoke-keys`: the venue marks the account, auth.ts refuses it).
 * Each one is recorded with its outcome in the venue's state.
 */
import type { AccountState } from "./account.ts";
import { formatQty } from "./instruments.ts";
import type { Intervention } from "./scenario-schema.ts";
import type { Params } from "./venue-api.ts";

export type InterventionOutcome = Intervention & { outcome: string };

export function intervene(iv: Intervention, st: AccountState | undefined, now: number, placeOrder: (body: Params) => void): InterventionOutcome {
  if (!st) return { ...iv, outcome: "no such account" };
  if (iv.action === "revoke-keys") return { ...iv, outcome: "revoked" }; // the venue refuses the key from now on
  if (iv.action === "cancel-order") {
    const o = st.orders.findOpen({ orderLinkId: iv.orderLinkId });
    if (!o || o.symbol !== iv.symbol) return { ...iv, outcome: "order not open" };
    st.cancel(o, now);
    return { ...iv, outcome: "cancelled" };
  }
  const open = st.positions.openOf(iv.symbol).filter((p) => iv.side === undefined || (iv.side === "long") === p.lots > 0);
  if (open.length === 0) return { ...iv, outcome: "already flat" };
  for (const pos of open) {
    const side = pos.lots > 0 ? "Sell" : "Buy";
    placeOrder({ symbol: iv.symbol, side, orderType: "Market", qty: formatQty(pos.spec, Math.abs(pos.lots)), reduceOnly: true, positionIdx: pos.positionIdx });
  }
  return { ...iv, outcome: "closed" };
}

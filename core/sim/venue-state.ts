/**
 * The venue's state as JSON (`GET /__sim/state`, determinism checks, bench reports):
 * step, virtual time, marks, and per account its positions, open orders and counts. Never
 * credentials.
 */
import type { AccountState } from "./account.ts";
import { orderRecord } from "./book.ts";
import type { InterventionOutcome } from "./interventions.ts";

export interface VenueStateInput {
  readonly step: number;
  readonly steps: number;
  readonly now: number;
  readonly finished: boolean;
  readonly marks: ReadonlyMap<string, number>;
  readonly accounts: readonly AccountState[];
  readonly interventions: readonly InterventionOutcome[];
}

export function venueState(s: VenueStateInput) {
  const markOf = (symbol: string) => s.marks.get(symbol) ?? 0;
  return {
    step: s.step,
    steps: s.steps,
    now: new Date(s.now).toISOString(),
    finished: s.finished,
    prices: Object.fromEntries(s.marks),
    accounts: Object.fromEntries(
      s.accounts.map((st) => {
        const wallet = st.walletBalance(markOf);
        const history: Record<string, number> = {};
        for (const o of st.orders.listHistory({})) history[o.status] = (history[o.status] ?? 0) + 1;
        return [
          st.account.id,
          {
            positions: st.positions.open().map((p) => ({
              symbol: p.symbol,
              positionIdx: p.positionIdx,
              side: p.lots > 0 ? "Buy" : "Sell",
              size: (Math.abs(p.lots) * p.spec.qtyStep).toFixed(p.spec.qtyDecimals),
              avgPrice: p.avgPrice,
              cumRealisedPnl: p.cumRealisedPnl,
            })),
            openOrders: {
              count: st.orders.openCount(),
              list: st.orders.listOpen({}).map((o) => {
                const r = orderRecord(o);
                return {
                  orderId: o.orderId,
                  orderLinkId: o.orderLinkId,
                  symbol: o.symbol,
                  side: o.side,
                  orderType: o.orderType,
                  orderStatus: o.status,
                  qty: r.qty,
                  price: r.price,
                  triggerPrice: r.triggerPrice,
                  reduceOnly: o.reduceOnly,
                };
              }),
            },
            history: { count: st.orders.historyCount(), byStatus: history },
            executions: st.executions.length,
            walletBalance: (wallet.totalWalletBalance as string | undefined) ?? "0",
          },
        ];
      }),
    ),
    interventions: s.interventions,
  };
}

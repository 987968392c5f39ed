/** Public market endpoints: server time, instruments, tickers. No signature needed. */
import { PAGE_RULES, instrumentKey, paginate, parseLimit } from "./pagination.ts";
import { recordedList } from "./rest-recorded.ts";
import { param, requireCategory, type RestContext, type RouteTable } from "./rest-route.ts";
import type { BybitRecord } from "./venue-api.ts";

const CATEGORIES = ["linear", "inverse", "spot", "option"] as const;

function instruments(ctx: RestContext): unknown {
  const q = ctx.query;
  const category = requireCategory(q, CATEGORIES);
  const symbol = param(q, "symbol");
  const bySymbol = (r: BybitRecord) => symbol === undefined || r["symbol"] === symbol;
  // Nothing is pre-launch and no options are listed in the simulator.
  if (param(q, "status") === "PreLaunch" || category === "option") {
    return { category, list: [], nextPageCursor: "" };
  }
  if (category === "spot") {
    // Spot answers in one page without a cursor, as recorded.
    return { category, list: recordedList("v5-market-instruments-info-spot").filter(bySymbol) };
  }
  const all =
    category === "linear"
      ? ctx.venue.instruments("linear", symbol)
      : recordedList("v5-market-instruments-info-inverse").filter(bySymbol);
  const rule = PAGE_RULES["/v5/market/instruments-info"];
  const page = paginate(all, parseLimit(q.get("limit"), rule), q.get("cursor"), instrumentKey, "empty");
  return { category, list: page.list, nextPageCursor: page.nextPageCursor };
}

export const marketRoutes: RouteTable = {
  "/v5/market/time": {
    method: "GET",
    private: false,
    run: (ctx) => {
      const ms = Math.floor(ctx.serverNow);
      return { timeSecond: String(Math.floor(ms / 1000)), timeNano: `${ms}000000` };
    },
  },
  "/v5/market/instruments-info": { method: "GET", private: false, run: instruments },
  "/v5/market/tickers": {
    method: "GET",
    private: false,
    run: (ctx) => {
      const category = requireCategory(ctx.query, CATEGORIES);
      return { category, list: ctx.venue.tickers(category, param(ctx.query, "symbol")) };
    },
  },
};

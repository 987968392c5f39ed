/**
 * Trading endpoints of one account: positions, open orders, order history, executions
 * (all cursor-paginated as Bybit does, see pagination.ts) and the order writes, which go to
 * the venue with the parsed JSON body.
 */
import { PAGE_RULES, executionKey, orderKey, paginate, parseLimit, positionKey } from "./pagination.ts";
import { accountOf, param, requireCategory, timeParam, type RestContext, type Route, type RouteTable } from "./rest-route.ts";
import { SimError, type BybitRecord } from "./venue-api.ts";

const LINEAR = ["linear"] as const;

function requireLinearBody(ctx: RestContext): void {
  if (ctx.body["category"] !== "linear") throw new SimError(10001, "params error: Category is invalid");
}

/** `orderFilter`: Order (plain), StopOrder (conditional), tpslOrder (position TP/SL: none are kept as orders here). */
function byOrderFilter(filter: string | undefined): (r: BybitRecord) => boolean {
  if (filter === undefined) return () => true;
  if (filter === "Order") return (r) => r["stopOrderType"] === "" || r["stopOrderType"] === undefined;
  if (filter === "StopOrder") return (r) => r["stopOrderType"] === "Stop";
  if (filter === "tpslOrder") return (r) => ["TakeProfit", "StopLoss", "PartialTakeProfit", "PartialStopLoss"].includes(String(r["stopOrderType"]));
  throw new SimError(10001, "params error: orderFilter invalid");
}

/** Bybit narrows linear listings by symbol, baseCoin or settleCoin, and wants one of them. */
function scope(q: URLSearchParams): { symbol?: string; settleCoin?: string } {
  const symbol = param(q, "symbol");
  const settleCoin = param(q, "settleCoin");
  const baseCoin = param(q, "baseCoin");
  if (symbol !== undefined) return { symbol };
  if (baseCoin !== undefined) return { symbol: `${baseCoin}USDT` };
  if (settleCoin !== undefined) return { settleCoin };
  throw new SimError(10001, "Missing some parameters that must be filled in, symbol or settleCoin or baseCoin");
}

function positions(ctx: RestContext): unknown {
  const q = ctx.query;
  const category = requireCategory(q, LINEAR);
  const s = scope(q);
  const list = ctx.venue.positions(accountOf(ctx).id, s);
  const page = paginate(list, parseLimit(q.get("limit"), PAGE_RULES["/v5/position/list"]), q.get("cursor"), positionKey);
  return { list: page.list, nextPageCursor: page.nextPageCursor, category };
}

function openOrders(ctx: RestContext): unknown {
  const q = ctx.query;
  const category = requireCategory(q, LINEAR);
  const orderId = param(q, "orderId");
  const orderLinkId = param(q, "orderLinkId");
  const filter = byOrderFilter(param(q, "orderFilter"));
  const list = ctx.venue
    .openOrders(accountOf(ctx).id, {
      ...scope(q),
      ...(orderId !== undefined ? { orderId } : {}),
      ...(orderLinkId !== undefined ? { orderLinkId } : {}),
    })
    .filter(filter);
  const page = paginate(list, parseLimit(q.get("limit"), PAGE_RULES["/v5/order/realtime"]), q.get("cursor"), orderKey);
  return { nextPageCursor: page.nextPageCursor, category, list: page.list };
}

/**
 * /v5/order/history lists an order in a slightly different record than /v5/order/realtime
 * (fixtures/bybit/v5-order-history.json vs v5-order-realtime.json, both recorded 2025-09):
 * no `marketUnit`, plus `extraFees` and the slippage-tolerance fields.
 */
function historyRecord(r: BybitRecord): BybitRecord {
  const { marketUnit: _marketUnit, ...rest } = r;
  return { ...rest, extraFees: "", slippageTolerance: "0", slippageToleranceType: "UNKNOWN" };
}

function orderHistory(ctx: RestContext): unknown {
  const q = ctx.query;
  const category = requireCategory(q, LINEAR);
  const symbol = param(q, "symbol");
  const orderId = param(q, "orderId");
  const orderLinkId = param(q, "orderLinkId");
  const orderStatus = param(q, "orderStatus");
  const start = timeParam(q, "startTime");
  const end = timeParam(q, "endTime");
  const filter = byOrderFilter(param(q, "orderFilter"));
  const list = ctx.venue
    .orderHistory(accountOf(ctx).id, {
      ...(symbol !== undefined ? { symbol } : {}),
      ...(orderId !== undefined ? { orderId } : {}),
      ...(orderLinkId !== undefined ? { orderLinkId } : {}),
      ...(orderStatus !== undefined ? { orderStatus } : {}),
    })
    .filter(filter)
    .filter((r) => {
      const t = orderKey.time(r);
      return (start === undefined || t >= start) && (end === undefined || t <= end);
    });
  const page = paginate(list, parseLimit(q.get("limit"), PAGE_RULES["/v5/order/history"]), q.get("cursor"), orderKey);
  return { nextPageCursor: page.nextPageCursor, category, list: page.list.map(historyRecord) };
}

function executions(ctx: RestContext): unknown {
  const q = ctx.query;
  const category = requireCategory(q, LINEAR);
  const symbol = param(q, "symbol");
  const orderId = param(q, "orderId");
  const startTime = timeParam(q, "startTime");
  const endTime = timeParam(q, "endTime");
  const execType = param(q, "execType");
  const list = ctx.venue
    .executions(accountOf(ctx).id, {
      ...(symbol !== undefined ? { symbol } : {}),
      ...(orderId !== undefined ? { orderId } : {}),
      ...(startTime !== undefined ? { startTime } : {}),
      ...(endTime !== undefined ? { endTime } : {}),
    })
    .filter((r) => execType === undefined || r["execType"] === execType);
  const page = paginate(list, parseLimit(q.get("limit"), PAGE_RULES["/v5/execution/list"]), q.get("cursor"), executionKey);
  return { nextPageCursor: page.nextPageCursor, category, list: page.list };
}

function write(run: (ctx: RestContext) => unknown): Route {
  return {
    method: "POST",
    private: true,
    run: (ctx) => {
      requireLinearBody(ctx);
      return run(ctx);
    },
  };
}

export const tradingRoutes: RouteTable = {
  "/v5/position/list": { method: "GET", private: true, run: positions },
  "/v5/order/realtime": { method: "GET", private: true, run: openOrders },
  "/v5/order/history": { method: "GET", private: true, run: orderHistory },
  "/v5/execution/list": { method: "GET", private: true, run: executions },
  "/v5/order/create": write((ctx) => ctx.venue.createOrder(accountOf(ctx).id, ctx.body)),
  "/v5/order/amend": write((ctx) => ctx.venue.amendOrder(accountOf(ctx).id, ctx.body)),
  "/v5/order/cancel": write((ctx) => ctx.venue.cancelOrder(accountOf(ctx).id, ctx.body)),
  "/v5/order/cancel-all": write((ctx) => ctx.venue.cancelAllOrders(accountOf(ctx).id, ctx.body)),
  "/v5/position/trading-stop": write((ctx) => ctx.venue.tradingStop(accountOf(ctx).id, ctx.body)),
  "/v5/position/switch-mode": write((ctx) => ctx.venue.switchMode(accountOf(ctx).id, ctx.body)),
};

/**
 * Account endpoints: the API-key info and account info of ccxt's account-type probe
 * (`isUnifiedEnabled`), and the wallet balance. Every simulated account is a unified
 * trading account (UTA 2.0), so the probe answers `uta: 1`.
 */
import { recordedResult } from "./rest-recorded.ts";
import { accountOf, param, type RouteTable } from "./rest-route.ts";
import { SimError } from "./venue-api.ts";

export const accountRoutes: RouteTable = {
  "/v5/user/query-api": {
    method: "GET",
    private: true,
    run: (ctx) => {
      const account = accountOf(ctx);
      return {
        ...recordedResult("v5-user-query-api"),
        id: account.id === "main" ? "1" : "2",
        note: `warden-sim ${account.id}`,
        apiKey: account.apiKey,
        readOnly: 0,
        ips: ["*"],
        unified: 0,
        uta: 1,
      };
    },
  },
  "/v5/account/info": {
    method: "GET",
    private: true,
    run: (ctx) => ({
      ...recordedResult("v5-account-info"),
      // 6: UTA 2.0 Pro, what ccxt assumes when the field is absent.
      unifiedMarginStatus: 6,
      updatedTime: String(ctx.venue.now()),
    }),
  },
  "/v5/account/wallet-balance": {
    method: "GET",
    private: true,
    run: (ctx) => {
      const accountType = param(ctx.query, "accountType");
      if (accountType !== "UNIFIED") throw new SimError(10001, "accountType only support UNIFIED.");
      return { list: [ctx.venue.walletBalance(accountOf(ctx).id)] };
    },
  },
};

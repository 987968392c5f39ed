/**
 * Test support: a plain ccxt 4.5.84 `bybit` client (no Warden code) pointed at the simulator,
 * either in process through msw (`startMswSim` first: ccxt picks its fetch once) or at a
 * `sim serve` server by overriding its API URLs.
 *
 * Options preset as DESIGN.md's traps say: markets from `linear` only and no currencies
 * (loadMarkets = 2 requests), the unified-account probe skipped (both enableUnifiedMargin and
 * enableUnifiedAccount must be defined for ccxt to skip it), ccxt's own throttle off.
 */
import ccxt from "ccxt";
import type { AccountId } from "../../core/domain/types.ts";
import type { Venue } from "../../core/sim/venue-api.ts";

export type Bybit = InstanceType<typeof ccxt.bybit>;

export interface BybitOnSimOptions {
  readonly account?: AccountId;
  /** Overrides the account's secret (to be refused). */
  readonly secret?: string;
  /** Overrides the account's key. */
  readonly apiKey?: string;
  /** A `sim serve` base URL; without it ccxt talks to https://api.bybit.com through msw. */
  readonly url?: string;
  /** ccxt's request timeout, ms (default 10 000). */
  readonly timeout?: number;
  /** Let ccxt probe the account type (/v5/user/query-api, /v5/account/info) instead of presetting it. */
  readonly probeAccountType?: boolean;
  /** ccxt `options` merged over the defaults. */
  readonly options?: Record<string, unknown>;
}

export function bybitOnSim(sim: { readonly venue: Venue }, opts: BybitOnSimOptions = {}): Bybit {
  const id = opts.account ?? "main";
  const account = sim.venue.accounts().find((a) => a.id === id);
  if (account === undefined) throw new Error(`the simulator has no ${id} account`);
  const exchange = new ccxt.bybit({
    apiKey: opts.apiKey ?? account.apiKey,
    secret: opts.secret ?? account.apiSecret,
    enableRateLimit: false,
    timeout: opts.timeout ?? 10_000,
    options: {
      fetchMarkets: { types: ["linear"] },
      defaultType: "swap",
      ...(opts.probeAccountType ? {} : { enableUnifiedMargin: false, enableUnifiedAccount: true }),
      ...opts.options,
    },
  });
  exchange.has["fetchCurrencies"] = false;
  if (opts.url !== undefined) {
    const api = exchange.urls["api"] as Record<string, string>;
    for (const key of Object.keys(api)) api[key] = opts.url;
  } else {
    // The msw-intercepted fetch (msw must already be listening).
    exchange.fetchImplementation = globalThis.fetch;
  }
  return exchange;
}

/**
 * A read the exchange refused for now does not stop the engine: a rate limit backs every
 * account off until the reset, an IP ban stops all writes for 10 minutes (and alerts),
 * a 5xx, timeout or clock skew is reported; the cycle decides nothing on missing data and
 * the monitors stay due. Auth failures and the like are not absorbed: they propagate.
 */
import type { AccountId } from "../domain/types.ts";
import { ExchangeReadError, IP_BAN_MS } from "../exchange/failure.ts";
import type { Emit, Level } from "../logs/event.ts";
import type { RateBudget } from "./rate-budget.ts";

/** True when the failure was handled (skip and go on); false when it must propagate. */
export function absorbReadFailure(error: unknown, ctx: { budget: RateBudget; accounts: Iterable<AccountId>; emit: Emit; now: number; level?: Level }): boolean {
  if (!(error instanceof ExchangeReadError)) return false;
  const level = ctx.level ?? "warn";
  // the account whose read this was, when it was one account's (the ban and back-off still reach every account they name)
  const accounts = [...ctx.accounts];
  const about = accounts.length === 1 ? { account: accounts[0] } : {};
  // retryAt comes on the engine's clock; the budget runs on the wall clock
  const wall = (at: number | undefined, fallbackMs: number) => ctx.budget.now() + (at === undefined ? fallbackMs : Math.max(0, at - ctx.now));
  switch (error.readKind) {
    case "rate-limited": {
      const until = wall(error.retryAt, 1_000);
      for (const account of accounts) ctx.budget.backOff(account, until);
      ctx.emit(level, "rate.backoff", { ...about, until: new Date(until).toISOString(), endpoint: error.endpoint });
      return true;
    }
    case "ip-banned": {
      const until = wall(error.retryAt, IP_BAN_MS);
      ctx.budget.ban(until);
      ctx.emit("error", "alert", { level: "error", kind: "ip-ban", ...about, message: "IP banned by the exchange (HTTP 403): all writes stopped for 10 minutes", until: new Date(until).toISOString() });
      return true;
    }
    case "retryable":
    case "clock-skew":
      ctx.emit(level, "read.failed", { ...about, endpoint: error.endpoint, code: error.code, reason: error.failure.reason });
      return true;
    default:
      return false;
  }
}

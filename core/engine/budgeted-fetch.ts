/**
 * Every HTTP request an account's adapter makes passes through the rate budget first:
 * reads (GET) and writes (POST) are counted per account and endpoint, and all of them
 * against the per-IP window. This is how Warden stays inside Bybit's limits by its own
 * accounting instead of meeting 10006.
 */
import type { AccountId } from "../domain/types.ts";
import type { RateBudget } from "./rate-budget.ts";

export function budgetedFetch(inner: typeof fetch, budget: RateBudget, account: AccountId): typeof fetch {
  const f = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    await budget.acquire(account, new URL(url).pathname, method === "POST" ? "write" : "read");
    return inner(input, init);
  };
  return f as typeof fetch;
}

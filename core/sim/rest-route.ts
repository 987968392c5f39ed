/**
 * What one REST endpoint of the simulator is: its method, whether it needs a signature, and
 * the function that turns the parsed request into Bybit's `result` object. The envelope,
 * signatures, limits, latency and faults are the simulator's (simulator.ts), not the route's.
 */
import { SimError, type Params, type SimAccount, type Venue } from "./venue-api.ts";

export interface RestContext {
  readonly venue: Venue;
  /** The signed-in account; always set for private routes. */
  readonly account: SimAccount | undefined;
  readonly query: URLSearchParams;
  /** Parsed JSON body of a POST ({} for GET). */
  readonly body: Params;
  /** The exchange's clock as clients see it (wall clock plus any skew), ms. */
  readonly serverNow: number;
}

export interface Route {
  readonly method: "GET" | "POST";
  readonly private: boolean;
  /** Bybit's `result`; throws SimError for a refusal. */
  run(ctx: RestContext): unknown;
}

export type RouteTable = Readonly<Record<string, Route>>;

export function accountOf(ctx: RestContext): SimAccount {
  if (ctx.account === undefined) throw new SimError(10003, "API key is invalid.");
  return ctx.account;
}

/** A query parameter, or undefined when absent or empty (as Bybit treats empty values). */
export function param(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v === null || v === "" ? undefined : v;
}

export function requireCategory(q: URLSearchParams, allowed: readonly string[]): string {
  const category = param(q, "category");
  if (category === undefined || !allowed.includes(category)) {
    throw new SimError(10001, "params error: Category is invalid");
  }
  return category;
}

export function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = param(q, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new SimError(10001, `params error: ${name} invalid`);
  return n;
}

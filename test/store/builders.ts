/** Test builders for the store: monitor-like records and journal actions with defaults. */
import type { WriteAction } from "../../core/domain/action.ts";

export interface TestMonitor {
  readonly id: string;
  readonly account: string;
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly plan: "fast" | "conservative";
  readonly size: number;
  readonly orders: readonly { readonly linkId: string; readonly role: string }[];
}

export function makeMonitor(overrides: Partial<TestMonitor> = {}): TestMonitor {
  const account = overrides.account ?? "main";
  const symbol = overrides.symbol ?? "BTCUSDT";
  const side = overrides.side ?? "long";
  return {
    id: `${account}:${symbol}:${side}`,
    account,
    symbol,
    side,
    plan: "fast",
    size: 0.01,
    orders: [{ linkId: `w-${symbol}-sl-1`, role: "sl" }],
    ...overrides,
  };
}

/** n monitors with distinct symbols. */
export function makeMonitors(n: number, overrides: Partial<TestMonitor> = {}): TestMonitor[] {
  return Array.from({ length: n }, (_, i) => makeMonitor({ symbol: `SYM${i}USDT`, ...overrides }));
}

export function makePlace(overrides: Partial<Extract<WriteAction, { kind: "place" }>> = {}): WriteAction {
  return {
    kind: "place",
    account: "main",
    symbol: "BTCUSDT",
    role: "sl",
    linkId: "w-BTCUSDT-sl-1",
    side: "sell",
    type: "market",
    qty: 0.01,
    triggerPrice: 90000,
    triggerDirection: "fall",
    reduceOnly: true,
    ...overrides,
  };
}

/**
 * Bybit's unified wallet record (fixtures/bybit/v5-account-wallet-balance.json) with one USDT
 * coin: the scenario balance plus realised PnL (net of fees), unrealised PnL from the marks.
 */
import { amount } from "./instruments.ts";
import type { BybitRecord } from "./venue-api.ts";

export interface WalletFigures {
  /** Scenario balance, USDT. */
  readonly balance: number;
  readonly realisedPnl: number;
  readonly unrealisedPnl: number;
  readonly positionIM: number;
  readonly positionMM: number;
}

export function walletRecord(f: WalletFigures): BybitRecord {
  const wallet = f.balance + f.realisedPnl;
  const equity = wallet + f.unrealisedPnl;
  const a = amount;
  return {
    totalEquity: a(equity),
    accountIMRate: a(equity > 0 ? f.positionIM / equity : 0),
    totalMarginBalance: a(equity),
    totalInitialMargin: a(f.positionIM),
    accountType: "UNIFIED",
    totalAvailableBalance: a(equity - f.positionIM),
    accountMMRate: a(equity > 0 ? f.positionMM / equity : 0),
    totalPerpUPL: a(f.unrealisedPnl),
    totalWalletBalance: a(wallet),
    accountLTV: "0",
    totalMaintenanceMargin: a(f.positionMM),
    coin: [
      {
        availableToBorrow: "",
        bonus: "0",
        accruedInterest: "0",
        availableToWithdraw: "",
        totalOrderIM: "0",
        equity: a(equity),
        totalPositionMM: a(f.positionMM),
        usdValue: a(equity),
        unrealisedPnl: a(f.unrealisedPnl),
        collateralSwitch: true,
        spotHedgingQty: "0",
        borrowAmount: "0.000000000000000000",
        totalPositionIM: a(f.positionIM),
        walletBalance: a(wallet),
        cumRealisedPnl: a(f.realisedPnl),
        locked: "0",
        marginCollateral: true,
        coin: "USDT",
      },
    ],
  };
}

/**
 * `warden trade SYMBOL long|short --qty Q [--entries P1,P2,P3 | --market] [--stop PRICE|PCT%]
 * [--tp P1,P2,...|PCT%,...] [--ladder 85,5,5,5] [--account NAME] [--config FILE] [--state-dir DIR]
 * [--json] [--base-url URL] [--testnet]`: records the plan in the state dir (plans.json, as
 * `warden plan` does), then places the entries with Warden's orderLinkIds: limit orders split
 * evenly over the prices on the lot grid, or one market order. The running engine (or the next
 * `run --once`) places the stop and the TPs as soon as a position exists and follows the plan.
 * An inconsistent plan, an unknown symbol or an account not in the roster (the config's `accounts`,
 * or main and mirror): one line, exit 2, nothing placed. The account's keys come from
 * WARDEN_<NAME>_API_KEY / _SECRET.
 */
import type { CAC } from "cac";
import type { Level, PositionPlan } from "../../core/domain/position-plan.ts";
import { InputError, RuntimeFault, UsageError } from "../../core/errors.ts";
import { writeStdout } from "../../core/runtime.ts";
import { accountFlag } from "../account-flag.ts";
import { liveCredentials } from "../credentials.ts";
import { boolFlag, enumFlag, numberFlag, stringFlag } from "../options.ts";

interface TradeFlags {
  qty?: unknown;
  entries?: unknown;
  market?: unknown;
  stop?: unknown;
  tp?: unknown;
  ladder?: unknown;
  account?: unknown;
  config?: unknown;
  stateDir?: unknown;
  json?: unknown;
  baseUrl?: unknown;
  testnet?: unknown;
}

export function register(cli: CAC): void {
  cli
    .command("trade <symbol> <side>", "Open a trade with its plan: place the entries now; Warden places the stop and TPs once a position exists")
    .option("--qty <q>", "Position size, on the symbol's lot grid")
    .option("--entries <prices>", "Up to 3 limit entry prices, the size split evenly, like 59500,59000,58500")
    .option("--market", "One market entry instead")
    .option("--stop <price|pct%>", "The stop: a price beyond every entry, or a distance from the average entry like 2%")
    .option("--tp <prices|pcts>", "TPs nearest first: prices, or distances from the average entry like 1%,2%,3%")
    .option("--ladder <shares>", "% of the position per TP, summing to 100 (default 100 for one TP, 85/5/5/5 for four)")
    .option("--account <name>", "The account, a name of the roster (the config's accounts, else main or mirror; default: the first)")
    .option("--config <file>", "Engine settings (JSON) whose accounts --account is checked against")
    .option("--state-dir <dir>", "State directory the running engine uses (default: bybit-<host> under the state root)")
    .option("--base-url <url>", "Bybit-compatible REST URL (testnet, demo, or `warden sim serve`)")
    .option("--testnet", "Bybit's testnet")
    .option("--json", "Print the result as JSON")
    .example("warden trade BTCUSDT long --qty 0.03 --entries 59500,59000,58500 --stop 57500 --tp 1%,2%,3%,5%")
    .example("warden trade ETHUSDT short --qty 1 --market --stop 2% --tp 3%")
    .action((symbol: string, side: string, flags: TradeFlags) => trade(symbol, side, flags));
}

async function trade(symbolArg: string, sideArg: string, flags: TradeFlags): Promise<number> {
  const json = boolFlag(flags.json);
  const side = enumFlag("side", sideArg, ["long", "short"] as const);
  if (side === undefined) throw new UsageError("USAGE_BAD_ARGUMENT", `side must be long or short, got "${sideArg}"`);
  const symbol = symbolArg.toUpperCase();
  const { configuredNames } = await import("../account-flag.ts");
  const roster = await configuredNames(stringFlag("config", flags.config));
  const account = accountFlag(flags.account, roster.names, roster.where) ?? roster.names[0]!;
  const qty = numberFlag("qty", flags.qty, { min: 0 });
  if (qty === undefined) throw new UsageError("USAGE_BAD_FLAG", "trade needs --qty");
  const entriesText = stringFlag("entries", flags.entries);
  const market = boolFlag(flags.market);
  if ((entriesText === undefined) === !market) throw new UsageError("USAGE_BAD_FLAG", "trade needs either --entries P1,P2,P3 or --market");
  const entries = entriesText?.split(",").map((p) => {
    const n = Number(p);
    if (!(n > 0)) throw new UsageError("USAGE_BAD_FLAG", `--entries expects prices like 59500,59000, got "${entriesText}"`);
    return n;
  });
  const { level, tpLevels, shares } = await import("../plan-flags.ts");
  const stopText = stringFlag("stop", flags.stop);
  const tpText = stringFlag("tp", flags.tp);
  const ladderText = stringFlag("ladder", flags.ladder);
  const stop: Level | undefined = stopText === undefined ? undefined : level("--stop", stopText);
  const tps: PositionPlan["tps"] = tpText === undefined ? undefined : tpLevels(tpText);
  const ladder = ladderText === undefined ? undefined : shares(ladderText);

  const baseUrl = stringFlag("base-url", flags.baseUrl);
  const testnet = boolFlag(flags.testnet);
  const credentials = liveCredentials([account], [account])[account]!;
  const { createBybitAccount } = await import("../../core/exchange/ccxt-adapter.ts");
  const exchange = createBybitAccount({ account, apiKey: credentials.apiKey, secret: credentials.secret, testnet, ...(baseUrl !== undefined ? { baseUrl } : {}) });
  const instrument = (await exchange.instruments()).get(symbol);
  if (instrument === undefined) throw new InputError("TRADE_UNKNOWN_SYMBOL", `${symbol} is not a linear instrument on this exchange; nothing placed`);

  const { FileStateStore } = await import("../../core/store/file-state-store.ts");
  const { defaultStateDir } = await import("../../core/store/state-dir.ts");
  const dir = stringFlag("state-dir", flags.stateDir) ?? defaultStateDir("bybit", baseUrl !== undefined ? new URL(baseUrl).host : testnet ? "api-testnet.bybit.com" : "api.bybit.com");
  const store = new FileStateStore(dir);
  const { planTrade } = await import("../../core/domain/trade.ts");
  const planned = planTrade(
    { account, symbol, side, qty, ...(entries !== undefined ? { entries } : {}), ...(stop !== undefined ? { stop } : {}), ...(tps !== undefined ? { tps } : {}), ...(ladder !== undefined ? { ladder } : {}) },
    instrument,
    Date.now(),
    (await store.settings()).instance,
  );
  if ("problems" in planned) throw new UsageError("USAGE_TRADE", `${account}:${symbol}:${side}: ${planned.problems.join("; ")}; nothing placed`);

  const id = `${account}:${symbol}:${side}`;
  await store.updatePositionPlans((all) => ({ ...all, [id]: planned.plan }));
  const placed: { linkId: string; status: string; price?: number; qty: number }[] = [];
  for (const order of planned.orders) {
    let outcome = await exchange.place({ symbol, linkId: order.linkId, side: order.side, type: order.type, qty: order.qty, reduceOnly: false, ...(order.price !== undefined ? { price: order.price } : {}) });
    if (outcome.status === "unknown") {
      // never re-sent blindly, never reported "not placed" on a guess: ask the exchange
      const found = await exchange.lookupOrder(symbol, order.linkId).catch(() => "no answer" as const);
      outcome = found === "no answer" ? outcome : found !== undefined ? { status: "ok", orderId: found.id } : { status: "rejected", code: "ABSENT", reason: `${outcome.reason}; not found by a lookup right after` };
    }
    placed.push({ linkId: order.linkId, status: outcome.status, qty: order.qty, ...(order.price !== undefined ? { price: order.price } : {}) });
    if (outcome.status === "unknown") {
      throw new RuntimeFault("TRADE_ENTRY_UNKNOWN", `${id}: entry ${order.linkId}: no answer, and no lookup answered (${outcome.reason}); it may be placed: check before trading again (a running engine adopts it if it was); the plan is recorded in ${dir}`);
    }
    if (outcome.status !== "ok" && outcome.status !== "exists") {
      const why = "reason" in outcome ? outcome.reason : outcome.status;
      throw new RuntimeFault("TRADE_ENTRY_FAILED", `${id}: entry ${order.linkId} not placed (${why}); ${placed.length - 1} of ${planned.orders.length} placed, the plan is recorded in ${dir}`);
    }
  }
  if (json) writeStdout(`${JSON.stringify({ monitor: id, stateDir: dir, plan: planned.plan, entries: placed })}\n`);
  else writeStdout(`${id}: ${placed.map((o) => `${o.qty} ${o.price !== undefined ? `at ${o.price}` : "at market"}`).join(", ")} placed; the plan is in ${dir}/plans.json, and Warden places the stop and TPs once a position exists\n`);
  return 0;
}

/**
 * A trader's account for the protection regression tests (test/protection/): the in-memory
 * fake behind the exchange port, a scripted wrapper that can answer Warden's writes with an
 * unknown outcome (not applied) or never answer them, and fail every read, and engines built
 * the way `run` builds them, on a virtual clock. The test plays the trader on the fake
 * directly (`mem.place`, `mem.amend`, `cancelByHand`, `setPosition`); the wrapper only sits
 * between Warden and the fake.
 */
import { defaultRoster, type Roster } from "../../core/domain/accounts.ts";
import { VirtualClock } from "../../core/clock.ts";
import { defaultEngineConfig, type EngineConfig } from "../../core/engine/config.ts";
import { createEngine, type CycleReport, type Engine } from "../../core/engine/engine.ts";
import { RateBudget } from "../../core/engine/rate-budget.ts";
import { readPathFor } from "../../core/engine/read-paths.ts";
import type { AccountId, ExchangeOrder, ExchangePosition, Side } from "../../core/domain/types.ts";
import { ExchangeReadError, classify, type FailureFacts } from "../../core/exchange/failure.ts";
import { MemoryExchange } from "../../core/exchange/memory-exchange.ts";
import type { AccountExchange, AmendOrder, PlaceOrder, WriteOutcome } from "../../core/exchange/port.ts";
import { MemorySink, type WardenEvent } from "../../core/logs/event.ts";
import { MemoryStateStore } from "../../core/store/memory-state-store.ts";

export const START = Date.parse("2026-03-02T09:00:00Z");
/** A cycle on the simulator is about 2 s of virtual time. */
export const CYCLE_MS = 2_000;

export const SERVER_ERROR: FailureFacts = { retCode: 10016, retMsg: "Service is restarting, please retry later." };
export const AUTH_ERROR: FailureFacts = { retCode: 10003, retMsg: "API key is invalid." };

type WriteKind = "place" | "amend" | "cancel";
type WriteRequest = { readonly kind: "place"; readonly order: PlaceOrder } | { readonly kind: "amend"; readonly order: AmendOrder } | { readonly kind: "cancel"; readonly symbol: string; readonly linkId: string };

/** What a scripted write does instead of reaching the fake: answer this outcome, or never answer. Either way the fake never sees it. */
export type WriteScript = WriteOutcome | "hang";

interface Scripted {
  readonly kind: WriteKind;
  readonly when: (request: WriteRequest) => boolean;
  readonly answer: WriteScript;
}

export const UNKNOWN: WriteOutcome = { status: "unknown", reason: "BYBIT_10016: Service is restarting, please retry later." };

/** Warden's side of one account: the fake, with scripted answers for the next matching writes and an optional failure of every read. */
export class ScriptedAccount implements AccountExchange {
  readonly account: AccountId;
  readonly sent: WriteRequest[] = [];
  readonly #scripts: Scripted[] = [];
  /** While set, every read fails this way. */
  readsFail: FailureFacts | undefined;
  /** While set, every read waits for it first (a slow or hung account). */
  readsWait: Promise<void> | undefined;
  /** While set, the position listing answers these records instead of the fake's. */
  positionsOverride: (() => ExchangePosition[]) | undefined;

  constructor(readonly mem: MemoryExchange, readonly clock: VirtualClock) {
    this.account = mem.account;
  }

  /** The next write of this kind (matching `when`) is answered by `answer` and never applied. */
  script(kind: WriteKind, answer: WriteScript, when: (request: WriteRequest) => boolean = () => true): void {
    this.#scripts.push({ kind, when, answer });
  }

  instruments = () => this.#read("/v5/market/instruments-info", () => this.mem.instruments());
  positions = () => this.#read("/v5/position/list", async () => this.positionsOverride?.() ?? (await this.mem.positions()));
  openOrders = (symbol?: string) => this.#read("/v5/order/realtime", () => this.mem.openOrders(symbol));
  position = (symbol: string) => this.#read("/v5/position/list", () => this.mem.position(symbol));
  lookupOrder = (symbol: string, linkId: string) => this.#read("/v5/order/realtime", () => this.mem.lookupOrder(symbol, linkId));
  requestStats = () => this.mem.requestStats();

  place = (order: PlaceOrder) => this.#write({ kind: "place", order }, () => this.mem.place(order));
  amend = (order: AmendOrder) => this.#write({ kind: "amend", order }, () => this.mem.amend(order));
  cancel = (symbol: string, linkId: string) => this.#write({ kind: "cancel", symbol, linkId }, () => this.mem.cancel(symbol, linkId));

  async #read<T>(endpoint: string, read: () => Promise<T>): Promise<T> {
    if (this.readsWait !== undefined) await this.readsWait;
    if (this.readsFail !== undefined) throw new ExchangeReadError(endpoint, classify(this.readsFail, this.clock.now()));
    return read();
  }

  #write(request: WriteRequest, apply: () => Promise<WriteOutcome>): Promise<WriteOutcome> {
    this.sent.push(request);
    const at = this.#scripts.findIndex((s) => s.kind === request.kind && s.when(request));
    if (at < 0) return apply();
    const [scripted] = this.#scripts.splice(at, 1);
    if (scripted!.answer === "hang") return new Promise<WriteOutcome>(() => {});
    return Promise.resolve(scripted!.answer);
  }
}

export interface Account {
  readonly mem: MemoryExchange;
  readonly port: ScriptedAccount;
}

export function account(id: AccountId, clock: VirtualClock, marks: Readonly<Record<string, number>>): Account {
  const mem = new MemoryExchange(id, { clock, marks });
  return { mem, port: new ScriptedAccount(mem, clock) };
}

export interface Warden {
  readonly engine: Engine;
  readonly sink: MemorySink;
  readonly store: MemoryStateStore;
  readonly clock: VirtualClock;
}

export interface WardenOptions {
  readonly store?: MemoryStateStore;
  readonly config?: EngineConfig;
  readonly mirrorRatio?: number;
  /** Who follows whom (default: `mirror` follows `main`, at `mirrorRatio`). */
  readonly roster?: Roster;
}

/** An engine over these accounts, started (reconciled), on the `warden` read path. */
export async function startWarden(clock: VirtualClock, accounts: readonly Account[], opts: WardenOptions = {}): Promise<Warden> {
  const exchanges = new Map<AccountId, AccountExchange>(accounts.map((a) => [a.port.account, a.port]));
  const config = opts.config ?? defaultEngineConfig();
  const sink = new MemorySink();
  const store = opts.store ?? new MemoryStateStore();
  const engine = createEngine({
    exchanges,
    readPath: readPathFor("warden", exchanges, clock, config),
    store,
    clock,
    sink,
    config,
    budget: new RateBudget(),
    roster: opts.roster ?? defaultRoster([...exchanges.keys()], opts.mirrorRatio),
  });
  await engine.start();
  return { engine, sink, store, clock };
}

/** One cycle after `ms` of virtual time. */
export async function cycleAfter(w: Warden, ms = CYCLE_MS): Promise<CycleReport> {
  w.clock.advance(ms);
  return w.engine.cycle();
}

/** Cycles every `stepMs` for `ms` of virtual time. */
export async function runFor(w: Warden, ms: number, stepMs = CYCLE_MS): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) await cycleAfter(w, stepMs);
}

const OPEN = new Set(["open", "untriggered"]);

/** Working reduce-only conditional orders on the closing side of `side` (stops and conditional exits). */
export function workingStops(mem: MemoryExchange, symbol: string, side: Side = "long"): ExchangeOrder[] {
  const closing = side === "long" ? "sell" : "buy";
  return mem.allOrders().filter((o) => o.symbol === symbol && OPEN.has(o.status) && o.triggerPrice !== undefined && o.reduceOnly && o.side === closing);
}

/** Working orders of a symbol, newest first. */
export function workingOrders(mem: MemoryExchange, symbol: string): ExchangeOrder[] {
  return mem.allOrders().filter((o) => o.symbol === symbol && OPEN.has(o.status));
}

/** The stops as {qty, triggerPrice}, for readable failures. */
export function stopsOf(mem: MemoryExchange, symbol: string, side: Side = "long"): { qty: number; triggerPrice: number | undefined }[] {
  return workingStops(mem, symbol, side).map((o) => ({ qty: o.qty, triggerPrice: o.triggerPrice }));
}

export async function positionOf(mem: MemoryExchange, symbol: string): Promise<ExchangePosition | undefined> {
  return (await mem.positions()).find((p) => p.symbol === symbol);
}

/**
 * DESIGN "Protection": a working reduce-only conditional order on the closing side, trigger
 * on the losing side of the mark, qty covering the position within one lot, whoever placed it.
 */
export async function isProtected(mem: MemoryExchange, symbol: string, lot: number): Promise<boolean> {
  const position = await positionOf(mem, symbol);
  if (position === undefined) return true;
  return workingStops(mem, symbol, position.side).some((o) => {
    const losing = position.side === "long" ? o.triggerPrice! < position.markPrice : o.triggerPrice! > position.markPrice;
    return losing && o.qty >= position.size - lot + 1e-12;
  });
}

export function alerts(sink: MemorySink, kind?: string): WardenEvent[] {
  return sink.named("alert").filter((e) => kind === undefined || e["kind"] === kind);
}

/** A compact view of alerts for failure messages. */
export function alertSummary(sink: MemorySink): string[] {
  return sink.named("alert").map((e) => `${e.level} kind=${String(e["kind"])}: ${String(e["message"])}`);
}

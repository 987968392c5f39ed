/**
 * The simulator's matching venue: accounts, instruments, positions, orders and executions,
 * driven by a scenario's price path on a virtual clock (matching rules: matching.ts). At each
 * step every symbol's mark moves to its next price, the orders of the symbols that moved are
 * matched, then the step's interventions (things done by hand) happen. Ids come from the
 * scenario seed, times from the virtual clock: one scenario played twice gives the same state.
 */
import { AccountState, type AccountObserver } from "./account.ts";
import { orderRecord, type SimOrder } from "./book.ts";
import { activate, checkTrigger, matchSymbol, protectionPrice } from "./matching.ts";
import { instrumentMap, type InstrumentSpec } from "./instruments.ts";
import { intervene, type InterventionOutcome } from "./interventions.ts";
import { checkCategory, orderRef, paramsError, parseAmend, parseCreate, positionIdxOf, priceFor, text } from "./order-request.ts";
import { positionRecord, positionSide } from "./position-book.ts";
import type { PositionIdx } from "../domain/types.ts";
import { checkPositionIdx, isReducing, parseSwitchMode } from "./position-mode.ts";
import type { Intervention, Scenario } from "./scenario-schema.ts";
import { tickerRecord } from "./ticker.ts";
import { SimError, type BybitRecord, type Params, type SimAccount, type Venue } from "./venue-api.ts";
import { VirtualClock } from "../clock.ts";
import type { AccountId } from "../domain/types.ts";
import { InputError } from "../errors.ts";
import { seededRng, type Rng } from "../rng.ts";
import { seededUuid } from "./uuid.ts";
import { VenueEvents, type VenueListener } from "./venue-events.ts";
import { venueState } from "./venue-state.ts";

export interface VenueOptions {
  /** A clock to share with the engine; it is set to scenario.start and advanced stepMs per step. */
  readonly clock?: VirtualClock;
}

export function createVenue(scenario: Scenario, options: VenueOptions = {}): Venue {
  return new SimVenue(scenario, options);
}

function refused(where: string, e: unknown): never {
  if (e instanceof SimError) throw new InputError("SCENARIO_INVALID", `scenario: ${where}: refused by the venue: ${e.message} (retCode ${e.retCode})`);
  throw e;
}

export class SimVenue implements Venue {
  readonly #scenario: Scenario;
  readonly #clock: VirtualClock;
  readonly #rng: Rng;
  readonly #specs: Map<string, InstrumentSpec>;
  readonly #paths = new Map<string, readonly number[]>();
  readonly #marks = new Map<string, number>();
  readonly #accounts = new Map<AccountId, AccountState>();
  /** Accounts whose key a `revoke-keys` intervention deleted. */
  readonly #revoked = new Set<AccountId>();
  readonly #interventions = new Map<number, Intervention[]>();
  readonly #outcomes: InterventionOutcome[] = [];
  readonly #length: number;
  #step = 0;
  #orderSeq = 0;
  readonly #events = new VenueEvents();
  readonly #stepListeners = new Set<(step: number) => void>();

  constructor(scenario: Scenario, options: VenueOptions = {}) {
    this.#scenario = scenario;
    this.#clock = options.clock ?? new VirtualClock(0);
    this.#clock.set(Date.parse(scenario.start));
    this.#rng = seededRng(scenario.seed);
    try {
      this.#specs = instrumentMap(scenario.instruments, scenario.syntheticInstruments);
    } catch (e) {
      throw new InputError("SCENARIO_INVALID", `scenario: instruments: ${(e as Error).message}`);
    }
    let length = 0;
    for (const [symbol, path] of Object.entries(scenario.prices)) {
      this.#paths.set(symbol, path);
      this.#marks.set(symbol, path[0] ?? 0);
      length = Math.max(length, path.length);
    }
    this.#length = length;
    const newId = () => seededUuid(this.#rng);
    for (const [id, a] of Object.entries(scenario.accounts)) this.#accounts.set(id, new AccountState({ id, apiKey: a.apiKey, apiSecret: a.apiSecret }, a.balance, newId, a.positionMode));
    const now = this.now();
    scenario.positions.forEach((p, i) => {
      const spec = this.#spec(p.symbol, `positions[${i}].symbol`);
      const lots = Math.round(p.size / spec.qtyStep);
      const st = this.#account(p.account, `positions[${i}].account`);
      const positionIdx = st.modes.of(p.symbol) === "hedge" ? (p.side === "long" ? 1 : 2) : 0;
      st.positions.seed(spec, positionIdx, p.side === "long" ? lots : -lots, p.entryPrice, now);
    });
    scenario.orders.forEach((o, i) => {
      const body: Record<string, unknown> = { ...o };
      delete body.account;
      try {
        this.createOrder(o.account, body);
      } catch (e) {
        refused(`orders[${i}]`, e);
      }
    });
    for (const iv of scenario.interventions) {
      const list = this.#interventions.get(iv.step) ?? [];
      list.push(iv);
      this.#interventions.set(iv.step, list);
    }
    this.#intervene();
  }

  now(): number {
    return this.#clock.now();
  }

  accounts(): readonly SimAccount[] {
    return [...this.#accounts.values()].map((a) => (this.#revoked.has(a.account.id) ? { ...a.account, revoked: true } : a.account));
  }

  /**
   * Tells `listener` of every change from now on (venue-events.ts): order writes, executions,
   * and a position record after each fill and each order write. Returns the unsubscribe.
   */
  onChange(listener: VenueListener): () => void {
    if (!this.#events.active) for (const st of this.#accounts.values()) st.observe(this.#observerOf(st));
    const off = this.#events.subscribe(listener);
    return () => {
      off();
      if (!this.#events.active) for (const st of this.#accounts.values()) st.observe(undefined);
    };
  }

  instruments(category: string, symbol?: string): BybitRecord[] {
    if (category !== "linear") return [];
    return [...this.#specs.values()].filter((s) => symbol === undefined || s.symbol === symbol).map((s) => s.record);
  }

  tickers(category: string, symbol?: string): BybitRecord[] {
    if (category !== "linear") return [];
    const now = this.now();
    return [...this.#specs.values()]
      .filter((s) => symbol === undefined || s.symbol === symbol)
      .map((s) => tickerRecord(s, this.#mark(s.symbol), this.#paths.get(s.symbol)?.[0] ?? this.#mark(s.symbol), now));
  }

  positions(account: AccountId, q: { symbol?: string; settleCoin?: string }): BybitRecord[] {
    const st = this.#account(account);
    if (q.settleCoin !== undefined && q.settleCoin !== "USDT") return [];
    if (q.symbol !== undefined) {
      const spec = this.#specs.get(q.symbol);
      if (!spec) throw paramsError(`symbol invalid: ${q.symbol}`);
      const mark = this.#mark(q.symbol);
      // hedge mode: both sides, the empty one as a flat record (as Bybit lists them)
      const slots = st.modes.of(q.symbol) === "hedge" ? ([1, 2] as const) : ([0] as const);
      return slots.map((i) => positionRecord(spec, st.positions.get(q.symbol!, i), mark, this.now(), i));
    }
    return st.positions.open().map((p) => positionRecord(p.spec, p, this.#mark(p.symbol), this.now()));
  }

  openOrders(account: AccountId, q: { symbol?: string; settleCoin?: string; orderId?: string; orderLinkId?: string }): BybitRecord[] {
    if (q.settleCoin !== undefined && q.settleCoin !== "USDT") return [];
    return this.#account(account).orders.listOpen(q).map(orderRecord);
  }

  orderHistory(account: AccountId, q: { symbol?: string; orderId?: string; orderLinkId?: string; orderStatus?: string }): BybitRecord[] {
    return this.#account(account).orders.listHistory(q).map(orderRecord);
  }

  executions(account: AccountId, q: { symbol?: string; orderId?: string; startTime?: number; endTime?: number }): BybitRecord[] {
    const out: BybitRecord[] = [];
    const all = this.#account(account).executions;
    for (let i = all.length - 1; i >= 0; i--) {
      const e = all[i]!;
      const t = Number(e.execTime);
      if (q.symbol !== undefined && e.symbol !== q.symbol) continue;
      if (q.orderId !== undefined && e.orderId !== q.orderId) continue;
      if ((q.startTime !== undefined && t < q.startTime) || (q.endTime !== undefined && t > q.endTime)) continue;
      out.push(e);
    }
    return out;
  }

  walletBalance(account: AccountId): BybitRecord {
    return this.#account(account).walletBalance((s) => this.#mark(s));
  }

  createOrder(account: AccountId, body: Params, createType = "CreateByUser"): { orderId: string; orderLinkId: string } {
    return this.#events.batch(() => this.#createOrder(account, body, createType));
  }

  #createOrder(account: AccountId, body: Params, createType: string): { orderId: string; orderLinkId: string } {
    const st = this.#account(account);
    const req = parseCreate(body, (s) => this.#specs.get(s));
    if (st.orders.hasLinkId(req.orderLinkId)) throw new SimError(110072, "OrderLinkedID is duplicate");
    const symbol = req.spec.symbol;
    const mark = this.#mark(symbol);
    checkPositionIdx(st.modes.of(symbol), req.positionIdx);
    if (isReducing(req)) {
      const side = positionSide(st.positions.get(symbol, req.positionIdx));
      if (side === "" || side === req.side) throw new SimError(110017, "Reduce-only rule not satisfied");
    }
    const conditional = req.triggerPrice > 0;
    let direction = req.triggerDirection;
    if (conditional) {
      if (direction === 0) direction = req.triggerPrice > mark ? 1 : 2;
      checkTrigger(direction, req.triggerPrice, mark);
    }
    const now = this.now();
    const o: SimOrder = {
      seq: ++this.#orderSeq,
      orderId: seededUuid(this.#rng),
      orderLinkId: req.orderLinkId,
      symbol,
      spec: req.spec,
      side: req.side,
      orderType: req.orderType,
      qtyLots: req.lots,
      price: req.orderType === "Limit" ? req.price : conditional ? 0 : protectionPrice(req.spec, req.side, mark),
      triggerPrice: req.triggerPrice,
      triggerDirection: direction,
      reduceOnly: req.reduceOnly,
      closeOnTrigger: req.closeOnTrigger,
      positionIdx: req.positionIdx,
      triggerBy: req.triggerBy,
      timeInForce: req.timeInForce === "IOC" || req.timeInForce === "FOK" ? "IOC" : "GTC",
      stopOrderType: conditional ? "Stop" : "",
      status: conditional ? "Untriggered" : "New",
      cumLots: 0,
      cumValue: 0,
      cumFee: 0,
      createdTime: now,
      updatedTime: now,
      lastPriceOnCreated: mark,
      cancelType: "UNKNOWN",
      createType,
      takeProfit: req.takeProfit,
      stopLoss: req.stopLoss,
    };
    st.orders.add(o);
    if (!conditional) activate(st, o, mark, now, req.timeInForce === "PostOnly");
    this.#positionWritten(st, symbol, o.positionIdx);
    return { orderId: o.orderId, orderLinkId: o.orderLinkId };
  }

  amendOrder(account: AccountId, body: Params): { orderId: string; orderLinkId: string } {
    return this.#events.batch(() => this.#amendOrder(account, body));
  }

  #amendOrder(account: AccountId, body: Params): { orderId: string; orderLinkId: string } {
    const st = this.#account(account);
    const o = this.#findOpen(st, body);
    const req = parseAmend(body, o.spec);
    if (req.lots !== undefined) {
      if (req.lots <= o.cumLots) throw paramsError("qty must be greater than the filled quantity");
      o.qtyLots = req.lots;
    }
    if (req.price !== undefined && o.orderType === "Limit") o.price = req.price;
    if (req.triggerPrice !== undefined) {
      if (o.status !== "Untriggered") throw paramsError("triggerPrice can only be amended on an untriggered conditional order");
      checkTrigger(o.triggerDirection, req.triggerPrice, this.#mark(o.symbol));
      o.triggerPrice = req.triggerPrice;
    }
    if (req.takeProfit !== undefined) o.takeProfit = req.takeProfit;
    if (req.stopLoss !== undefined) o.stopLoss = req.stopLoss;
    o.updatedTime = this.now();
    st.orders.changed(o);
    if (o.status === "New") activate(st, o, this.#mark(o.symbol), this.now(), false);
    this.#positionWritten(st, o.symbol, o.positionIdx);
    return { orderId: o.orderId, orderLinkId: o.orderLinkId };
  }

  cancelOrder(account: AccountId, body: Params): { orderId: string; orderLinkId: string } {
    return this.#events.batch(() => {
      const st = this.#account(account);
      const o = this.#findOpen(st, body);
      st.cancel(o, this.now());
      this.#positionWritten(st, o.symbol, o.positionIdx);
      return { orderId: o.orderId, orderLinkId: o.orderLinkId };
    });
  }

  /** Cancels open orders by symbol, or by settleCoin (USDT: all); orderFilter "StopOrder"/"Order" narrows to conditional/plain ones. */
  cancelAllOrders(account: AccountId, body: Params): { list: { orderId: string; orderLinkId: string }[]; success: string } {
    return this.#events.batch(() => this.#cancelAllOrders(account, body));
  }

  #cancelAllOrders(account: AccountId, body: Params): { list: { orderId: string; orderLinkId: string }[]; success: string } {
    checkCategory(body);
    const st = this.#account(account);
    const symbol = text(body, "symbol");
    const settleCoin = text(body, "settleCoin");
    const filter = text(body, "orderFilter") ?? (text(body, "stopOrderType") === "Stop" ? "StopOrder" : undefined);
    if (settleCoin !== undefined && settleCoin !== "USDT") return { list: [], success: "1" };
    const list: { orderId: string; orderLinkId: string }[] = [];
    const now = this.now();
    for (const o of [...st.orders.listOpen({ symbol })]) {
      if (filter === "StopOrder" && o.stopOrderType === "") continue;
      if (filter === "Order" && o.stopOrderType !== "") continue;
      st.cancel(o, now);
      list.push({ orderId: o.orderId, orderLinkId: o.orderLinkId });
      this.#positionWritten(st, o.symbol, o.positionIdx);
    }
    return { list, success: "1" };
  }

  /** Sets the position's takeProfit/stopLoss fields ("0" clears one). 34040 when nothing changes. */
  tradingStop(account: AccountId, body: Params): Record<string, never> {
    checkCategory(body);
    const st = this.#account(account);
    const symbol = text(body, "symbol");
    if (symbol === undefined) throw paramsError("symbol is required");
    const spec = this.#specs.get(symbol);
    if (!spec) throw paramsError(`symbol invalid: ${symbol}`);
    const positionIdx = positionIdxOf(body);
    checkPositionIdx(st.modes.of(symbol), positionIdx);
    const pos = st.positions.get(symbol, positionIdx);
    if (!pos || pos.lots === 0) throw new SimError(10001, "can not set tp/sl/ts for zero position");
    const next = (key: "takeProfit" | "stopLoss"): string => {
      const v = text(body, key);
      if (v === undefined) return pos[key];
      if (Number(v) === 0) return "";
      priceFor(spec, Number(v), key);
      return v;
    };
    const takeProfit = next("takeProfit");
    const stopLoss = next("stopLoss");
    if (takeProfit === pos.takeProfit && stopLoss === pos.stopLoss) throw new SimError(34040, "not modified");
    pos.takeProfit = takeProfit;
    pos.stopLoss = stopLoss;
    st.positions.touch(pos, this.now());
    this.#events.batch(() => this.#positionWritten(st, symbol, positionIdx));
    return {};
  }

  /**
   * /v5/position/switch-mode: `mode` 0 one-way, 3 hedge, for a `symbol` or the `coin`
   * (USDT), as position-mode.ts keeps them. Answers `{}`.
   */
  switchMode(account: AccountId, body: Params): Record<string, never> {
    checkCategory(body);
    const st = this.#account(account);
    const req = parseSwitchMode(body);
    if ("symbol" in req) {
      if (!this.#specs.has(req.symbol)) throw paramsError(`symbol invalid: ${req.symbol}`);
      st.modes.switchSymbol(req.symbol, req.mode, { position: st.positions.openOf(req.symbol).length > 0, orders: st.orders.openOf(req.symbol).length > 0 });
    } else {
      st.modes.switchCoin(req.mode, new Set([...st.positions.open().map((p) => p.symbol), ...st.orders.openSymbols()]));
    }
    return {};
  }

  onStep(listener: (step: number) => void): () => void {
    this.#stepListeners.add(listener);
    return () => this.#stepListeners.delete(listener);
  }

  step(n = 1): void {
    this.#events.batch(() => this.#steps(n));
  }

  #steps(n: number): void {
    for (let i = 0; i < n && !this.finished(); i++) {
      this.#step++;
      for (const listener of [...this.#stepListeners]) listener(this.#step);
      this.#clock.advance(this.#scenario.stepMs);
      const moved: string[] = [];
      for (const [symbol, path] of this.#paths) {
        const next = path[Math.min(this.#step, path.length - 1)] ?? 0;
        if (next !== this.#marks.get(symbol)) moved.push(symbol);
        this.#marks.set(symbol, next);
      }
      for (const st of this.#accounts.values()) for (const symbol of moved) matchSymbol(st, symbol, this.#mark(symbol), this.now());
      this.#intervene();
    }
  }

  finished(): boolean {
    return this.#step >= this.#length - 1;
  }

  stepIndex(): number {
    return this.#step;
  }

  state(): unknown {
    return venueState({
      step: this.#step,
      steps: this.#length,
      now: this.now(),
      finished: this.finished(),
      marks: this.#marks,
      accounts: [...this.#accounts.values()],
      interventions: this.#outcomes,
    });
  }

  /** An order write: Bybit pushes the position row after it, changed or not. */
  #positionWritten(st: AccountState, symbol: string, positionIdx: PositionIdx): void {
    if (this.#events.active) this.#events.position(st.account.id, this.#positionRecordOf(st, symbol, positionIdx));
  }

  #positionRecordOf(st: AccountState, symbol: string, positionIdx: PositionIdx): BybitRecord {
    const spec = this.#spec(symbol, "symbol");
    return positionRecord(spec, st.positions.get(symbol, positionIdx), this.#mark(symbol), this.now(), positionIdx);
  }

  #observerOf(st: AccountState): AccountObserver {
    const events = this.#events;
    const id = st.account.id;
    return {
      order: (o) => events.order(id, orderRecord(o)),
      execution: (record) => events.execution(id, record),
      position: (symbol, positionIdx) => events.position(id, this.#positionRecordOf(st, symbol, positionIdx)),
    };
  }

  #findOpen(st: AccountState, body: Params): SimOrder {
    const ref = orderRef(body);
    const o = st.orders.findOpen(ref);
    const symbol = text(body, "symbol");
    if (!o || (symbol !== undefined && o.symbol !== symbol)) throw new SimError(110001, "Order does not exist");
    return o;
  }

  #intervene(): void {
    for (const iv of this.#interventions.get(this.#step) ?? []) {
      const st = this.#accounts.get(iv.account);
      const outcome = intervene(iv, st, this.now(), (body) => this.createOrder(iv.account, body));
      if (iv.action === "revoke-keys" && st !== undefined) this.#revoked.add(iv.account);
      this.#outcomes.push(outcome);
      // A cancel by hand is an order write too: Bybit pushes the position row after it.
      if (this.#events.active && st !== undefined && iv.action === "cancel-order" && outcome.outcome === "cancelled") {
        const cancelled = st.orders.listHistory({ orderLinkId: iv.orderLinkId })[0];
        if (cancelled !== undefined) this.#positionWritten(st, iv.symbol, cancelled.positionIdx);
      }
    }
  }

  #account(id: AccountId, where = "account"): AccountState {
    const st = this.#accounts.get(id);
    if (!st) {
      if (where !== "account") throw new InputError("SCENARIO_INVALID", `scenario: ${where}: no ${id} account in the scenario`);
      throw new SimError(10003, "API key is invalid.");
    }
    return st;
  }

  #spec(symbol: string, where: string): InstrumentSpec {
    const spec = this.#specs.get(symbol);
    if (!spec) throw new InputError("SCENARIO_INVALID", `scenario: ${where}: unknown instrument ${symbol}`);
    return spec;
  }

  #mark(symbol: string): number {
    const m = this.#marks.get(symbol);
    if (m === undefined) throw new SimError(10001, `params error: no price for ${symbol} in the scenario`);
    return m;
  }
}

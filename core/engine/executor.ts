/**
 * Carries out the write actions `evaluate` decided, one monitor's actions in order:
 * journal the intent (durably) before the request, respect the rate budget, classify the
 * outcome (the rate budget itself is applied per HTTP request, before it is signed: RateBudget.gate),
 * never retry a create blindly (an unknown outcome is looked up by orderLinkId),
 * journal the outcome, invalidate the account's cached reads, emit an event.
 */
import type { WriteAction } from "../domain/action.ts";
import type { AccountId } from "../domain/types.ts";
import type { AccountExchange, WriteOutcome } from "../exchange/port.ts";
import type { Emit } from "../logs/event.ts";
import type { StateJournal } from "../store/state-store.ts";
import { DeadlineExceeded, withDeadline } from "./deadline.ts";
import type { RateBudget } from "./rate-budget.ts";
import type { ReadPath } from "./read-path.ts";

/** The part of the store's journal the executor needs. */
export type WriteJournal = Pick<StateJournal, "intent" | "outcome">;

export interface ExecutedWrite {
  readonly action: WriteAction;
  readonly outcome:
    | WriteOutcome
    | { readonly status: "skipped"; readonly reason: string }
    /** A create whose answer was unknown, and that a lookup right after did not find: not applied. */
    | { readonly status: "absent"; readonly reason: string };
}

export interface ExecutorDeps {
  readonly exchanges: ReadonlyMap<AccountId, AccountExchange>;
  readonly budget: RateBudget;
  readonly journal: WriteJournal;
  readonly readPath: ReadPath;
  readonly emit: Emit;
  readonly now: () => number;
  /** How long to wait for one request before its outcome is unknown (a hung request holds nothing else), ms. */
  readonly deadlineMs?: number;
}

const eventOf: Record<WriteAction["kind"], string> = {
  place: "order.placed",
  amend: "order.amended",
  cancel: "order.cancelled",
};

/** Outcomes after which the order is where the action wanted it. */
export function succeeded(outcome: ExecutedWrite["outcome"], kind: WriteAction["kind"]): boolean {
  switch (outcome.status) {
    case "ok":
    case "not-modified":
      return true;
    case "exists":
      return kind === "place";
    case "gone":
      return kind === "cancel";
    default:
      return false;
  }
}

export class Executor {
  readonly #deps: ExecutorDeps;
  #writes = 0;

  constructor(deps: ExecutorDeps) {
    this.#deps = deps;
  }

  /** Writes made since the last call. */
  takeWriteCount(): number {
    const n = this.#writes;
    this.#writes = 0;
    return n;
  }

  /** One monitor's writes, in order; after the first that did not succeed the rest are skipped (and decided again next cycle). */
  async execute(monitor: string, actions: readonly WriteAction[]): Promise<ExecutedWrite[]> {
    const done: ExecutedWrite[] = [];
    let failed = false;
    for (const action of actions) {
      if (failed) {
        done.push({ action, outcome: { status: "skipped", reason: "an earlier write of this monitor did not succeed" } });
        continue;
      }
      const result = await this.#one(monitor, action);
      done.push(result);
      failed = !succeeded(result.outcome, action.kind);
    }
    return done;
  }

  /** Exchange times come on the engine's clock (virtual on the simulator); the budget runs on the wall clock. */
  #wall(at: number): number {
    return this.#deps.budget.now() + Math.max(0, at - this.#deps.now());
  }

  async #one(monitor: string, action: WriteAction): Promise<ExecutedWrite> {
    const { budget, journal, emit } = this.#deps;
    const exchange = this.#deps.exchanges.get(action.account);
    if (exchange === undefined) throw new Error(`no exchange for account ${action.account}`);
    if (!budget.writesAllowed()) {
      const outcome = { status: "skipped" as const, reason: `writes stopped by an IP ban until ${new Date(budget.bannedUntil()).toISOString()}` };
      emit("warn", "order.failed", describe(monitor, action, outcome, exchange));
      return { action, outcome };
    }
    const { id } = await journal.intent({ monitor, action });
    this.#writes++;
    const deadline = this.#deps.deadlineMs ?? Infinity;
    let outcome: ExecutedWrite["outcome"] = await withDeadline(send(exchange, action), deadline, `${action.kind} ${action.linkId}`).catch((error: unknown) => {
      if (error instanceof DeadlineExceeded) return { status: "unknown" as const, reason: error.message };
      throw error;
    });
    if (outcome.status === "unknown" && action.kind === "place") {
      // Never re-send a create: ask the exchange whether it landed. Found: applied. Not
      // found: not applied, and decided again next cycle (a create that lands later after
      // all is a second order of one role, which the next evaluation cancels).
      const found = await withDeadline(exchange.lookupOrder(action.symbol, action.linkId), deadline, `lookup ${action.linkId}`).then(
        (order) => ({ answered: true, order }),
        () => ({ answered: false, order: undefined }),
      );
      if (found.order !== undefined) outcome = { status: "ok", orderId: found.order.id };
      else if (found.answered) outcome = { status: "absent", reason: `${outcome.reason}; not found by a lookup right after` };
    }
    if (outcome.status === "exists" && action.kind === "place") outcome = await confirmExisting(exchange, action);
    if (outcome.status === "rate-limited") budget.backOff(action.account, this.#wall(outcome.retryAt));
    if (outcome.status === "ip-banned") {
      budget.ban(this.#wall(outcome.until));
      emit("error", "alert", { level: "error", kind: "ip-ban", account: action.account, message: "IP banned by the exchange: all writes stopped", until: new Date(outcome.until).toISOString() });
    }
    await journal.outcome({
      id,
      status: succeeded(outcome, action.kind) ? "ok" : outcome.status === "unknown" ? "unknown" : "failed",
      detail: outcome.status,
      ...(outcome.status === "ok" && outcome.orderId !== undefined ? { orderId: outcome.orderId } : {}),
    });
    this.#deps.readPath.invalidate(action.account, action.symbol, { linkId: action.linkId, outcome: succeeded(outcome, action.kind) ? "applied" : outcome.status === "unknown" ? "unknown" : "refused" });
    if (succeeded(outcome, action.kind)) emit("info", eventOf[action.kind], describe(monitor, action, outcome, exchange));
    else emit("warn", "order.failed", describe(monitor, action, outcome, exchange));
    return { action, outcome };
  }
}

/** 110072: the linkId is taken. Ours still working is a success; one that already closed is a collision. */
async function confirmExisting(exchange: AccountExchange, action: Extract<WriteAction, { kind: "place" }>): Promise<WriteOutcome> {
  const found = await exchange.lookupOrder(action.symbol, action.linkId).catch(() => undefined);
  if (found === undefined || found.status === "open" || found.status === "untriggered") return { status: "exists" };
  return { status: "rejected", code: "110072", reason: `orderLinkId ${action.linkId} belongs to an order already ${found.status}` };
}

function send(exchange: AccountExchange, action: WriteAction): Promise<WriteOutcome> {
  switch (action.kind) {
    case "place":
      return exchange.place({
        symbol: action.symbol,
        linkId: action.linkId,
        side: action.side,
        type: action.type,
        qty: action.qty,
        reduceOnly: action.reduceOnly,
        ...(action.price !== undefined ? { price: action.price } : {}),
        ...(action.triggerPrice !== undefined ? { triggerPrice: action.triggerPrice } : {}),
        ...(action.triggerDirection !== undefined ? { triggerDirection: action.triggerDirection } : {}),
        ...(action.closeOnTrigger !== undefined ? { closeOnTrigger: action.closeOnTrigger } : {}),
        ...(action.positionIdx !== undefined ? { positionIdx: action.positionIdx } : {}),
      });
    case "amend":
      return exchange.amend({
        symbol: action.symbol,
        linkId: action.linkId,
        ...(action.qty !== undefined ? { qty: action.qty } : {}),
        ...(action.price !== undefined ? { price: action.price } : {}),
        ...(action.triggerPrice !== undefined ? { triggerPrice: action.triggerPrice } : {}),
      });
    case "cancel":
      return exchange.cancel(action.symbol, action.linkId);
  }
}

/** The event fields of one write; a write answered by a paper exchange (`run --dry-run`) says `dryRun: true`. */
function describe(monitor: string, action: WriteAction, outcome: ExecutedWrite["outcome"], exchange: AccountExchange): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    account: action.account,
    symbol: action.symbol,
    monitor,
    role: action.role,
    linkId: action.linkId,
    status: outcome.status,
  };
  if ("qty" in action && action.qty !== undefined) fields["qty"] = action.qty;
  if ("price" in action && action.price !== undefined) fields["price"] = action.price;
  if ("triggerPrice" in action && action.triggerPrice !== undefined) fields["triggerPrice"] = action.triggerPrice;
  if ("reason" in outcome) fields["reason"] = outcome.reason;
  if (exchange.paper === true) fields["dryRun"] = true;
  return fields;
}

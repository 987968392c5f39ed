/**
 * A decision as data. `evaluate` returns these; the engine carries them out.
 * Writes name their order by a deterministic orderLinkId (see link-id.ts).
 */
import type { AccountId, OrderSide } from "./types.ts";

/** "exit": a reduce-only market close (a mirror following its main twin closed by hand). */
export type OrderRole = "entry" | "tp" | "sl" | "exit";

export type Action =
  | {
      readonly kind: "place";
      readonly account: AccountId;
      readonly symbol: string;
      readonly role: OrderRole;
      readonly linkId: string;
      readonly side: OrderSide;
      readonly type: "limit" | "market";
      readonly qty: number;
      readonly price?: number;
      readonly triggerPrice?: number;
      readonly triggerDirection?: "rise" | "fall";
      readonly reduceOnly: boolean;
      readonly closeOnTrigger?: boolean;
      /** Hedge mode: the position's index (1 long, 2 short); absent in one-way mode. */
      readonly positionIdx?: 1 | 2;
    }
  | {
      readonly kind: "amend";
      readonly account: AccountId;
      readonly symbol: string;
      readonly role: OrderRole;
      readonly linkId: string;
      readonly qty?: number;
      readonly price?: number;
      readonly triggerPrice?: number;
    }
  | {
      readonly kind: "cancel";
      readonly account: AccountId;
      readonly symbol: string;
      readonly role: OrderRole;
      readonly linkId: string;
    }
  /** A rule fired: informational, becomes a `rule.applied` event. */
  | { readonly kind: "rule"; readonly rule: RuleName; readonly detail: Readonly<Record<string, unknown>> }
  | { readonly kind: "alert"; readonly level: "warn" | "error"; readonly message: string; readonly detail?: Readonly<Record<string, unknown>> }
  | { readonly kind: "close"; readonly reason: "stop-hit" | "tp-complete" | "flat" | "position-gone" };

export type RuleName =
  | "entry-filled-resize"
  | "tp1-filled-breakeven"
  | "tp-filled-follow"
  | "sl-filled-close"
  | "position-flat-close"
  | "sl-restored"
  | "order-vanished"
  | "mirror-close-followed"
  /** A follower with `follow: "size"` traded at market to hold its ratio of its leader's size. */
  | "follower-size-followed"
  /** A position found without a stop got one (adopted without a stop, or a first entry fill). */
  | "sl-placed"
  /** Our stop vanished and a stop placed by someone else was found working: it is adopted, not doubled. */
  | "sl-adopted"
  /** Take-profits never placed yet (a waiting monitor's first entry fill) were placed. */
  | "tp-placed"
  /** Exit orders found working while a waiting monitor has no position were cancelled. */
  | "exit-cancelled-flat"
  /** The position went flat and opened again between two looks: a new lifetime, none of the old prices kept. */
  | "position-reopened"
  /** A second working order of one role and rung (a create that landed late) was cancelled. */
  | "duplicate-cancelled"
  /** The trader moved the stop on the exchange: it becomes the plan's stop. */
  | "sl-moved-by-hand"
  /** Working TPs totalled more than the position (a manual partial close): the farthest rungs shrank. */
  | "tp-shrunk"
  /** The trader's plan for the position (`warden plan`) moved the stop or a TP (in place), or cancelled a TP rung it no longer has. */
  | "plan-followed"
  /** The plan's trailing stop followed the best mark (only ever tightening). */
  | "sl-trailed"
  /** stopToPreviousTp: after TP n filled, the stop moved to TP n-1's price. */
  | "sl-to-previous-tp"
  /** TP rungs whose share is less than one lot were merged into the next rung. */
  | "tp-rungs-merged"
  /** A cancel Warden sent that did not land is not sent again: the trader changed the order since, and it is decided afresh. */
  | "cancel-withdrawn"
  /** Another Warden instance protects the position: this one stands by (and cancelled what it had placed in a race). */
  | "stand-by";

export type WriteAction = Extract<Action, { kind: "place" | "amend" | "cancel" }>;

export function isWrite(action: Action): action is WriteAction {
  return action.kind === "place" || action.kind === "amend" || action.kind === "cancel";
}

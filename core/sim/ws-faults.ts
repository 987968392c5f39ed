/**
 * The private stream's faults (a scenario's `streamFaults`, scenario-schema.ts), played as the
 * venue's steps begin:
 * - connection faults ("close", "drop", "stall") hit the connections signed in to the
 *   fault's account (any account when absent) at that moment; a connection opened later is
 *   healthy, as a reconnect to Bybit would be;
 * - frame faults ("drop-frame", "duplicate", "delay", "reorder") are armed for the account
 *   and used up by the next `count` push frames of their topic, on whichever connection of
 *   that account;
 * - request faults ("refuse-auth", "refuse-subscribe") are armed and used up by the next
 *   `count` auth or subscribe requests with that account's valid credentials;
 * - "refuse-connect" (Bybit's per-IP connection-rate limit) is armed and used up by the next
 *   `count` connection attempts, whoever makes them.
 * Each fault fires once; `fired()` says how often each one has acted (connections, frames or
 * requests).
 */
import type { AccountId } from "../domain/types.ts";
import type { StreamFault } from "./scenario-schema.ts";
import type { PrivateTopic } from "./ws-private.ts";

export type ConnectionFault = "close" | "drop" | "stall";

/** What happens to one push frame. */
export type FrameFate =
  | { readonly kind: "send" }
  | { readonly kind: "drop" }
  | { readonly kind: "duplicate" }
  | { readonly kind: "delay"; readonly ms: number }
  /** Held back and sent after the connection's next push frame. */
  | { readonly kind: "reorder" };

export interface FaultTarget {
  /** The signed-in account, undefined before auth. */
  readonly account: AccountId | undefined;
  apply(fault: ConnectionFault): void;
}

interface Armed {
  readonly index: number;
  readonly fault: StreamFault;
  left: number;
}

const SEND: FrameFate = { kind: "send" };

export class StreamFaults {
  readonly #faults: readonly StreamFault[];
  readonly #fired: number[];
  readonly #armed: Armed[] = [];

  constructor(faults: readonly StreamFault[]) {
    this.#faults = faults;
    this.#fired = faults.map(() => 0);
  }

  /** A step begins: connection faults act on `targets`, frame and request faults are armed. */
  atStep(step: number, targets: Iterable<FaultTarget>): void {
    this.#faults.forEach((fault, index) => {
      if (fault.atStep !== step) return;
      if (fault.kind !== "close" && fault.kind !== "drop" && fault.kind !== "stall") {
        this.#armed.push({ index, fault, left: fault.count });
        return;
      }
      for (const t of [...targets]) {
        if (t.account === undefined || (fault.account !== undefined && t.account !== fault.account)) continue;
        this.#fired[index]! += 1;
        t.apply(fault.kind);
      }
    });
  }

  /** The fate of a push frame of `topic` to `account`. */
  frame(account: AccountId, topic: PrivateTopic): FrameFate {
    const a = this.#take(account, (f) => f.topic === topic);
    if (a === undefined) return SEND;
    switch (a.kind) {
      case "drop-frame":
        return { kind: "drop" };
      case "duplicate":
        return { kind: "duplicate" };
      case "delay":
        return { kind: "delay", ms: a.delayMs ?? 0 };
      case "reorder":
        return { kind: "reorder" };
      default:
        return SEND;
    }
  }

  /** True when an armed refuse-connect fault takes this connection attempt. */
  refusesConnect(): boolean {
    const a = this.#armed.find((x) => x.left > 0 && x.fault.kind === "refuse-connect");
    if (a === undefined) return false;
    a.left -= 1;
    this.#fired[a.index]! += 1;
    return true;
  }

  /** True when an armed refuse-auth / refuse-subscribe fault takes this request of `account`. */
  refuses(op: "auth" | "subscribe", account: AccountId): boolean {
    return this.#take(account, (f) => f.kind === `refuse-${op}`) !== undefined;
  }

  fired(): number[] {
    return [...this.#fired];
  }

  #take(account: AccountId, match: (f: StreamFault) => boolean): StreamFault | undefined {
    const a = this.#armed.find((x) => x.left > 0 && match(x.fault) && (x.fault.account === undefined || x.fault.account === account));
    if (a === undefined) return undefined;
    a.left -= 1;
    this.#fired[a.index]! += 1;
    return a.fault;
  }
}

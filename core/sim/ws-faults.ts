/**
 * The private stream's faults (a scenario's `streamFaults`, scenario-schema.ts), played as the
 * venue's steps begin:
 * - connection faults ("close", "drop", "stall") hit the connections signed in to the
 *   fault's account (any account when absent) at that moment; a connection opened later is
 *   healthy, as a reconnect to Bybit would be;
 * - frame faults ("drop-frame", "duplicate") are armed for the account and used up by the
 *   next `count` push frames of their topic, on whichever connection of that account.
 * Each fault fires once; `fired()` says how often each one has acted (frames or connections).
 */
import type { AccountId } from "../domain/types.ts";
import type { StreamFault } from "./scenario-schema.ts";
import type { PrivateTopic } from "./ws-private.ts";

export type ConnectionFault = "close" | "drop" | "stall";

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

export class StreamFaults {
  readonly #faults: readonly StreamFault[];
  readonly #fired: number[];
  readonly #armed: Armed[] = [];

  constructor(faults: readonly StreamFault[]) {
    this.#faults = faults;
    this.#fired = faults.map(() => 0);
  }

  /** A step begins: connection faults act on `targets`, frame faults are armed. */
  atStep(step: number, targets: Iterable<FaultTarget>): void {
    this.#faults.forEach((fault, index) => {
      if (fault.atStep !== step) return;
      if (fault.kind === "drop-frame" || fault.kind === "duplicate") {
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

  /** How many times to send a push frame of `topic` to `account`: 0 (dropped), 1, or 2 (duplicated). */
  copies(account: AccountId, topic: PrivateTopic): number {
    const a = this.#armed.find((x) => x.left > 0 && x.fault.topic === topic && (x.fault.account === undefined || x.fault.account === account));
    if (a === undefined) return 1;
    a.left -= 1;
    this.#fired[a.index]! += 1;
    return a.fault.kind === "drop-frame" ? 0 : 2;
  }

  fired(): number[] {
    return [...this.#fired];
  }
}

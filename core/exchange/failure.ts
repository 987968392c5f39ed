/**
 * Failure classification by Bybit `retCode` and HTTP status, never by ccxt's error class
 * alone. The policy is data (the tables below); `classify` reads the facts of one failed
 * request (status, headers, retCode) and `toWriteOutcome` / `ExchangeReadError` turn the
 * class into what the engine sees. A create is never retried: its unknown outcome means
 * "look the orderLinkId up".
 */
import { RuntimeFault } from "../errors.ts";
import type { ReadFailureKind, WriteOutcome } from "./port.ts";

export type FailureClass =
  | "rate-limited" // 10006, HTTP 429: back off until the reset
  | "ip-banned" // HTTP 403 "access too frequent": stop all writes for 10 minutes
  | "clock-skew" // 10002: re-sync the time offset
  | "transient" // 10016, 5xx, timeouts, network errors: reads may retry, writes are "unknown"
  | "auth" // 10003, 10004, 10005, 33004, HTTP 401: fatal
  | "not-modified" // 34040: success
  | "gone" // 110001 on cancel/amend: already gone
  | "exists" // 110072 on create: already placed
  | "rejected"; // refused for a reason retrying will not change

export type WriteOp = "create" | "amend" | "cancel";

/** Bybit retCodes with a fixed meaning. Any other non-zero code is `rejected`. */
export const RET_CODE_POLICY: Readonly<Record<number, FailureClass>> = {
  10002: "clock-skew",
  10003: "auth",
  10004: "auth",
  10005: "auth",
  10006: "rate-limited",
  10016: "transient",
  33004: "auth",
  34040: "not-modified",
  10001: "rejected",
  110003: "rejected",
  110007: "rejected",
  110017: "rejected",
  110043: "not-modified",
};

/** retCodes whose meaning depends on the write: outside these ops they are `rejected`. */
export const OP_CODE_POLICY: Readonly<Record<number, { readonly ops: readonly WriteOp[]; readonly class: FailureClass }>> = {
  110001: { ops: ["cancel", "amend"], class: "gone" },
  110072: { ops: ["create"], class: "exists" },
};

/** HTTP statuses with a fixed meaning when the body carries no retCode. */
export const HTTP_STATUS_POLICY: Readonly<Record<number, FailureClass>> = {
  401: "auth",
  403: "ip-banned",
  408: "transient",
  429: "rate-limited",
};

/** How long an IP ban stops writes, and the back-off when no reset header is given. */
export const IP_BAN_MS = 10 * 60 * 1000;
export const DEFAULT_RATE_LIMIT_BACKOFF_MS = 1000;

/** The facts of one failed request, as the adapter saw them. */
export interface FailureFacts {
  /** HTTP status of the failed response; undefined for timeouts and network errors. */
  readonly httpStatus?: number | undefined;
  /** Bybit retCode from the body, when there was one. */
  readonly retCode?: number | undefined;
  readonly retMsg?: string | undefined;
  /** X-Bapi-Limit-Reset-Timestamp (epoch ms), when the response carried it. */
  readonly limitResetAt?: number | undefined;
  /** True when no response arrived (timeout, connection error). */
  readonly noResponse?: boolean;
}

export interface Failure {
  readonly class: FailureClass;
  /** Stable code, e.g. "BYBIT_10006" or "HTTP_429" or "NETWORK". */
  readonly code: string;
  readonly reason: string;
  /** For rate-limited (epoch ms to wait until) and ip-banned (until). */
  readonly retryAt?: number;
}

export function classify(facts: FailureFacts, now: number, op?: WriteOp): Failure {
  const reason = facts.retMsg ?? (facts.httpStatus !== undefined ? `HTTP ${facts.httpStatus}` : "no response");
  let cls: FailureClass;
  let code: string;
  if (facts.retCode !== undefined && facts.retCode !== 0) {
    code = `BYBIT_${facts.retCode}`;
    const byOp = OP_CODE_POLICY[facts.retCode];
    cls = byOp ? (op !== undefined && byOp.ops.includes(op) ? byOp.class : "rejected") : (RET_CODE_POLICY[facts.retCode] ?? "rejected");
  } else if (facts.httpStatus !== undefined && facts.httpStatus >= 400) {
    code = `HTTP_${facts.httpStatus}`;
    cls = HTTP_STATUS_POLICY[facts.httpStatus] ?? (facts.httpStatus >= 500 ? "transient" : "rejected");
  } else {
    code = facts.noResponse ? "NETWORK" : "UNKNOWN";
    cls = "transient";
  }
  if (cls === "rate-limited") {
    const retryAt = facts.limitResetAt !== undefined && facts.limitResetAt > now ? facts.limitResetAt : now + DEFAULT_RATE_LIMIT_BACKOFF_MS;
    return { class: cls, code, reason, retryAt };
  }
  if (cls === "ip-banned") return { class: cls, code, reason, retryAt: now + IP_BAN_MS };
  return { class: cls, code, reason };
}

/** The outcome of a write that failed. Transient failures are "unknown": never retried blindly. */
export function toWriteOutcome(failure: Failure): WriteOutcome {
  switch (failure.class) {
    case "exists":
      return { status: "exists" };
    case "gone":
      return { status: "gone" };
    case "not-modified":
      return { status: "not-modified" };
    case "rate-limited":
      return { status: "rate-limited", retryAt: failure.retryAt ?? 0 };
    case "ip-banned":
      return { status: "ip-banned", until: failure.retryAt ?? 0 };
    case "transient":
    case "clock-skew":
      return { status: "unknown", reason: `${failure.code}: ${failure.reason}` };
    case "auth":
    case "rejected":
      return { status: "rejected", code: failure.code, reason: failure.reason };
  }
}

export function readKindOf(failure: Failure): ReadFailureKind {
  switch (failure.class) {
    case "rate-limited":
    case "ip-banned":
    case "clock-skew":
    case "auth":
      return failure.class;
    case "transient":
      return "retryable";
    default:
      return "fatal";
  }
}

/** A read that failed, classified. Its message never carries keys, secrets or signatures. */
export class ExchangeReadError extends RuntimeFault {
  readonly readKind: ReadFailureKind;
  readonly failure: Failure;
  readonly endpoint: string;
  constructor(endpoint: string, failure: Failure, options?: { cause?: unknown }) {
    super(`EXCHANGE_READ_${readKindOf(failure).toUpperCase().replace(/-/g, "_")}`, `read ${endpoint} failed: ${failure.code} (${readKindOf(failure)}): ${failure.reason}`, options);
    this.readKind = readKindOf(failure);
    this.failure = failure;
    this.endpoint = endpoint;
    this.name = "ExchangeReadError";
  }
  get retryAt(): number | undefined {
    return this.failure.retryAt;
  }
}

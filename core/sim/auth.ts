/**
 * Request signatures, checked the way Bybit v5 checks them (HMAC-SHA256 mode):
 *
 *   X-BAPI-SIGN = hex(HMAC_SHA256(secret, timestamp + apiKey + recvWindow + payload))
 *
 * where payload is the raw query string for GET and the raw body for POST, byte for byte as
 * sent. Refusals use Bybit's codes and messages: 10003 unknown key, 10002 timestamp outside
 * the receive window (or a key revoked by a scenario's `revoke-keys`), 10004 bad signature.
 *
 * Time: the receive-window check compares the client's timestamp with the REAL wall clock
 * (plus any clock-skew fault), never with the venue's virtual clock. ccxt signs with the
 * local wall clock, while the venue's clock jumps ahead by whole price steps; checking
 * against virtual time would refuse every request after the first step.
 */
import { Buffer } from "node:buffer";
import { createHmac, timingSafeEqual } from "node:crypto";
import type { SimRequest } from "./http-types.ts";
import { SimError, type SimAccount } from "./venue-api.ts";

/** Bybit's default when X-BAPI-RECV-WINDOW is absent. */
export const DEFAULT_RECV_WINDOW = 5_000;
/** Bybit accepts timestamps up to this far ahead of its clock. */
const FUTURE_TOLERANCE_MS = 1_000;

export function signPayload(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("hex");
}

/** The string a client signs for this request. */
export function signedPayload(req: SimRequest, apiKey: string, timestamp: string, recvWindow: string): string {
  return timestamp + apiKey + recvWindow + (req.method.toUpperCase() === "GET" ? req.query : req.body);
}

/** The account whose key the request carries, if any (no signature check). */
export function accountOfKey(req: SimRequest, accounts: readonly SimAccount[]): SimAccount | undefined {
  const key = req.headers["x-bapi-api-key"];
  return key === undefined ? undefined : accounts.find((a) => a.apiKey === key);
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The account a signed request belongs to, or a SimError with Bybit's code.
 * `serverNow` is the wall clock plus any clock-skew, in ms.
 */
export function authenticate(req: SimRequest, accounts: readonly SimAccount[], serverNow: number): SimAccount {
  const account = accountOfKey(req, accounts);
  if (account === undefined || account.revoked === true) throw new SimError(10003, "API key is invalid.");
  const timestamp = req.headers["x-bapi-timestamp"] ?? "";
  const recvWindowText = req.headers["x-bapi-recv-window"] ?? String(DEFAULT_RECV_WINDOW);
  const ts = Number(timestamp);
  const recvWindow = Number(recvWindowText);
  if (!/^\d+$/.test(timestamp) || !Number.isFinite(recvWindow) || recvWindow <= 0) {
    throw new SimError(10001, "invalid request, please check your timestamp and recv_window param");
  }
  if (ts < serverNow - recvWindow || ts >= serverNow + FUTURE_TOLERANCE_MS) {
    throw new SimError(
      10002,
      `invalid request, please check your server timestamp or recv_window param. req_timestamp[${timestamp}],server_timestamp[${Math.floor(serverNow)}],recv_window[${recvWindowText}]`,
    );
  }
  const payload = signedPayload(req, account.apiKey, timestamp, recvWindowText);
  const sign = req.headers["x-bapi-sign"] ?? "";
  if (!sameHex(sign, signPayload(account.apiSecret, payload))) {
    throw new SimError(10004, `error sign! origin_string[${payload}]`);
  }
  return account;
}

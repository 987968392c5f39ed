/**
 * One connection to the simulated private stream (`/v5/private`), as Bybit's v5 docs describe
 * it (websocket/wss-authentication, websocket/private/*), independent of the transport: a text
 * message goes in, the replies come out; a venue change goes in, the pushes for this
 * connection come out.
 *
 * - `{"op":"auth","args":[apiKey, expires, signature]}`: signature = hex
 *   HMAC-SHA256(secret, "GET/realtime" + expires); `expires` (ms, number or string) must be
 *   in the future of the server clock. Reply `{success, ret_msg, op: "auth", conn_id}` (+
 *   `req_id` when sent). Refusals as clients report them from Bybit: an expired or malformed
 *   `expires` gets "Params Error"; an unknown key or a wrong signature "Request not
 *   authorized"; a second auth on one connection "Repeat auth".
 * - `subscribe` / `unsubscribe` with `args` topics: `order`, `execution`, `execution.fast`,
 *   `position`, each as the all-in-one form or per category (`order.linear`; the simulator
 *   only has linear, so other categories never carry data). The two forms cannot be mixed in
 *   one request (refused as a whole). Acks `{success, ret_msg: "", op, conn_id}` (+ `req_id`).
 *   Before auth: "Request not authorized".
 * - `{"op":"ping"}`: the private pong `{req_id, op: "pong", args: ["<server ms>"], conn_id}`.
 * - Pushes `{id, topic, creationTime, data: [...]}` under the topic as subscribed, rows in
 *   Bybit's wire types (ws-rows.ts); `execution.fast` frames have no `id`. No snapshot on
 *   subscribe: only changes made after it.
 */
import { signPayload } from "./auth.ts";
import type { BybitRecord, SimAccount } from "./venue-api.ts";
import type { VenueChange } from "./venue-events.ts";
import { executionRow, fastExecutionRow, orderRow, positionRow } from "./ws-rows.ts";

export type WsMessage = Record<string, unknown>;

export const PRIVATE_TOPICS = ["order", "execution", "execution.fast", "position"] as const;
export type PrivateTopic = (typeof PRIVATE_TOPICS)[number];

const CATEGORIES: Readonly<Record<PrivateTopic, readonly string[]>> = {
  order: ["spot", "linear", "inverse", "option"],
  execution: ["spot", "linear", "inverse", "option"],
  "execution.fast": ["spot", "linear", "inverse", "option"],
  position: ["linear", "inverse", "option"],
};

export const AUTH_REFUSED = { params: "Params Error", unauthorized: "Request not authorized", repeat: "Repeat auth" } as const;

interface Subscription {
  readonly base: PrivateTopic;
  /** undefined: the all-in-one form. */
  readonly category: string | undefined;
}

/** `order.linear` -> { base: "order", category: "linear" }; undefined when not a private topic. */
export function parseTopic(topic: string): Subscription | undefined {
  for (const base of [...PRIVATE_TOPICS].sort((a, b) => b.length - a.length)) {
    if (topic === base) return { base, category: undefined };
    if (topic.startsWith(`${base}.`)) {
      const category = topic.slice(base.length + 1);
      return CATEGORIES[base].includes(category) ? { base, category } : undefined;
    }
  }
  return undefined;
}

export interface SessionOptions {
  readonly connId: string;
  readonly accounts: () => readonly SimAccount[];
  /** The server's wall clock, ms: auth expiry, pong args, push creationTime. */
  readonly now: () => number;
  /** Message ids for pushes. */
  readonly newId: () => string;
  /** A stream fault refusing this valid auth or subscribe request (ws-faults.ts). */
  readonly refuses?: (op: "auth" | "subscribe", account: SimAccount) => boolean;
}

export class PrivateSession {
  readonly connId: string;
  readonly #opts: SessionOptions;
  readonly #topics = new Map<string, Subscription>();
  #account: SimAccount | undefined;

  constructor(opts: SessionOptions) {
    this.#opts = opts;
    this.connId = opts.connId;
  }

  get account(): SimAccount | undefined {
    return this.#account;
  }

  topics(): string[] {
    return [...this.#topics.keys()];
  }

  /** The replies to one text message from the client. */
  receive(text: string): WsMessage[] {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return [this.#reply(undefined, "unknown", false, AUTH_REFUSED.params)];
    }
    if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return [this.#reply(undefined, "unknown", false, AUTH_REFUSED.params)];
    const { op, args, req_id: reqId } = msg as { op?: unknown; args?: unknown; req_id?: unknown };
    const req = typeof reqId === "string" || typeof reqId === "number" ? String(reqId) : undefined;
    switch (op) {
      case "ping":
        return [{ ...(req !== undefined ? { req_id: req } : {}), op: "pong", args: [String(Math.floor(this.#opts.now()))], conn_id: this.connId }];
      case "auth":
        return [this.#auth(req, args)];
      case "subscribe":
      case "unsubscribe":
        return [this.#subscribe(req, op, args)];
      default:
        return [this.#reply(req, typeof op === "string" ? op : "unknown", false, `error:invalid op`)];
    }
  }

  /** The pushes a venue change makes on this connection (none for another account's change). */
  framesFor(change: VenueChange): WsMessage[] {
    if (this.#account === undefined || change.account !== this.#account.id) return [];
    const out: WsMessage[] = [];
    for (const [topic, sub] of this.#topics) {
      if (sub.category !== undefined && sub.category !== "linear") continue;
      const data = this.#rows(sub.base, change);
      if (data.length === 0) continue;
      const creationTime = Math.floor(this.#opts.now());
      out.push(sub.base === "execution.fast" ? { topic, creationTime, data } : { id: this.#opts.newId(), topic, creationTime, data });
    }
    return out;
  }

  #rows(base: PrivateTopic, change: VenueChange): BybitRecord[] {
    switch (base) {
      case "order":
        return change.orders.map(orderRow);
      case "execution":
        return change.executions.map(executionRow);
      case "execution.fast":
        return change.executions.map(fastExecutionRow);
      case "position":
        return change.positions.map(positionRow);
    }
  }

  #auth(req: string | undefined, args: unknown): WsMessage {
    if (this.#account !== undefined) return this.#reply(req, "auth", false, AUTH_REFUSED.repeat);
    if (!Array.isArray(args) || args.length !== 3) return this.#reply(req, "auth", false, AUTH_REFUSED.params);
    const [apiKey, expires, signature] = args as unknown[];
    const expiresText = typeof expires === "number" ? String(expires) : typeof expires === "string" ? expires : "";
    if (typeof apiKey !== "string" || typeof signature !== "string" || !/^\d+$/.test(expiresText)) return this.#reply(req, "auth", false, AUTH_REFUSED.params);
    if (Number(expiresText) <= this.#opts.now()) return this.#reply(req, "auth", false, AUTH_REFUSED.params);
    const account = this.#opts.accounts().find((a) => a.apiKey === apiKey);
    if (account === undefined || account.revoked === true || signPayload(account.apiSecret, `GET/realtime${expiresText}`) !== signature.toLowerCase()) {
      return this.#reply(req, "auth", false, AUTH_REFUSED.unauthorized);
    }
    if (this.#opts.refuses?.("auth", account) === true) return this.#reply(req, "auth", false, AUTH_REFUSED.unauthorized);
    this.#account = account;
    return this.#reply(req, "auth", true, "");
  }

  #subscribe(req: string | undefined, op: "subscribe" | "unsubscribe", args: unknown): WsMessage {
    if (this.#account === undefined) return this.#reply(req, op, false, AUTH_REFUSED.unauthorized);
    if (!Array.isArray(args) || args.length === 0 || !args.every((a) => typeof a === "string")) return this.#reply(req, op, false, AUTH_REFUSED.params);
    const parsed: [string, Subscription][] = [];
    for (const topic of args as string[]) {
      const sub = parseTopic(topic);
      if (sub === undefined) return this.#reply(req, op, false, `Invalid topic: ${topic}`);
      parsed.push([topic, sub]);
    }
    const forms = new Set(parsed.map(([, s]) => s.category === undefined));
    if (forms.size > 1) return this.#reply(req, op, false, "All-In-One topic and Categorised topic cannot be in the same request");
    if (op === "subscribe" && this.#opts.refuses?.("subscribe", this.#account) === true) return this.#reply(req, op, false, AUTH_REFUSED.unauthorized);
    for (const [topic, sub] of parsed) {
      if (op === "subscribe") this.#topics.set(topic, sub);
      else this.#topics.delete(topic);
    }
    return this.#reply(req, op, true, "");
  }

  #reply(req: string | undefined, op: string, success: boolean, retMsg: string): WsMessage {
    return { success, ret_msg: retMsg, op, conn_id: this.connId, ...(req !== undefined ? { req_id: req } : {}) };
  }
}

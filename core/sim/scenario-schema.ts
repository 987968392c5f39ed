/**
 * The scenario file format (fixtures/scenarios/*.json), validated on load with zod.
 * Documented in fixtures/scenarios/README.md. A scenario is everything a simulated run
 * needs: accounts and mirror ratio, instruments, initial positions and orders, price paths,
 * manual interventions, latency profile, faults and seed.
 */
import { z } from "zod";
import { PRIVATE_TOPICS } from "./ws-private.ts";

const positive = z.number().positive();
const symbol = z.string().regex(/^[A-Z0-9]{2,20}USDT$/, "a linear USDT symbol such as BTCUSDT");
/** An account's name, as in Warden's roster (core/domain/accounts.ts). */
const account = z.string().regex(/^[a-z0-9-]{1,32}$/, "an account name of [a-z0-9-]");

export const latencySchema = z.union([
  z.literal("recorded"),
  z.literal("zero"),
  z.string().regex(/^fixed:\d+$/, 'fixed:MS, for example "fixed:50"'),
]);

const accountSchema = z.strictObject({
  apiKey: z.string().min(1),
  apiSecret: z.string().min(1),
  /** USDT wallet balance. */
  balance: positive.default(100_000),
  /** "hedge": Bybit's both-sides mode for every USDT perpetual (positionIdx 1 long, 2 short). */
  positionMode: z.enum(["one-way", "hedge"]).default("one-way"),
});

/** A Bybit v5 linear instrument record in the recorded shape, for symbols the fixtures lack. */
const syntheticInstrument = z.looseObject({
  symbol,
  synthetic: z.literal(true),
  priceFilter: z.looseObject({ tickSize: z.string(), minPrice: z.string(), maxPrice: z.string() }),
  lotSizeFilter: z.looseObject({ qtyStep: z.string(), minOrderQty: z.string(), maxOrderQty: z.string() }),
});

const positionSchema = z.strictObject({
  account,
  symbol,
  side: z.enum(["long", "short"]),
  size: positive,
  entryPrice: positive,
});

const orderSchema = z.strictObject({
  account,
  symbol,
  side: z.enum(["Buy", "Sell"]),
  orderType: z.enum(["Limit", "Market"]),
  qty: positive,
  price: positive.optional(),
  triggerPrice: positive.optional(),
  /** 1: triggers when the price rises to triggerPrice; 2: when it falls to it. */
  triggerDirection: z.union([z.literal(1), z.literal(2)]).optional(),
  reduceOnly: z.boolean().default(false),
  closeOnTrigger: z.boolean().default(false),
  /** 0 one-way (default); in a hedge-mode account 1 (the long's) or 2 (the short's), required. */
  positionIdx: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  orderLinkId: z.string().max(36).optional(),
});

/** Something a person does by hand at a given step. */
const interventionSchema = z.discriminatedUnion("action", [
  z.strictObject({ step: z.number().int().nonnegative(), action: z.literal("cancel-order"), account, symbol, orderLinkId: z.string() }),
  /** Closes the symbol's position; in hedge mode `side` closes that side only, both sides when absent. */
  z.strictObject({ step: z.number().int().nonnegative(), action: z.literal("close-position"), account, symbol, side: z.enum(["long", "short"]).optional() }),
  /** The account's API key is deleted on the website: from this step on its REST requests and stream sign-ins are refused (retCode 10003). */
  z.strictObject({ step: z.number().int().nonnegative(), action: z.literal("revoke-keys"), account }),
]);

const faultSchema = z.strictObject({
  kind: z.enum(["timeout", "5xx", "10006", "10016", "clock-skew", "lost-response", "403"]),
  /** Endpoint path it applies to, e.g. "/v5/order/create"; all when absent. */
  path: z.string().startsWith("/").optional(),
  account: account.optional(),
  /** First and last step (inclusive) during which it may fire. */
  fromStep: z.number().int().nonnegative().default(0),
  toStep: z.number().int().nonnegative().optional(),
  /** Chance per matching request (seeded). */
  probability: z.number().min(0).max(1).default(1),
  /** Fire at most this many times. */
  count: z.number().int().positive().optional(),
  /** clock-skew: how far the exchange's clock is off, ms. */
  skewMs: z.number().int().optional(),
});

/**
 * A fault of the private WebSocket stream (ws-faults.ts), when the step `atStep` begins, for
 * `account` (all when absent): on its signed-in connections "close" (close frame 1000),
 * "drop" (the socket ends with no close frame), "stall" (the socket stays open; no reply, no
 * pong, no data, ever); for its next `count` push frames of `topic` "drop-frame" (never
 * sent), "duplicate" (sent twice), "delay" (sent `delayMs` later), "reorder" (sent after the
 * connection's next push frame); for its next `count` auth or subscribe requests
 * "refuse-auth" / "refuse-subscribe" (`success: false`); for the next `count` connection attempts
 * from anyone (the limit is per IP: no account) "refuse-connect", Bybit's connection-rate limit
 * (the upgrade answered HTTP 429; the in-process socket fails to open, close code 1006).
 */
const streamFaultSchema = z.strictObject({
  kind: z.enum(["close", "drop", "stall", "drop-frame", "duplicate", "delay", "reorder", "refuse-auth", "refuse-subscribe", "refuse-connect"]),
  atStep: z.number().int().nonnegative(),
  account: account.optional(),
  /** Frame faults: the topic whose frames it hits (either form, `order` or `order.linear`). */
  topic: z.enum(PRIVATE_TOPICS).optional(),
  /** Frame and request faults: how many frames or requests. */
  count: z.number().int().positive().default(1),
  /** delay: how long each frame is held, real ms. */
  delayMs: z.number().int().positive().optional(),
});

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(""),
  seed: z.number().int().default(1),
  /** Virtual start time, ISO 8601. */
  start: z.iso.datetime().default("2025-07-24T10:00:00Z"),
  /** Virtual time per price step, ms. */
  stepMs: z.number().int().positive().default(5_000),
  latency: latencySchema.default("recorded"),
  /**
   * The accounts by name, each optionally a follower (`follows`, `ratio`, `follow`) of another.
   * `mirror` with a ratio and no `follows` follows `main` (the two-account format).
   */
  accounts: z
    .record(
      account,
      accountSchema.extend({
        follows: account.optional(),
        ratio: z.number().positive().max(10).optional(),
        follow: z.enum(["close", "size"]).optional(),
      }),
    )
    .refine((all) => Object.keys(all).length > 0, "at least one account")
    .transform((all) =>
      Object.fromEntries(Object.entries(all).map(([name, a]) => [name, name === "mirror" && a.follows === undefined && a.ratio !== undefined && "main" in all ? { ...a, follows: "main" } : a])),
    ),
  /** Symbols taken from the recorded instruments fixture. */
  instruments: z.array(symbol).min(1),
  syntheticInstruments: z.array(syntheticInstrument).default([]),
  positions: z.array(positionSchema).default([]),
  orders: z.array(orderSchema).default([]),
  /** Mark price per step, per symbol. All paths have the same length. */
  prices: z.record(symbol, z.array(positive).min(1)),
  interventions: z.array(interventionSchema).default([]),
  faults: z.array(faultSchema).default([]),
  streamFaults: z.array(streamFaultSchema).default([]),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioOrder = Scenario["orders"][number];
export type ScenarioPosition = Scenario["positions"][number];
export type ScenarioFault = Scenario["faults"][number];
export type Intervention = Scenario["interventions"][number];
export type StreamFault = Scenario["streamFaults"][number];

/**
 * `run --config FILE`: the engine's settings, validated before any network call. Every
 * problem is listed (path and expectation), not just the first, in one line that names
 * the file; the refusal exits 2.
 *
 * This schema is the one place every default is written: each field carries its own, and a
 * section left out is parsed from `{}` (`prefault`), so it gets the same field defaults.
 * The domain has no defaults of its own; the engine hands it `ruleConfigOf(config)`.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { rosterProblems } from "../domain/accounts.ts";
import { planProblems } from "../domain/plan-book.ts";
import { InputError } from "../errors.ts";

const ms = z.number().int().nonnegative();
const pct = z.number().positive().max(100);
const httpUrl = z.url({ protocol: /^https?$/, error: "expected an http(s) URL" });

/** One plan (README "Plans"): stop and TP distances from the average entry, the ladder, and the stop's moves. */
const planSpecSchema = z
  .strictObject({
    stopPct: pct.optional(),
    tpPcts: z.array(pct).max(4).default([]),
    ladder: z.array(pct).min(1).max(4).optional(),
    breakevenAfterTp: z.number().int().min(0).max(4).default(1),
    trail: z.strictObject({ afterTp: z.number().int().min(1).max(4), distancePct: pct }).optional(),
    stopToPreviousTp: z.boolean().default(false),
  })
  .superRefine((spec, ctx) => {
    for (const problem of planProblems(spec)) {
      const [field, ...rest] = problem.split(": ");
      ctx.addIssue({ code: "custom", message: rest.join(": "), path: (field ?? "").split(".") });
    }
  });

export const engineConfigSchema = z.strictObject({
  /** Wall-clock pause between cycles on a live exchange, ms. */
  intervalMs: z.number().int().positive().default(2_000),
  urgency: z
    .strictObject({
      criticalPct: pct.default(0.5),
      urgentPct: pct.default(2),
      activePct: pct.default(5),
      criticalEveryMs: ms.default(0),
      urgentEveryMs: ms.default(5_000),
      activeEveryMs: ms.default(15_000),
      idleEveryMs: ms.default(60_000),
    })
    .prefault({})
    .refine((u) => u.criticalPct <= u.urgentPct && u.urgentPct <= u.activePct, "thresholds must grow: criticalPct <= urgentPct <= activePct"),
  plan: z
    .strictObject({
      /** TP ladder of the conservative plans Warden builds itself (an adopted position with entries but no TPs), % of the position; sums to 100. */
      ladder: z.array(pct).min(1).max(4).default([85, 5, 5, 5]),
      /** Fee buffer added to the average entry for breakeven, basis points. */
      breakevenBufferBps: z.number().nonnegative().max(500).default(11),
      /** Stop distance for an adopted position that has no stop, % of entry. */
      defaultStopPct: pct.default(5),
    })
    .prefault({})
    .refine((p) => Math.abs(p.ladder.reduce((a, b) => a + b, 0) - 100) < 1e-9, { message: "ladder must sum to 100", path: ["ladder"] }),
  /** Plans by symbol ("BTCUSDT") and "default": what a position adopted without a stop or TPs gets. */
  plans: z.record(z.string().regex(/^(default|[A-Z0-9]{2,30})$/, "a plan is named default or by its symbol, e.g. BTCUSDT"), planSpecSchema).default({}),
  cache: z
    .strictObject({
      /** A write is decided on a snapshot no older than this, ms. */
      freshnessMs: ms.default(1_000),
      /** An order missing right after our own write is not declared gone within this, ms. */
      graceMs: ms.default(10_000),
    })
    .prefault({}),
  /** `run --stream` (DESIGN "Streams"): the private stream drives the views and the cycles, REST audits them. */
  stream: z
    .strictObject({
      /** Read accounts from the private stream (as `run --stream` does); off: REST polling. */
      enabled: z.boolean().default(false),
      /** A full REST snapshot per account this often while the stream is live, ms (and after every reconnect and contradiction). */
      auditEveryMs: z.number().int().min(1_000).default(60_000),
      /** A write's echo (its order row), or the rows that follow a fill, must come within this, ms; else a lookup by orderLinkId and an audit. */
      echoTimeoutMs: z.number().int().min(100).default(3_000),
    })
    .prefault({}),
  protection: z
    .strictObject({
      /** An alert about a position left unprotected (or an outage) is repeated this often while it lasts, ms. */
      alertRepeatMs: ms.default(300_000),
      /** Reads of an account failing for this long are an outage alert, ms. */
      outageAfterMs: ms.default(30_000),
      /** How long the engine waits for one account's read, or one write or lookup, before it treats it as failed or unknown, ms (well under intervalMs). */
      deadlineMs: z.number().int().positive().default(1_500),
      /** A second restore of one position's stop within this is an error-level alert, ms. */
      restoreAlertWindowMs: ms.default(600_000),
      /** A stop to place whose trigger the mark already crossed: "from-mark" (defaultStopPct from the mark) or "close" (close at market). */
      pastStop: z.enum(["from-mark", "close"]).default("from-mark"),
    })
    .prefault({}),
  /** Alerts to a phone and a webhook (core/alerts/); the Telegram bot token comes from WARDEN_TELEGRAM_BOT_TOKEN only. */
  alerts: z
    .strictObject({
      telegram: z
        .strictObject({
          /** A user's or group's chat id (groups are negative), or "@channelname". */
          chatId: z.union([z.string().min(1), z.number().int()]).transform(String),
          apiBase: httpUrl.default("https://api.telegram.org"),
        })
        .optional(),
      webhook: z.strictObject({ url: httpUrl }).optional(),
      /** Alerts below this level are not sent. */
      minLevel: z.enum(["info", "warn", "error"]).default("warn"),
      /** A repeat of one alert (same kind and monitor) within this, by the event's time, is not sent again, ms. */
      dedupMs: ms.default(60_000),
      /** Messages waiting per channel; beyond it the oldest is dropped (and counted). */
      queueSize: z.number().int().positive().default(100),
      /** At shutdown, how long delivery may still take before what is left is given up, ms. */
      flushMs: ms.default(5_000),
    })
    .prefault({}),
  mirror: z
    .strictObject({
      /** Mirror size / main size; on the simulator the scenario's ratio applies. */
      ratio: z.number().positive().max(10),
    })
    .optional(),
  /**
   * The accounts (README "Accounts"), each with its keys in WARDEN_<NAME>_API_KEY / _SECRET and
   * optionally following another at a ratio. Absent: `main`, and `mirror` following it when
   * its keys are set (at `mirror.ratio`, or read off the accounts).
   */
  accounts: z
    .array(
      z.strictObject({
        name: z.string(),
        follows: z.string().optional(),
        ratio: z.number().optional(),
        /** "close" (default): a follower follows its leader's close; "size": every size change too, at its ratio. */
        follow: z.enum(["close", "size"]).optional(),
      }),
    )
    .min(1)
    .superRefine((specs, ctx) => {
      for (const problem of rosterProblems(specs)) ctx.addIssue({ code: "custom", message: problem.replace(/^accounts(\[\d+\])?(\.\w+)?:?\s*/, "") || problem, path: pathOf(problem) });
    })
    .optional(),
});

/** "accounts[2].ratio: ..." -> [2, "ratio"] (the path zod prints after "accounts"). */
function pathOf(problem: string): (string | number)[] {
  const m = /^accounts(?:\[(\d+)\])?(?:\.(\w+))?/.exec(problem);
  return [...(m?.[1] !== undefined ? [Number(m[1])] : []), ...(m?.[2] !== undefined ? [m[2]] : [])];
}

export type EngineConfig = z.output<typeof engineConfigSchema>;

export function defaultEngineConfig(): EngineConfig {
  return engineConfigSchema.parse({});
}

/** Every problem, one per line, as "path: message". */
export function listProblems(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`);
}

export function parseEngineConfig(json: unknown, source: string): EngineConfig {
  const result = engineConfigSchema.safeParse(json);
  if (!result.success) {
    const problems = listProblems(result.error);
    throw new InputError("CONFIG_INVALID", `${source}: ${problems.length} problem(s): ${problems.join("; ")}`);
  }
  return result.data;
}

export function loadEngineConfig(path: string): EngineConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError("CONFIG_UNREADABLE", `${path}: cannot read config (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError("CONFIG_INVALID", `${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseEngineConfig(json, path);
}

/**
 * `plans.json`: the plans the trader gave Warden per position (`warden plan`), by monitor id.
 * Checksummed and written atomically like the monitors file; a corrupt one is refused, named,
 * and kept. Two commands at once never lose one: each change is a read-modify-write under a
 * short exclusive lock file (`plans.lock`, taken with O_EXCL, a stale one broken after 10 s).
 */
import { open, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { PositionPlan } from "../domain/position-plan.ts";
import { sleep } from "../clock.ts";
import { InputError, RuntimeFault } from "../errors.ts";
import { readFileIfExists, writeFileAtomic } from "./atomic-file.ts";
import { checksumOf, corruptFile, parseStateJson } from "./state-json.ts";

export const PLANS_FILE = "plans.json";
const SCHEMA = 1;

const pct = z.number().positive().max(100);
const price = z.number().positive();
const planSchema = z.strictObject({
  stop: z.union([z.strictObject({ price }), z.strictObject({ pct })]).optional(),
  tps: z.union([z.strictObject({ prices: z.array(price).min(1).max(4) }), z.strictObject({ pcts: z.array(pct).min(1).max(4) })]).optional(),
  ladder: z.array(pct).min(1).max(4).optional(),
  trail: z.strictObject({ afterTp: z.number().int().min(1).max(4), distancePct: pct }).optional(),
  at: z.number().int().nonnegative(),
  for: z.string().optional(),
});
const docSchema = z.strictObject({ schema: z.literal(SCHEMA), savedAt: z.string(), checksum: z.string(), plans: z.record(z.string(), planSchema) });

export type PositionPlans = Readonly<Record<string, PositionPlan>>;

export function encodePlans(plans: PositionPlans, savedAt: string): string {
  return `${JSON.stringify({ schema: SCHEMA, savedAt, checksum: checksumOf(plans), plans }, null, 2)}\n`;
}

export function decodePlans(text: string, file: string): PositionPlans {
  const parsed = docSchema.safeParse(parseStateJson(text, file, "STATE_CORRUPT"));
  if (!parsed.success) throw corruptFile("STATE_CORRUPT", file, parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "));
  if (parsed.data.checksum !== checksumOf(parsed.data.plans)) throw corruptFile("STATE_CORRUPT", file, "checksum does not match its plans");
  return parsed.data.plans as PositionPlans;
}

/** Plans about to be written, checked against the file's own schema: a plan the engine could not read is refused, never written. */
export function checkPlans(plans: PositionPlans, file: string): PositionPlans {
  const bad = Object.entries(plans).flatMap(([id, plan]) => {
    const r = planSchema.safeParse(plan);
    return r.success ? [] : r.error.issues.map((i) => `${id}.${i.path.join(".")}: ${i.message}`);
  });
  if (bad.length > 0) throw new InputError("PLAN_INVALID", `${file}: not written: ${bad.join("; ")}`);
  return plans;
}

export async function readPlans(dir: string): Promise<PositionPlans> {
  const file = join(dir, PLANS_FILE);
  const read = await readFileIfExists(file);
  return read === undefined ? {} : decodePlans(read.text, file);
}

/** Read-modify-write under the plans lock. */
export async function updatePlans(dir: string, change: (plans: PositionPlans) => PositionPlans, now: () => Date = () => new Date()): Promise<PositionPlans> {
  const lock = join(dir, "plans.lock");
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(lock, "wx");
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 10_000) await rm(lock, { force: true });
      else if (attempt > 200) throw new RuntimeFault("PLANS_LOCKED", `${lock}: another command is changing the plans; try again`);
      else await sleep(10);
    }
  }
  try {
    const next = checkPlans(change(await readPlans(dir)), join(dir, PLANS_FILE));
    await writeFileAtomic(join(dir, PLANS_FILE), encodePlans(next, now().toISOString()));
    return next;
  } finally {
    await rm(lock, { force: true });
  }
}

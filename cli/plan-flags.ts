/** The plan flags `warden plan` and `warden trade` share: `--stop PRICE|PCT%`, `--tp P1,P2|PCT%,...`, `--ladder 85,5,5,5`. */
import type { Level, PositionPlan } from "../core/domain/position-plan.ts";
import { UsageError } from "../core/errors.ts";

export function level(flag: string, raw: string): Level {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(raw.trim());
  if (m === null || !(Number(m[1]) > 0)) throw new UsageError("USAGE_BAD_FLAG", `${flag} expects a price or a percentage like 2%, got "${raw}"`);
  return m[2] === "%" ? { pct: Number(m[1]) } : { price: Number(m[1]) };
}

export function tpLevels(raw: string): NonNullable<PositionPlan["tps"]> {
  const levels = raw.split(",").map((t) => level("--tp", t));
  const pcts = levels.flatMap((l) => ("pct" in l ? [l.pct] : []));
  const prices = levels.flatMap((l) => ("price" in l ? [l.price] : []));
  if (pcts.length > 0 && prices.length > 0) throw new UsageError("USAGE_BAD_FLAG", "--tp: all prices or all percentages, not both");
  return pcts.length > 0 ? { pcts } : { prices };
}

export function shares(raw: string): number[] {
  const out = raw.split(",").map((x) => Number(x));
  if (out.some((x) => !(x > 0))) throw new UsageError("USAGE_BAD_FLAG", `--ladder expects positive percentages like 85,5,5,5, got "${raw}"`);
  return out;
}

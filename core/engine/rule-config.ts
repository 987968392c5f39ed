/** The engine's validated settings as the pure rules want them: the domain's only source of settings. */
import type { RuleConfig } from "../domain/plan.ts";
import { NO_PLAN, type PlanBook, type PlanSpec } from "../domain/plan-book.ts";
import type { EngineConfig } from "./config.ts";

export function ruleConfigOf(config: EngineConfig): RuleConfig {
  const u = config.urgency;
  return {
    breakevenBufferBps: config.plan.breakevenBufferBps,
    graceMs: config.cache.graceMs,
    defaultStopPct: config.plan.defaultStopPct,
    restoreAlertWindowMs: config.protection.restoreAlertWindowMs,
    pastStop: config.protection.pastStop,
    ladder: config.plan.ladder,
    plans: planBookOf(config),
    urgency: {
      criticalPct: u.criticalPct,
      urgentPct: u.urgentPct,
      activePct: u.activePct,
      intervalsMs: { critical: u.criticalEveryMs, urgent: u.urgentEveryMs, active: u.activeEveryMs, idle: u.idleEveryMs },
    },
  };
}

/** The configured plans; without a `default` one, today's behaviour (a stop at plan.defaultStopPct, no TP). */
function planBookOf(config: EngineConfig): PlanBook {
  const spec = (p: EngineConfig["plans"][string]): PlanSpec => {
    const { stopPct, ladder, trail, ...rest } = p;
    return { ...rest, ...(stopPct !== undefined ? { stopPct } : {}), ...(ladder !== undefined ? { ladder } : {}), ...(trail !== undefined ? { trail } : {}) };
  };
  const symbols: Record<string, PlanSpec> = {};
  for (const [name, p] of Object.entries(config.plans)) if (name !== "default") symbols[name] = spec(p);
  const fallback = config.plans["default"];
  return { default: fallback === undefined ? NO_PLAN : spec(fallback), symbols };
}

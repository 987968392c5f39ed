/** The engine's validated settings as the pure rules want them: the domain's only source of settings. */
import type { RuleConfig } from "../domain/plan.ts";
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
    urgency: {
      criticalPct: u.criticalPct,
      urgentPct: u.urgentPct,
      activePct: u.activePct,
      intervalsMs: { critical: u.criticalEveryMs, urgent: u.urgentEveryMs, active: u.activeEveryMs, idle: u.idleEveryMs },
    },
  };
}

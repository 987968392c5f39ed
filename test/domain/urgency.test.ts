import { describe, expect, test } from "bun:test";
import { dueInterval, isDue, urgency } from "../../core/domain/urgency.ts";
import { makeMonitor, RULES } from "./builders.ts";

describe("urgency", () => {
  // Long at 60000: TPs from 61000, stop at 59000, entries at 59500 and 59000.
  const m = makeMonitor();

  test("grades the distance from the mark to the nearest trigger", () => {
    expect(urgency(m, 61_200, RULES.urgency)).toBe("critical");
    expect(urgency(m, 60_300, RULES.urgency)).toBe("urgent");
    expect(urgency(m, 66_000, RULES.urgency)).toBe("active");
    expect(urgency(m, 80_000, RULES.urgency)).toBe("idle");
  });

  test("takes its thresholds from the config", () => {
    expect(urgency(m, 60_300, { ...RULES.urgency, criticalPct: 1.5 })).toBe("critical");
  });

  test("maps urgency to how often the monitor is due", () => {
    expect(dueInterval("critical", RULES.urgency)).toBe(0);
    expect(dueInterval("urgent", RULES.urgency)).toBe(5_000);
    expect(dueInterval("active", RULES.urgency)).toBe(15_000);
    expect(dueInterval("idle", RULES.urgency)).toBe(60_000);
  });

  test("an active monitor is due once the clock reaches nextDueAt; a closed one never", () => {
    expect(isDue({ ...m, nextDueAt: 100 }, 99)).toBe(false);
    expect(isDue({ ...m, nextDueAt: 100 }, 100)).toBe(true);
    expect(isDue({ ...m, status: "closed", nextDueAt: 0 }, 100)).toBe(false);
  });
});

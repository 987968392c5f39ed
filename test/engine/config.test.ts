import { describe, expect, test } from "bun:test";
import { defaultEngineConfig, parseEngineConfig } from "../../core/engine/config.ts";
import { InputError } from "../../core/errors.ts";

function problemsOf(json: unknown): string {
  try {
    parseEngineConfig(json, "warden.json");
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error("expected the config to be refused");
}

describe("engine config", () => {
  test("an empty object gives the documented defaults", () => {
    const c = defaultEngineConfig();
    expect(c.plan.ladder).toEqual([85, 5, 5, 5]);
    expect(c.urgency.criticalPct).toBe(0.5);
    expect(c.urgency.idleEveryMs).toBe(60_000);
  });

  test("lists every problem with its path, naming the file", () => {
    const message = problemsOf({ intervalMs: -1, plan: { ladder: [50, 20] }, bogus: true });
    expect(message).toStartWith("warden.json: 3 problem(s)");
    expect(message).toContain("intervalMs");
    expect(message).toContain("plan.ladder: ladder must sum to 100");
    expect(message).toContain("bogus");
  });

  test("refuses urgency thresholds out of order", () => {
    expect(problemsOf({ urgency: { criticalPct: 3, urgentPct: 2 } })).toContain("criticalPct <= urgentPct");
  });
});

import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../../core/errors.ts";
import { loadScenario, parseScenario } from "../../core/sim/scenario.ts";
import { demo30, generateScenario } from "../../core/sim/scenario-gen.ts";
import type { ScenarioInput } from "../../core/sim/scenario-schema.ts";
import { createVenue } from "../../core/sim/venue.ts";
import type { BybitRecord } from "../../core/sim/venue-api.ts";

function makeInput(over: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    name: "t",
    accounts: { main: { apiKey: "k", apiSecret: "s" } },
    instruments: ["BTCUSDT", "ETHUSDT"],
    positions: [{ account: "main", symbol: "BTCUSDT", side: "long", size: 0.1, entryPrice: 60000 }],
    orders: [{ account: "main", symbol: "BTCUSDT", side: "Sell", orderType: "Limit", qty: 0.1, price: 61000, reduceOnly: true }],
    prices: { BTCUSDT: [60000, 61000], ETHUSDT: [3000, 3010] },
    ...over,
  };
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error("expected an InputError");
}

function invalid(over: Partial<ScenarioInput>): string {
  const e = inputError(() => parseScenario(makeInput(over), "fixtures/scenarios/x.json"));
  expect(e.code).toBe("SCENARIO_INVALID");
  expect(e.message).not.toContain("\n");
  return e.message;
}

describe("loading", () => {
  test("a bare name resolves to fixtures/scenarios/NAME.json whatever the working directory", () => {
    const s = loadScenario("basic");
    expect(s.name).toBe("basic");
    expect(s.positions).toHaveLength(1);
  });

  test("a path is read as a file", () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-scenario-"));
    const file = join(dir, "mine.json");
    writeFileSync(file, JSON.stringify(makeInput()));
    expect(loadScenario(file).instruments).toEqual(["BTCUSDT", "ETHUSDT"]);
  });

  test("a missing file is SCENARIO_UNREADABLE naming the file", () => {
    const e = inputError(() => loadScenario("no-such-scenario"));
    expect(e.code).toBe("SCENARIO_UNREADABLE");
    expect(e.message).toBe("fixtures/scenarios/no-such-scenario.json: no such file");
  });

  test("bad JSON is SCENARIO_UNREADABLE naming the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "warden-scenario-"));
    const file = join(dir, "broken.json");
    writeFileSync(file, "{ not json");
    const e = inputError(() => loadScenario(file));
    expect(e.code).toBe("SCENARIO_UNREADABLE");
    expect(e.message).toStartWith(`${file}: not valid JSON`);
  });
});

describe("validation errors name the file and the field", () => {
  test("a negative order qty", () => {
    expect(invalid({ orders: [{ account: "main", symbol: "BTCUSDT", side: "Buy", orderType: "Limit", qty: -1, price: 59000 }] })).toBe(
      "fixtures/scenarios/x.json: orders[0].qty: expected a positive number",
    );
  });

  test("a missing required field", () => {
    const input = makeInput();
    delete (input as Partial<ScenarioInput>).accounts;
    expect(inputError(() => parseScenario(input, "x.json")).message).toStartWith("x.json: accounts: ");
  });

  test("a position on an unknown symbol", () => {
    expect(invalid({ positions: [{ account: "main", symbol: "SOLUSDT", side: "long", size: 1, entryPrice: 100 }] })).toStartWith(
      "fixtures/scenarios/x.json: positions[0].symbol: SOLUSDT is not in instruments",
    );
  });

  test("price paths of unequal length", () => {
    expect(invalid({ prices: { BTCUSDT: [60000, 61000], ETHUSDT: [3000] } })).toStartWith("fixtures/scenarios/x.json: prices.ETHUSDT: has 1 steps");
  });

  test("a position on an account the scenario does not define", () => {
    expect(invalid({ positions: [{ account: "mirror", symbol: "ETHUSDT", side: "short", size: 1, entryPrice: 3000 }], orders: [] })).toStartWith(
      "fixtures/scenarios/x.json: positions[0].account: mirror is not in accounts",
    );
  });

  test("a follower of an account the scenario does not define", () => {
    expect(invalid({ accounts: { main: { apiKey: "k", apiSecret: "s" }, f1: { apiKey: "k1", apiSecret: "s1", follows: "nobody", ratio: 0.5 } } })).toStartWith(
      'fixtures/scenarios/x.json: accounts.f1.follows: no account is named "nobody"',
    );
  });

  test("an order price off the tick", () => {
    expect(invalid({ orders: [{ account: "main", symbol: "BTCUSDT", side: "Buy", orderType: "Limit", qty: 0.1, price: 59000.05 }] })).toStartWith(
      "fixtures/scenarios/x.json: orders[0].price: 59000.05 is not on tickSize 0.1",
    );
  });

  test("an order qty off the lot", () => {
    expect(invalid({ orders: [{ account: "main", symbol: "BTCUSDT", side: "Buy", orderType: "Limit", qty: 0.0005, price: 59000 }] })).toStartWith(
      "fixtures/scenarios/x.json: orders[0].qty: 0.0005 is not a multiple of qtyStep 0.001",
    );
  });

  test("a reduce-only order with no position to reduce", () => {
    expect(invalid({ positions: [] })).toStartWith("fixtures/scenarios/x.json: orders[0].reduceOnly: main has no long BTCUSDT position");
  });

  test("an instrument that is not recorded", () => {
    expect(invalid({ instruments: ["BTCUSDT", "ETHUSDT", "SOLUSDT"] })).toStartWith("fixtures/scenarios/x.json: instruments[2]: SOLUSDT is not one of the recorded");
  });

  test("an intervention beyond the price path", () => {
    expect(invalid({ interventions: [{ step: 5, action: "close-position", account: "main", symbol: "BTCUSDT" }] })).toStartWith(
      "fixtures/scenarios/x.json: interventions[0].step: 5 is beyond the price path",
    );
  });
});

function countStatus(records: BybitRecord[], status: string, role: RegExp): number {
  return records.filter((o) => o.orderStatus === status && role.test(String(o.orderLinkId))).length;
}

describe("demo-30", () => {
  const scenario = loadScenario("demo-30");

  test("holds 30 positions across main and mirror and about 90 open orders on main", () => {
    const v = createVenue(scenario);
    expect(v.positions("main", { settleCoin: "USDT" }).length + v.positions("mirror", { settleCoin: "USDT" }).length).toBe(30);
    const open = v.openOrders("main", { settleCoin: "USDT" }).length;
    expect(open).toBeGreaterThan(50); // more than Bybit's default page of 20 and more than one page of 50
    expect(open).toBeGreaterThanOrEqual(85);
    expect(open).toBeLessThanOrEqual(95);
    expect(scenario.syntheticInstruments.every((i) => i.synthetic === true)).toBe(true);
    expect(scenario.orders.every((o) => (o.orderLinkId ?? "").length <= 36)).toBe(true);
  });

  test("mixes fast and conservative plans, long and short", () => {
    const main = scenario.orders.filter((o) => o.account === "main");
    expect(main.filter((o) => o.orderLinkId?.endsWith("-tp4")).length).toBeGreaterThan(0);
    expect(main.filter((o) => o.orderLinkId?.endsWith("-tp1")).length).toBeGreaterThan(main.filter((o) => o.orderLinkId?.endsWith("-tp4")).length);
    const sides = new Set(scenario.positions.map((p) => p.side));
    expect([...sides].sort()).toEqual(["long", "short"]);
  });

  test("playing the whole path fills entries and TP1s, triggers stops and applies both hand interventions", () => {
    const v = createVenue(scenario);
    while (!v.finished()) v.step();
    const history = [...v.orderHistory("main", {}), ...v.orderHistory("mirror", {})];
    expect(countStatus(history, "Filled", /-tp1$/)).toBeGreaterThanOrEqual(3);
    expect(countStatus(history, "Filled", /-sl$/)).toBeGreaterThanOrEqual(2);
    expect(countStatus(history, "Filled", /-e\d$/)).toBeGreaterThanOrEqual(2);
    const cancel = scenario.interventions.filter((i) => i.action === "cancel-order");
    const close = scenario.interventions.filter((i) => i.action === "close-position");
    expect([cancel.length, close.length]).toEqual([1, 1]);
    const cancelled = v.orderHistory("main", { orderLinkId: cancel[0]!.action === "cancel-order" ? cancel[0]!.orderLinkId : "" })[0];
    expect(cancelled).toMatchObject({ orderStatus: "Deactivated", cancelType: "CancelByUser" });
    const closedSymbol = close[0]!.symbol;
    const manual = v.executions("main", { symbol: closedSymbol }).find((e) => e.orderLinkId === "" && e.orderType === "Market");
    expect(manual).toBeDefined();
    expect(v.positions("main", { settleCoin: "USDT" }).length).toBeGreaterThan(0);
    const outcomes = (v.state() as { interventions: { outcome: string }[] }).interventions.map((i) => i.outcome);
    expect(outcomes).toEqual(["cancelled", "closed"]);
  });

  test("the fixture is what the generator writes (scripts/gen-demo-30.ts)", () => {
    expect(JSON.parse(JSON.stringify(demo30()))).toEqual(JSON.parse(JSON.stringify(scenario)));
  });
});

describe("fixtures/scenarios/README.md", () => {
  test("its example is a valid scenario", () => {
    const readme = readFileSync(new URL("../../fixtures/scenarios/README.md", import.meta.url), "utf8");
    const example = /```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    expect(parseScenario(JSON.parse(example ?? ""), "README example").name).toBe("basic");
  });
});

describe("generateScenario", () => {
  test("builds a valid scenario of N monitors, two thirds on main", () => {
    const s = generateScenario({ monitors: 300, seed: 3, steps: 20 });
    expect(s.positions).toHaveLength(300);
    expect(s.positions.filter((p) => p.account === "main")).toHaveLength(200);
    expect(s.syntheticInstruments).toHaveLength(192);
    expect(Object.values(s.prices).every((p) => p.length === 20)).toBe(true);
    expect(() => createVenue(s)).not.toThrow();
  });

  test("is deterministic in its options", () => {
    const a = JSON.stringify(generateScenario({ monitors: 40, seed: 9, steps: 30 }));
    expect(JSON.stringify(generateScenario({ monitors: 40, seed: 9, steps: 30 }))).toBe(a);
    expect(JSON.stringify(generateScenario({ monitors: 40, seed: 10, steps: 30 }))).not.toBe(a);
  });

  test("an invalid latency is refused as bad input", () => {
    expect(inputError(() => generateScenario({ monitors: 3, seed: 1, latency: "slow" })).message).toContain("latency");
  });
});

import { defaultRoster } from "../../core/domain/accounts.ts";
import { describe, expect, test } from "bun:test";
import { evaluate } from "../../core/domain/evaluate.ts";
import { lifetimeKey, linkId } from "../../core/domain/link-id.ts";
import { reconcile } from "../../core/domain/reconcile.ts";
import { monitorId, type AccountId, type AccountSnapshot, type ExchangeOrder, type ExchangePosition } from "../../core/domain/types.ts";
import { T0, foreignOrder, listingOf, makeInstrument, makeMonitor, makePosition, makeView, ofKind, RULES } from "./builders.ts";

const instruments = new Map([["BTCUSDT", makeInstrument()]]);

function snapshots(...list: Array<{ account?: AccountId; positions?: ExchangePosition[]; orders?: ExchangeOrder[] }>): Map<AccountId, AccountSnapshot> {
  return new Map(list.map((s) => [s.account ?? "main", { account: s.account ?? "main", positions: s.positions ?? [], orders: s.orders ?? [], takenAt: T0 }]));
}

const ladder = [
  foreignOrder({ linkId: "tp-a", price: 61_000, qty: 0.085 }),
  foreignOrder({ linkId: "tp-b", price: 62_000, qty: 0.005 }),
  foreignOrder({ linkId: "tp-d", price: 64_000, qty: 0.005 }),
  foreignOrder({ linkId: "tp-c", price: 63_000, qty: 0.005 }),
];
const stop = foreignOrder({ linkId: "seed-sl", type: "market", price: undefined, triggerPrice: 59_000, qty: 0.1, status: "untriggered" });
const entry = foreignOrder({ linkId: "entry-a", side: "buy", reduceOnly: false, price: 59_500, qty: 0.05 });

describe("reconcile", () => {
  test("adopts a position it does not know, inferring a conservative plan from four TPs", () => {
    const r = reconcile([], snapshots({ positions: [makePosition()], orders: [...ladder, stop, entry] }), instruments, T0, { config: RULES });
    expect(r.adopted).toEqual(["main:BTCUSDT:long"]);
    const m = r.monitors[0]!;
    expect(m.plan).toEqual({ kind: "conservative", ladder: [85, 5, 5, 5] });
    expect(m.orders.filter((o) => o.role === "tp").map((o) => [o.index, o.linkId])).toEqual([[0, "tp-a"], [1, "tp-b"], [2, "tp-c"], [3, "tp-d"]]);
    expect(m.orders.find((o) => o.role === "sl")?.linkId).toBe("seed-sl");
    expect(m.orders.find((o) => o.role === "entry")?.linkId).toBe("entry-a");
    expect(m.stopPrice).toBe(59_000);
    expect(m.size).toBe(0.1);
  });

  test("infers a fast plan from a single TP, and ignores a profit-side conditional as a stop", () => {
    const takeProfitStop = { ...stop, linkId: "tp-trigger", triggerPrice: 65_000 };
    const r = reconcile([], snapshots({ positions: [makePosition()], orders: [ladder[0]!, takeProfitStop] }), instruments, T0, { config: RULES });
    expect(r.monitors[0]!.plan).toEqual({ kind: "fast" });
    expect(r.monitors[0]!.orders.some((o) => o.role === "sl")).toBe(false);
  });

  test("a position adopted without a stop gets one from the next evaluate", () => {
    const r = reconcile([], snapshots({ positions: [makePosition()], orders: [ladder[0]!] }), instruments, T0, { config: RULES });
    const m = r.monitors[0]!;
    const placed = ofKind(evaluate(m, makeView(m, { orders: [ladder[0]!] }), T0, RULES).actions, "place");
    expect(placed).toEqual([expect.objectContaining({ role: "sl", triggerPrice: 57_000, qty: 0.1 })]); // defaultStopPct 5 from entry 60 000
  });

  test("retires a monitor whose position and orders are all gone", () => {
    const m = makeMonitor();
    const r = reconcile([m], snapshots({}), instruments, T0 + 1, { config: RULES });
    expect(r.retired).toEqual([m.id]);
    expect(r.monitors[0]).toEqual(expect.objectContaining({ status: "closed", closeReason: "position-gone" }));
  });

  test("keeps a monitor whose position is gone while its orders are still listed, for evaluate to cancel them", () => {
    const m = makeMonitor();
    const r = reconcile([m], snapshots({ orders: listingOf(m) }), instruments, T0 + 1, { config: RULES });
    expect(r.retired).toEqual([]);
    expect(r.monitors[0]!.status).toBe("active");
  });

  test("attaches its own orders written before a crash and moves the sequence past them", () => {
    const m = makeMonitor();
    const lost = { ...foreignOrder(), linkId: linkId(lifetimeKey(m), "sl", 0, m.seq + 3), type: "market" as const, triggerPrice: 59_000, price: undefined };
    const r = reconcile([m], snapshots({ positions: [makePosition()], orders: [...listingOf(m), lost] }), instruments, T0 + 1, { config: RULES });
    expect(r.monitors[0]!.orders.at(-1)?.linkId).toBe(lost.linkId);
    expect(r.monitors[0]!.seq).toBe(m.seq + 3);
    expect(r.adopted).toEqual([]);
  });

  test("a position reopened after its monitor closed gets new linkIds, never those of the earlier life", () => {
    const old = { ...makeMonitor({ plan: "fast", entries: 0, tps: false }), status: "closed" as const, closeReason: "stop-hit" as const };
    const r = reconcile([old], snapshots({ positions: [makePosition()], orders: [] }), instruments, T0 + 60_000, { config: RULES });
    const reborn = r.monitors.find((m) => m.id === old.id)!;
    expect(r.adopted).toEqual([old.id]);
    const first = evaluate(reborn, makeView(reborn, { orders: [] }), T0 + 60_000, RULES);
    const placed = first.actions.filter((a) => a.kind === "place").map((a) => (a as { linkId: string }).linkId);
    expect(placed.length).toBeGreaterThan(0);
    for (const id of placed) expect(old.orders.map((o) => o.linkId)).not.toContain(id);
  });

  test("links a mirror monitor to its main twin at the ratio and gives it the main's targets", () => {
    const main = makeMonitor();
    const r = reconcile([main], snapshots({ positions: [makePosition()], orders: listingOf(main) }, { account: "mirror", positions: [makePosition({ size: 0.05 })] }), instruments, T0, { roster: defaultRoster(["main", "mirror"], 0.5), config: RULES });
    const mirror = r.monitors.find((m) => m.account === "mirror")!;
    expect(mirror.id).toBe(monitorId("mirror", "BTCUSDT", "long"));
    expect(mirror.mirrorOf).toBe(main.id);
    expect(mirror.ratio).toBe(0.5);
    expect(mirror.stopPrice).toBe(main.stopPrice!);
  });

  test("is idempotent", () => {
    const main = makeMonitor();
    const gone = makeMonitor({ side: "short" });
    const snaps = snapshots({ positions: [makePosition()], orders: listingOf(main) }, { account: "mirror", positions: [makePosition({ size: 0.05 })], orders: [stop] });
    const once = reconcile([main, gone], snaps, instruments, T0, { roster: defaultRoster(["main", "mirror"], 0.5), config: RULES });
    const twice = reconcile(once.monitors, snaps, instruments, T0, { roster: defaultRoster(["main", "mirror"], 0.5), config: RULES });
    expect(twice.monitors).toEqual(once.monitors);
    expect(twice.changes).toEqual([]);
  });

  test("reports a position on a symbol without an instrument instead of adopting it", () => {
    const r = reconcile([], snapshots({ positions: [makePosition({ symbol: "ETHUSDT" })] }), instruments, T0, { config: RULES });
    expect(r.monitors).toEqual([]);
    expect(r.changes).toEqual([{ kind: "no-instrument", symbol: "ETHUSDT" }]);
  });
});

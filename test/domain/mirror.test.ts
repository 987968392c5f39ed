import { describe, expect, test } from "bun:test";
import { evaluate } from "../../core/domain/evaluate.ts";
import { divergence, divergenceAlert, mirrorSize } from "../../core/domain/mirror.ts";
import { exchangeOrder, listingOf, makeMonitor, makePosition, makeView, ofKind, order, T0, RULES } from "./builders.ts";

describe("mirror", () => {
  const main = makeMonitor({ size: 0.1 });

  test("is quiet while the mirror is within one lot of ratio x main", () => {
    expect(divergence(main, makeMonitor({ account: "mirror", size: 0.05 }), 0.5, 0.001)).toBeUndefined();
    expect(divergence(main, makeMonitor({ account: "mirror", size: 0.051 }), 0.5, 0.001)).toBeUndefined();
    expect(mirrorSize(0.101, 0.5, 0.001)).toBe(0.05);
  });

  test("reports divergence beyond one lot", () => {
    const mirror = makeMonitor({ account: "mirror", size: 0.04 });
    expect(divergence(main, mirror, 0.5, 0.001)).toEqual({ expected: 0.05, actual: 0.04, lots: -10 });
    expect(divergenceAlert(main, mirror, 0.5, 0.001)).toEqual(expect.objectContaining({ kind: "alert", level: "warn" }));
  });

  test("a closed mirror beside an open main diverges", () => {
    expect(divergence(main, { ...makeMonitor({ account: "mirror", size: 0.05 }), status: "closed" }, 0.5, 0.001)?.actual).toBe(0);
  });

  test("the mirror twin follows its own fills with its own link ids at its own size", () => {
    const mirror = makeMonitor({ account: "mirror", size: 0.05 });
    const tp1Main = order(main, "tp", 0);
    const tp1Mirror = order(mirror, "tp", 0);
    const mainResult = evaluate(main, makeView(main, { position: makePosition({ size: 0.015, markPrice: 61_000 }), orders: listingOf(main, [tp1Main.linkId]), lookups: new Map([[tp1Main.linkId, exchangeOrder(tp1Main, { status: "filled" })]]) }), T0, RULES);
    const mirrorResult = evaluate(mirror, makeView(mirror, { position: makePosition({ size: 0.008, markPrice: 61_000 }), orders: listingOf(mirror, [tp1Mirror.linkId]), lookups: new Map([[tp1Mirror.linkId, exchangeOrder(tp1Mirror, { status: "filled" })]]) }), T0, RULES);
    const mainStop = ofKind(mainResult.actions, "amend").find((a) => a.role === "sl")!;
    const mirrorStop = ofKind(mirrorResult.actions, "amend").find((a) => a.role === "sl")!;
    expect(mirrorStop.triggerPrice).toBe(mainStop.triggerPrice!);
    expect(mirrorStop.qty).toBe(0.008);
    expect(mirrorStop.account).toBe("mirror");
    expect(mirrorStop.linkId).not.toBe(mainStop.linkId);
  });
});

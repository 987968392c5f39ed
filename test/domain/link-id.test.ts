import { describe, expect, test } from "bun:test";
import { fnv1a, isOwnLinkId, LINK_ID_MAX, linkId, parseLinkId } from "../../core/domain/link-id.ts";
import { monitorId } from "../../core/domain/types.ts";

describe("link ids", () => {
  const main = monitorId("main", "1000000BABYDOGEUSDT", "short");

  test("are stable across runs (FNV-1a of the monitor id)", () => {
    expect(fnv1a("")).toBe("811c9dc5");
    expect(fnv1a("a")).toBe("e40c292c");
    expect(linkId(main, "sl", 0, 7)).toBe(linkId(main, "sl", 0, 7));
    expect(linkId(main, "sl", 0, 7)).toMatch(/^w-[0-9a-f]{8}-s0-7$/);
  });

  test("stay within 36 characters at the largest index and sequence", () => {
    expect(linkId(main, "entry", 99, Number.MAX_SAFE_INTEGER).length).toBeLessThanOrEqual(LINK_ID_MAX);
  });

  test("parse back to role, index and sequence", () => {
    expect(parseLinkId(linkId(main, "tp", 3, 42))).toEqual({ hash: fnv1a(main), role: "tp", index: 3, seq: 42 });
    expect(parseLinkId("seed-BTCUSDT-sl")).toBeUndefined();
    expect(parseLinkId("")).toBeUndefined();
  });

  test("differ between a main monitor and its mirror twin", () => {
    const mirror = monitorId("mirror", "1000000BABYDOGEUSDT", "short");
    expect(linkId(mirror, "sl", 0, 1)).not.toBe(linkId(main, "sl", 0, 1));
    expect(isOwnLinkId(linkId(mirror, "sl", 0, 1), mirror)).toBe(true);
    expect(isOwnLinkId(linkId(mirror, "sl", 0, 1), main)).toBe(false);
  });
});

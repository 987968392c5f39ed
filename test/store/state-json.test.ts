import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { canonicalJson, checksumOf, parseStateJson } from "../../core/store/state-json.ts";

describe("state JSON", () => {
  test("canonical JSON sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });

  test("the checksum does not depend on key order or on the file's formatting", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reparsed = JSON.parse(JSON.stringify(value, null, 2)) as unknown;
        expect(checksumOf(reparsed)).toBe(checksumOf(value));
      }),
      { numRuns: 200 },
    );
  });

  test("refuses non-finite numbers instead of storing null", () => {
    expect(() => canonicalJson({ price: Number.NaN })).toThrow(RangeError);
  });

  test.each([
    ['{"a": [1, 2', "truncated JSON at byte 11"],
    ['{"a": "unterminated', "truncated JSON at byte 19"],
    ["", "empty file, 0 bytes"],
    ["\u0000\u0000\u0000", "contains NUL bytes"],
    ['{"a": 1} trailing', "invalid JSON"],
  ])("describes %j as %s", (text, why) => {
    expect(() => parseStateJson(text, "/state/monitors.json", "STATE_CORRUPT")).toThrow(why);
    expect(() => parseStateJson(text, "/state/monitors.json", "STATE_CORRUPT")).toThrow("/state/monitors.json");
  });
});

/** The phone-readable texts: one formatter per documented alert kind, short, saying what, which position, what Warden did, what to do. */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { alertText, hasFormatter } from "../../core/alerts/alert-text.ts";
import type { WardenEvent } from "../../core/logs/event.ts";

const root = resolve(import.meta.dir, "../..");

/** The kinds in EVENTS.md's "Alert kinds" table (the backticked names of its first column). */
function documentedKinds(): string[] {
  const doc = readFileSync(join(root, "core/logs/EVENTS.md"), "utf8");
  const table = doc.slice(doc.indexOf("Alert kinds"), doc.indexOf("## Cycles"));
  return [...table.matchAll(/^\| ([^|]+)\|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([a-z-]+)`/g)].map((k) => k[1]!));
}

const alert = (fields: Record<string, unknown>): WardenEvent => ({ ts: "2026-11-20T09:00:35.000Z", level: "error", component: "engine", event: "alert", message: "", ...fields });

describe("alert texts", () => {
  test("every documented alert kind has its own formatter", () => {
    const kinds = documentedKinds();
    expect(kinds).toEqual(expect.arrayContaining(["unprotected", "stop-restored", "outage", "stand-by", "breakeven-deferred"]));
    expect(kinds.filter((k) => !hasFormatter(k))).toEqual([]);
  });

  test("an unprotected position: what, which, what Warden does, what to do", () => {
    const text = alertText(alert({ kind: "unprotected", monitor: "main:BTCUSDT:long", size: 0.1, forMs: 35_000, reason: "no stop working", message: "main:BTCUSDT:long (0.1) is UNPROTECTED: ..." }));
    expect(text.split("\n")).toEqual([
      "🔴 UNPROTECTED: main BTCUSDT long 0.1",
      "No stop working, for 35 s.",
      "Warden: places its stop again every cycle.",
      "You: check the position on Bybit now; place a stop by hand if this lasts.",
      "09:00:35 UTC",
    ]);
  });

  test("an outage names the account; an alert with no kind (IP ban) falls back to the engine's message", () => {
    expect(alertText(alert({ kind: "outage", account: "main", forMs: 31_000, reason: "HTTP 503" })).split("\n").slice(0, 2)).toEqual(["🔴 OUTAGE: Bybit unreachable: main", "Reads have failed for 31 s (HTTP 503)."]);
    const ban = alertText(alert({ message: "IP banned by the exchange (HTTP 403): all writes stopped for 10 minutes" }));
    expect(ban.split("\n").slice(0, 2)).toEqual(["🔴 IP BANNED by Bybit", "IP banned by the exchange (HTTP 403): all writes stopped for 10 minutes."]);
    const unknown = alertText(alert({ level: "warn", kind: "something-new", monitor: "mirror:ETHUSDT:short", message: "something happened" }));
    expect(unknown.split("\n").slice(0, 2)).toEqual(["🟠 something-new: mirror ETHUSDT short", "Something happened."]);
  });

  test("every kind's text is short: at most 5 lines, none over 160 characters, with Warden: and You: lines", () => {
    for (const kind of [...documentedKinds(), "divergence", "test", "no-kind-at-all"]) {
      const text = alertText(alert({ kind, monitor: "main:BTCUSDT:long", account: "main", symbol: "BTCUSDT", size: 0.1, forMs: 5_000, message: "the engine's message", triggerPrice: 53200, wanted: 57000, markPrice: 56000, restores: 2 }));
      const lines = text.split("\n");
      expect({ kind, lines: lines.length <= 5 }).toEqual({ kind, lines: true });
      expect({ kind, long: lines.filter((l) => l.length > 160) }).toEqual({ kind, long: [] });
      expect({ kind, parts: [lines.some((l) => l.startsWith("Warden: ")), lines.some((l) => l.startsWith("You: "))] }).toEqual({ kind, parts: [true, true] });
    }
  });
});

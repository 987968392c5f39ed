/** The pretty sink on a terminal: steady cycles collapse into one live status line; what changes is printed. */
import { describe, expect, test } from "bun:test";
import { PrettySink } from "../../core/logs/pretty-sink.ts";
import { cycleFields, wardenEvent } from "./builders.ts";

/** A fake TTY: applies `\r`, erase-to-end-of-line and newlines, and shows what is on screen. */
class FakeTerminal {
  readonly rows: string[] = [""];
  written = "";
  #col = 0;
  readonly write = (text: string): void => {
    this.written += text;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (text.startsWith("\u001b[K", i)) {
        this.rows[this.rows.length - 1] = this.rows.at(-1)!.slice(0, this.#col);
        i += 2;
      } else if (c === "\r") this.#col = 0;
      else if (c === "\n") {
        this.rows.push("");
        this.#col = 0;
      } else {
        const row = this.rows.at(-1)!;
        this.rows[this.rows.length - 1] = row.slice(0, this.#col) + c + row.slice(this.#col + 1);
        this.#col++;
      }
    }
  };
  screen(): string[] {
    return this.rows.at(-1) === "" ? this.rows.slice(0, -1) : this.rows;
  }
}

const cycle = (n: number, overrides: Record<string, unknown> = {}, level: "info" | "warn" = "info") =>
  wardenEvent("cycle.completed", { ...cycleFields({ cycle: n }), ...overrides }, level);

describe("PrettySink on a TTY", () => {
  test("1,800 steady cycles leave one status line on screen, rewritten in place", () => {
    const tty = new FakeTerminal();
    const sink = new PrettySink(tty.write, { color: false, live: true });
    for (let n = 1; n <= 1800; n++) sink.emit(cycle(n));
    sink.close();
    expect(tty.screen()).toEqual(["09:00:00 cycle.completed (steady for 1800 cycles)  cycle=1800 monitors=30 due=12 1.23s calls=3 hits=12/12 urgency=2c/5u/10a/13i"]);
    expect(tty.written.split("\n")).toHaveLength(2); // one newline, from close()
  });

  test("the routine snapshot reloads of each cycle are folded into the status line", () => {
    const tty = new FakeTerminal();
    const sink = new PrettySink(tty.write, { color: false, live: true });
    const loaded = wardenEvent("snapshot.loaded", { account: "main", positions: 20, orders: 90, reason: "reconcile" });
    sink.emit(loaded); // before the first cycle: start-up, printed
    for (let n = 1; n <= 50; n++) {
      sink.emit(wardenEvent("snapshot.loaded", { account: "main", positions: 20, orders: 90, calls: 3 }));
      sink.emit(cycle(n));
    }
    const lines = tty.screen();
    expect(lines).toHaveLength(3); // start-up's load, the first cycle's (no status line yet), the status line
    expect(lines[0]).toContain("reason=reconcile");
    expect(lines[1]).toContain("calls=3");
    expect(lines[2]).toContain("cycle=50");
  });

  test("other events print above the status line, which stays at the bottom", () => {
    const tty = new FakeTerminal();
    const sink = new PrettySink(tty.write, { color: false, live: true });
    sink.emit(cycle(1));
    sink.emit(cycle(2));
    sink.emit(wardenEvent("order.amended", { monitor: "main:ETHUSDT:long", role: "sl" }));
    sink.emit(cycle(3));
    expect(tty.screen()).toEqual([
      "09:00:00 INFO  engine  order.amended  monitor=main:ETHUSDT:long role=sl",
      "09:00:00 cycle.completed (steady for 3 cycles)  cycle=3 monitors=30 due=12 1.23s calls=3 hits=12/12 urgency=2c/5u/10a/13i",
    ]);
  });

  test("a cycle that is not steady (unprotected positions, fewer monitors, a warning) is printed as a line", () => {
    const tty = new FakeTerminal();
    const sink = new PrettySink(tty.write, { color: false, live: true });
    sink.emit(cycle(1));
    sink.emit(cycle(2, { unprotected: 1 }));
    sink.emit(cycle(3, { unprotected: 1 }));
    sink.emit(cycle(4, { monitors: 29 }));
    sink.emit(cycle(5, { monitors: 29 }, "warn"));
    const lines = tty.screen();
    expect(lines.slice(0, -1).map((l) => /cycle=(\d+)/.exec(l)?.[1])).toEqual(["2", "4", "5"]);
    expect(lines.at(-1)).toStartWith("09:00:00 cycle.completed  cycle=5"); // not steady: no count
  });

  test("the status line is cut to the terminal's width", () => {
    const tty = new FakeTerminal();
    const sink = new PrettySink(tty.write, { color: false, live: true, columns: 40 });
    sink.emit(cycle(1));
    expect(tty.screen()[0]!.length).toBe(39);
    expect(tty.screen()[0]).toEndWith("…");
  });

  test("off a TTY every cycle is a line, as before", () => {
    const tty = new FakeTerminal();
    const sink = new PrettySink(tty.write, { color: false });
    for (let n = 1; n <= 3; n++) sink.emit(cycle(n));
    expect(tty.screen()).toHaveLength(3);
    expect(tty.written).not.toContain("\r");
  });
});

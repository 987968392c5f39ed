/** Timers a test fires by hand (the stream client's `timers`): `advance` moves time firing what falls due, `fireNext` fires the earliest. */
export class ManualTimers {
  now = 0;
  #next = 0;
  readonly #due = new Map<number, { at: number; fn: () => void }>();
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.#next;
    this.#due.set(id, { at: this.now + ms, fn });
    return id;
  };
  clearTimeout = (id: unknown): void => {
    this.#due.delete(id as number);
  };

  /** Moves time on, firing every timer that falls due on the way, in due order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const next = this.#earliest();
      if (next === undefined || next[1].at > end) break;
      this.#fire(next);
    }
    this.now = end;
  }

  /** Fires the earliest timer; returns how far time moved. */
  fireNext(): number {
    const next = this.#earliest();
    if (next === undefined) return 0;
    const moved = next[1].at - this.now;
    this.#fire(next);
    return moved;
  }

  #earliest(): [number, { at: number; fn: () => void }] | undefined {
    return [...this.#due].sort((a, b) => a[1].at - b[1].at)[0];
  }

  #fire([id, timer]: [number, { at: number; fn: () => void }]): void {
    this.#due.delete(id);
    this.now = timer.at;
    timer.fn();
  }
}

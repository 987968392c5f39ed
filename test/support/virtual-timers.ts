/**
 * Test support: a virtual clock with timers, for code that takes `now` and `wait` and runs
 * many waits at once. Time moves only in `runUntil`, to the next timer, after every promise
 * that can run has run (one macrotask turn drains all microtasks): no real sleeping.
 */
export class VirtualTimers {
  #now: number;
  #timers: { readonly at: number; readonly resolve: () => void }[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  readonly wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.#timers.push({ at: this.#now + Math.max(0, ms), resolve });
    });

  /** Lets every promise that is ready run. */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Fires timers in time order up to `end` (inclusive), then sets the clock to `end`. */
  async runUntil(end: number): Promise<void> {
    for (;;) {
      await this.settle();
      const next = Math.min(...this.#timers.map((t) => t.at));
      if (!(next <= end)) break;
      this.#now = Math.max(this.#now, next);
      const due = this.#timers.filter((t) => t.at <= this.#now);
      this.#timers = this.#timers.filter((t) => t.at > this.#now);
      for (const t of due) t.resolve();
    }
    this.#now = Math.max(this.#now, end);
    await this.settle();
  }
}

/**
 * Timers on the soak's virtual clock (the venue's time): the stream client's pings, dead-link
 * timeout, request timeouts and redial back-off, the simulated stream's delayed frames and
 * idle cut, and the read path's expectation deadlines all wait virtual time, so a stall is
 * found after `deadAfterMs` of the price path's time, not of the machine's, and one seed
 * gives one run. Nothing fires on its own: `runDue()` fires every timer due by now, earliest
 * first (ties in the order they were set), those set by a firing timer included.
 */
export class VirtualTimers {
  readonly #now: () => number;
  readonly #due = new Map<number, { at: number; fn: () => void }>();
  #next = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.#next;
    this.#due.set(id, { at: this.#now() + Math.max(0, ms), fn });
    return id;
  };

  clearTimeout = (handle: unknown): void => {
    if (typeof handle === "number") this.#due.delete(handle);
  };

  /** Timers set and not yet fired or cleared. */
  get pending(): number {
    return this.#due.size;
  }

  /** Fires every timer due by now, earliest first; returns how many fired. */
  runDue(): number {
    let fired = 0;
    for (;;) {
      const now = this.#now();
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#due) if (entry[1].at <= now && (first === undefined || entry[1].at < first[1].at)) first = entry;
      if (first === undefined) return fired;
      this.#due.delete(first[0]);
      fired++;
      first[1].fn();
    }
  }
}

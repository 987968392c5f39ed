/** Items as they arrive (events, rows, messages), each handed out once to the first waiter that matches it. */
export class Arrivals<T> {
  readonly items: T[] = [];
  readonly #taken = new Set<T>();
  readonly #watchers = new Set<() => void>();

  push(item: T): void {
    this.items.push(item);
    for (const w of [...this.#watchers]) w();
  }

  /** The first item not yet taken that matches, now or when it arrives; rejects after `timeoutMs` with `what` and what did arrive. */
  next(match: (item: T) => boolean, timeoutMs = 5_000, what = "nothing matching"): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.items.find((i) => !this.#taken.has(i) && match(i));
        if (found === undefined) return;
        this.#taken.add(found);
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what} within ${timeoutMs} ms; got ${JSON.stringify(this.items).slice(0, 2000)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#watchers.delete(check);
      };
      this.#watchers.add(check);
      check();
    });
  }
}

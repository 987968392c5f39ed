/**
 * A bound on how long the engine waits for one exchange request. A request that never
 * answers (a hung connection) must not hold a cycle, or another account, for ccxt's 10 s
 * timeout: past the deadline the engine goes on and treats the outcome as unknown (a write
 * is then settled by lookup like any unknown outcome; a read skips that account's cycle).
 * The request itself is not cancelled; its late answer is ignored. Real time: the latency
 * the engine waits on is real even when the engine's clock is virtual.
 */
export class DeadlineExceeded extends Error {
  readonly code = "DEADLINE_EXCEEDED";
  constructor(readonly what: string, readonly ms: number) {
    super(`${what}: no answer within ${ms} ms`);
  }
}

/**
 * `paced`: the time (ms) the request's account has spent waiting in Warden's own rate budget
 * so far (RateBudget.pacedMs). The deadline moves on by what was spent there while it ran:
 * pacing under the per-IP limit is not an exchange that does not answer.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string, paced?: () => number): Promise<T> {
  if (!(ms > 0) || !Number.isFinite(ms)) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t0 = performance.now();
  const paced0 = paced?.() ?? 0;
  const expiry = new Promise<never>((_, reject) => {
    const arm = (delay: number): void => {
      timer = setTimeout(() => {
        const due = ms + Math.max(0, (paced?.() ?? 0) - paced0);
        const left = due - (performance.now() - t0);
        if (left > 1) arm(left);
        else reject(new DeadlineExceeded(what, ms));
      }, delay);
    };
    arm(ms);
  });
  work.catch(() => {}); // a late failure after the deadline is not unhandled
  return Promise.race([work, expiry]).finally(() => clearTimeout(timer));
}

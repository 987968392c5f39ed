import { describe, expect, test } from "bun:test";
import { openBenchSession } from "../../core/bench/sim-bench-session.ts";
import { sleep } from "../../core/clock.ts";
import { loadScenario } from "../../core/sim/scenario.ts";

const scenario = loadScenario("demo-30");

/** Opens a zero-latency session that counts the requests its adapters start, fires three reads at once, and counts those started soon after. */
async function readsStartedAtOnce(legacyClient: boolean): Promise<{ started: number; client: string; total: number }> {
  let started = 0;
  const counting = (f: typeof fetch) => (async (input: RequestInfo | URL, init?: RequestInit) => {
    started++;
    return f(input, init);
  }) as typeof fetch;
  const session = await openBenchSession(scenario, { strategy: "naive", latency: "zero", seed: 3, legacyClient, fetch: counting });
  try {
    const main = session.inner.exchanges.get("main");
    if (!main) throw new Error("no main account");
    const before = started;
    const reads = Promise.all([main.positions(), main.positions(), main.positions()]);
    await sleep(30);
    const early = started - before;
    await reads;
    return { started: early, client: session.client, total: started - before };
  } finally {
    await session.close();
  }
}

describe("the legacy strategies' client", () => {
  test("with ccxt's throttle on, one account's reads start one at a time (100 ms apart), not all at once", async () => {
    const throttled = await readsStartedAtOnce(true);
    const free = await readsStartedAtOnce(false);
    // ccxt's leaky bucket refills only while requests wait, so even the first may wait its spacing.
    expect(throttled.started).toBeLessThanOrEqual(1);
    expect(throttled).toMatchObject({ client: "ccxt-throttle", total: 3 });
    expect(free).toEqual({ started: 3, client: "no-throttle", total: 3 });
  }, 20_000);
});

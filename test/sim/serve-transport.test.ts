import { afterEach, describe, expect, test } from "bun:test";
import type { FaultSpec } from "../../core/sim/faults.ts";
import { startServer, type SimServer } from "../../core/sim/server.ts";
import { createSimulator } from "../../core/sim/simulator.ts";
import { buildScenario, signedGet } from "../support/sim-requests.ts";

const main = { apiKey: "sim-main-key", apiSecret: "sim-main-secret" };
let server: SimServer | undefined;

async function serve(faults: FaultSpec[] = []) {
  const sim = createSimulator(buildScenario(), { latency: "zero", faults });
  server = await startServer(sim, { port: 0 });
  return { sim, url: server.url };
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("sim serve transport", () => {
  test("listens on an ephemeral loopback port", async () => {
    const { url } = await serve();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url.endsWith(":0")).toBe(false);
  });

  test("passes the raw query and headers through, so signatures verify", async () => {
    const { url } = await serve();
    const req = signedGet(main, "/v5/order/realtime", { category: "linear", settleCoin: "USDT", limit: 50 });
    const res = await fetch(`${url}${req.path}?${req.query}`, { headers: req.headers });
    const body = (await res.json()) as { retCode: number; result: { list: unknown[] } };
    expect([res.status, body.retCode, body.result.list.length]).toEqual([200, 0, 2]);
    expect(res.headers.get("x-bapi-limit")).toBe("50");
  });

  test("answers HTTP-level refusals as plain text", async () => {
    const { url } = await serve([{ kind: "403" }]);
    const res = await fetch(`${url}/v5/market/time`);
    expect([res.status, await res.text()]).toEqual([403, "access too frequent"]);
  });

  test("a timeout fault keeps the response pending until the client aborts", async () => {
    const { url, sim } = await serve([{ kind: "timeout", path: "/v5/market/time" }]);
    const outcome = await fetch(`${url}/v5/market/time`, { signal: AbortSignal.timeout(150) }).then(
      () => "answered",
      (e: Error) => e.name,
    );
    expect(["AbortError", "TimeoutError"]).toContain(outcome);
    expect(sim.log.at(-1)?.status).toBe(0);
  });

  test("close() ends connections left hanging", async () => {
    await serve([{ kind: "timeout" }]);
    const pending = fetch(`${server!.url}/v5/market/time`).catch(() => "closed");
    await new Promise((r) => setTimeout(r, 20));
    await server!.close();
    server = undefined;
    expect(await pending).toBe("closed");
  });

  test("routes POST /__sim/step and GET /__sim/state", async () => {
    const { url } = await serve();
    const step = await fetch(`${url}/__sim/step?n=3`, { method: "POST" });
    expect(((await step.json()) as { step: number }).step).toBe(3);
    const bad = await fetch(`${url}/__sim/step?n=-1`, { method: "POST" });
    expect(bad.status).toBe(400);
    const state = (await (await fetch(`${url}/__sim/state`)).json()) as { requests: Record<string, number> };
    expect(state.requests["/__sim/step"]).toBe(2);
  });
});

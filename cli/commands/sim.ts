/**
 * `warden sim serve [--scenario NAME|FILE] [--port N] [--latency PROFILE] [--seed N]`: the
 * Bybit v5 simulator on a loopback HTTP server, for any ccxt client (override its API URLs).
 * The same port serves Bybit's private WebSocket at `/v5/private` (ws://127.0.0.1:PORT/v5/private),
 * with the scenario's stream faults plus `--stream-fault` ones, and `--stream-idle-ms`.
 * Prints `listening on http://127.0.0.1:PORT` as its first line and serves until SIGINT or
 * SIGTERM. Credentials: WARDEN_MAIN_API_KEY/_SECRET and WARDEN_MIRROR_API_KEY/_SECRET
 * replace the scenario's where set. Bad flags or scenario: one line, exit 2.
 */
import { keyVariables } from "../../core/domain/accounts.ts";
import type { CAC } from "cac";
import { InputError, UsageError } from "../../core/errors.ts";
import { env, onSignals, writeStdout } from "../../core/runtime.ts";
import type { LatencyProfile } from "../../core/sim/latency.ts";
import type { Scenario } from "../../core/sim/scenario-schema.ts";
import { enumFlag, intFlag, stringFlag } from "../options.ts";

interface SimFlags {
  scenario?: unknown;
  port?: unknown;
  latency?: unknown;
  seed?: unknown;
  rateLimits?: unknown;
  streamIdleMs?: unknown;
  streamFault?: unknown;
}

export const DEFAULT_SCENARIO = "demo-30";

/**
 * `--stream-fault KIND@STEP[,topic=T][,account=A][,count=N][,delayMs=MS]` as a scenario
 * `streamFaults` entry (checked with the scenario afterwards), e.g. `drop@5`,
 * `drop-frame@3,topic=order`, `delay@2,topic=execution,delayMs=500`.
 */
export function parseStreamFaultFlag(text: string): Record<string, unknown> {
  const [head = "", ...rest] = text.split(",");
  const at = /^([a-z-]+)@(\d+)$/.exec(head.trim());
  if (at === null) throw new UsageError("USAGE_BAD_FLAG", `--stream-fault expects KIND@STEP[,key=value...], got "${text}"`);
  const fault: Record<string, unknown> = { kind: at[1], atStep: Number(at[2]) };
  for (const part of rest) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? "" : part.slice(eq + 1);
    if (key === "topic" || key === "account") fault[key] = value;
    else if (key === "count" || key === "delayMs") fault[key] = /^\d+$/.test(value) ? Number(value) : value;
    else throw new UsageError("USAGE_BAD_FLAG", `--stream-fault: unknown key "${key}" in "${text}" (topic, account, count, delayMs)`);
  }
  return fault;
}

/** The scenario with the accounts' credentials taken from the environment where set. */
export function withEnvCredentials(scenario: Scenario, read: (name: string) => string | undefined = env): Scenario {
  const pick = (prefix: string): { apiKey: string; apiSecret: string } | undefined => {
    const apiKey = read(`${prefix}_API_KEY`);
    const apiSecret = read(`${prefix}_API_SECRET`);
    if (apiKey === undefined && apiSecret === undefined) return undefined;
    if (apiKey === undefined || apiSecret === undefined) {
      throw new InputError("SIM_CREDENTIALS", `${prefix}_API_KEY and ${prefix}_API_SECRET must be set together`);
    }
    return { apiKey, apiSecret };
  };
  return {
    ...scenario,
    accounts: Object.fromEntries(Object.entries(scenario.accounts).map(([name, a]) => [name, { ...a, ...pick(keyVariables(name).key.replace(/_API_KEY$/, "")) }])),
  };
}

export function register(cli: CAC): void {
  cli
    .command("sim <action>", "Bybit v5 simulator: `sim serve` runs it on a loopback HTTP server")
    .option("--scenario <name|file>", `Scenario name in fixtures/scenarios/ or a JSON file (default ${DEFAULT_SCENARIO})`)
    .option("--port <n>", "Port on 127.0.0.1; 0 picks a free one (default 0)")
    .option("--latency <profile>", "recorded, zero or fixed:MS (default: the scenario's)")
    .option("--seed <n>", "Seed for latency and faults (default: the scenario's)")
    .option("--rate-limits <on|off>", "Bybit's per-endpoint and per-IP limits (default on); off for tests about something else")
    .option("--stream-fault <fault>", "A private-stream fault, KIND@STEP[,topic=T][,account=A][,count=N][,delayMs=MS]; repeatable (kinds: fixtures/scenarios/README.md, streamFaults)")
    .option("--stream-idle-ms <ms>", "Cut private WebSocket connections idle this long (default 600000, Bybit's 10 minutes)")
    .example("warden sim serve --port 8080")
    .example("curl -X POST 'http://127.0.0.1:8080/__sim/step?n=5'   # control: advance the scenario 5 steps")
    .example("curl http://127.0.0.1:8080/__sim/state                # control: the venue's state as JSON")
    .action(async (action: string, flags: SimFlags) => {
      if (action !== "serve") throw new UsageError("USAGE_BAD_ACTION", `unknown sim action "${action}"; the only action is "serve"`);
      const { parseLatencyProfile } = await import("../../core/sim/latency.ts");
      const port = intFlag("port", flags.port, { min: 0, max: 65535 }) ?? 0;
      const seed = intFlag("seed", flags.seed);
      const latencyText = stringFlag("latency", flags.latency);
      let latency: LatencyProfile | undefined;
      if (latencyText !== undefined) {
        latency = parseLatencyProfile(latencyText);
        if (latency === undefined) throw new UsageError("USAGE_BAD_FLAG", `--latency must be recorded, zero or fixed:MS, got "${latencyText}"`);
      }
      const { loadScenario, parseScenario } = await import("../../core/sim/scenario.ts");
      const { createSimulator } = await import("../../core/sim/simulator.ts");
      const { startServer } = await import("../../core/sim/server.ts");
      const loaded = withEnvCredentials(loadScenario(stringFlag("scenario", flags.scenario) ?? DEFAULT_SCENARIO));
      const faultFlags = (Array.isArray(flags.streamFault) ? flags.streamFault : flags.streamFault === undefined ? [] : [flags.streamFault]).map((f) => parseStreamFaultFlag(String(f)));
      const scenario = faultFlags.length === 0 ? loaded : parseScenario({ ...loaded, streamFaults: [...loaded.streamFaults, ...faultFlags] }, "--stream-fault");
      const limits = enumFlag("rate-limits", flags.rateLimits, ["on", "off"] as const) ?? "on";
      const sim = createSimulator(scenario, { ...(latency !== undefined ? { latency } : {}), ...(seed !== undefined ? { seed } : {}), rateLimits: limits === "on" });
      const idleMs = intFlag("stream-idle-ms", flags.streamIdleMs, { min: 1 });
      const server = await startServer(sim, { port, host: "127.0.0.1", stream: { venue: sim.venue, faults: scenario.streamFaults, ...(idleMs !== undefined ? { idleMs } : {}) } });
      writeStdout(`listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const off = onSignals(["SIGINT", "SIGTERM"], () => {
          off();
          resolve();
        });
      });
      await server.close();
      return 0;
    });
}

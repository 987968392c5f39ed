/**
 * `warden run`: the engine. On the built-in simulator by default (no keys needed); live
 * with `--exchange bybit` and keys from WARDEN_MAIN_API_KEY/_SECRET (and WARDEN_MIRROR_...).
 * Flags and config are validated before any network call (exit 2). `--account NAME` runs that
 * one account of the roster alone (its keys only, its own default state dir).
 */
import type { CAC } from "cac";
import { UsageError } from "../../core/errors.ts";
import type { EngineConfig } from "../../core/engine/config.ts";
import type { EventSink, WardenEvent } from "../../core/logs/event.ts";
import { isTTY, terminalColumns, useColor, writeStdout } from "../../core/runtime.ts";
import { liveCredentials } from "../credentials.ts";
import { boolFlag, enumFlag, intFlag, stringFlag } from "../options.ts";

interface RunFlags {
  exchange?: unknown;
  scenario?: unknown;
  latency?: unknown;
  baseUrl?: unknown;
  testnet?: unknown;
  once?: unknown;
  cycles?: unknown;
  interval?: unknown;
  stateDir?: unknown;
  config?: unknown;
  json?: unknown;
  logFile?: unknown;
  quiet?: unknown;
  metricsPort?: unknown;
  metricsHost?: unknown;
  dryRun?: unknown;
  read?: unknown;
  stream?: unknown;
  account?: unknown;
}

export function register(cli: CAC): void {
  cli
    .command("run", "Run the TP/SL engine (default: on the built-in simulator, scenario demo-30)")
    .option("--exchange <sim|bybit>", "sim: in-process simulator, no keys; bybit: a real or Bybit-compatible REST API", { default: "sim" })
    .option("--scenario <name|file>", "Simulator scenario (with --exchange sim)", { default: "demo-30" })
    .option("--latency <profile>", "Simulator latency: recorded, zero or fixed:MS (default: the scenario's)")
    .option("--base-url <url>", "Bybit-compatible REST URL (testnet, demo, or `warden sim serve`)")
    .option("--testnet", "Use Bybit's testnet (with --exchange bybit)")
    .option("--once", "Run one cycle and exit (for cron)")
    .option("--cycles <n>", "Stop after N cycles")
    .option("--interval <ms>", "Pause between cycles on a live exchange, ms (default: config intervalMs, 2000)")
    .option("--state-dir <dir>", "State directory (default: sim-<scenario> or bybit-<host> under $WARDEN_HOME, else $XDG_STATE_HOME/warden, else ~/.local/state/warden)")
    .option("--config <file>", "Engine settings (JSON); every problem is listed")
    .option("--json", "Events as NDJSON on stdout, then the summary as one JSON object")
    .option("--log-file <file>", "Also append every event as NDJSON to this file")
    .option("--quiet", "Only warnings and errors on stdout (with --json too), then the summary; --log-file keeps every event")
    .option("--metrics-port <n>", "Serve Prometheus /metrics and /healthz on this port while running (0 picks a free one, said in the metrics.listening event)")
    .option("--metrics-host <host>", "Address the metrics server binds (with --metrics-port; default 127.0.0.1)")
    .option("--stream", "Read accounts from the private WebSocket stream (the simulator's, or Bybit's): a fill is acted on at once, REST audits (config stream.enabled)")
    .option("--read <polling|stream>", "How accounts are read: polling (REST snapshots) or stream (the same as --stream); default: config stream.enabled, else polling")
    .option("--account <name>", "Run this one account of the roster alone (the config's accounts, else main or mirror; the scenario's on sim): its keys only, state dir <default>@<name>")
    .option("--dry-run", "Decide and announce every order write, send none (paper orders; state dir gets a -dry-run suffix)")
    .example("warden run")
    .example("warden run --exchange bybit --base-url http://127.0.0.1:8080 --once")
    .example("warden run --exchange bybit --metrics-port 9464")
    .example("warden run --exchange bybit --dry-run")
    .example("warden run --stream")
    .example("warden run --exchange bybit --config warden.json --account follower-1")
    .action((flags: RunFlags) => run(flags));
}

async function run(flags: RunFlags): Promise<number> {
  const exchange = enumFlag("exchange", flags.exchange, ["sim", "bybit"] as const) ?? "sim";
  const scenario = stringFlag("scenario", flags.scenario) ?? "demo-30";
  const latency = stringFlag("latency", flags.latency);
  if (latency !== undefined && !/^(recorded|zero|fixed:\d+)$/.test(latency)) {
    throw new UsageError("USAGE_BAD_FLAG", `--latency must be recorded, zero or fixed:MS, got "${latency}"`);
  }
  const baseUrl = stringFlag("base-url", flags.baseUrl);
  if (baseUrl !== undefined && !/^https?:\/\/[^/]+/.test(baseUrl)) throw new UsageError("USAGE_BAD_FLAG", `--base-url must be an http(s) URL, got "${baseUrl}"`);
  const testnet = boolFlag(flags.testnet);
  if (exchange === "sim" && (baseUrl !== undefined || testnet)) {
    throw new UsageError("USAGE_BAD_FLAG", "--base-url and --testnet need --exchange bybit");
  }
  const once = boolFlag(flags.once);
  const cycles = intFlag("cycles", flags.cycles, { min: 1 });
  const intervalMs = intFlag("interval", flags.interval, { min: 0 });
  const json = boolFlag(flags.json);
  const quiet = boolFlag(flags.quiet);
  const logFile = stringFlag("log-file", flags.logFile);
  const stateDir = stringFlag("state-dir", flags.stateDir);
  const configPath = stringFlag("config", flags.config);
  const metrics = metricsFlags(flags);
  const dryRun = boolFlag(flags.dryRun);
  const readFlag = enumFlag("read", flags.read, ["polling", "stream"] as const);
  const streamFlag = boolFlag(flags.stream);
  if (streamFlag && readFlag === "polling") throw new UsageError("USAGE_BAD_FLAG", "--stream and --read polling contradict each other");

  const { defaultEngineConfig, loadEngineConfig } = await import("../../core/engine/config.ts");
  const config = configPath !== undefined ? loadEngineConfig(configPath) : defaultEngineConfig();
  const read = streamFlag ? "stream" : (readFlag ?? (config.stream.enabled ? "stream" : "polling"));
  const { configuredAccounts } = await import("../../app/accounts.ts");
  const keyed = configuredAccounts(config);
  const { accountFlag } = await import("../account-flag.ts");
  const account =
    exchange === "bybit"
      ? accountFlag(flags.account, keyed.names, config.accounts !== undefined ? `the accounts of ${configPath}` : "the default roster (no accounts in the config)")
      : flags.account === undefined
        ? undefined
        : accountFlag(flags.account, await scenarioAccounts(scenario), `scenario ${scenario}`);
  const credentials = exchange === "bybit" ? (account !== undefined ? liveCredentials([account], [account]) : liveCredentials(keyed.names, keyed.required)) : {};
  const { telegramToken } = await import("../telegram-token.ts");
  const token = telegramToken(config.alerts);
  // the webhook's URL may carry a secret in its path (Slack-style): never in any output
  const webhookUrl = config.alerts.webhook?.url;
  const secrets = [...Object.values(credentials).flatMap((c) => (c === undefined ? [] : [c.apiKey, c.secret])), ...(token !== undefined ? [token] : []), ...webhookSecrets(webhookUrl)];

  const { RedactingSink } = await import("../../core/logs/redacting-sink.ts");
  const { TeeSink } = await import("../../core/logs/tee-sink.ts");
  const { LevelFilterSink } = await import("../../core/logs/level-filter-sink.ts");
  const sinks: EventSink[] = [];
  if (json) {
    const { NdjsonSink } = await import("../../core/logs/ndjson-sink.ts");
    const ndjson = new NdjsonSink((line) => writeStdout(line));
    sinks.push(quiet ? new LevelFilterSink(ndjson, "warn") : ndjson); // --log-file still gets every event
  } else {
    const { PrettySink } = await import("../../core/logs/pretty-sink.ts");
    const columns = terminalColumns();
    const pretty = new PrettySink((line) => writeStdout(line), { color: useColor(), live: isTTY(), ...(columns !== undefined ? { columns } : {}) });
    sinks.push(new LevelFilterSink(pretty, quiet ? "warn" : "info"));
  }
  if (logFile !== undefined) {
    const { FileSink } = await import("../../core/logs/file-sink.ts");
    sinks.push(new FileSink(logFile));
  }
  const alerts = await alertSinkFor(config.alerts, token, (event) => sink.emit(event));
  const sink: EventSink = new RedactingSink(new TeeSink(...sinks, ...(alerts !== undefined ? [alerts] : [])), secrets);
  let closed = false;
  const closeSink = () => {
    if (closed) return;
    closed = true;
    sink.close?.();
  };

  const { runWarden } = await import("../../app/run.ts");
  try {
    const summary = await runWarden({
      exchange,
      scenario,
      ...(latency !== undefined ? { latency: latency as "recorded" } : {}),
      ...(baseUrl !== undefined ? { baseUrl } : {}),
      testnet,
      once,
      ...(cycles !== undefined ? { cycles } : {}),
      ...(intervalMs !== undefined ? { intervalMs } : {}),
      ...(stateDir !== undefined ? { stateDir } : {}),
      config,
      sink,
      credentials,
      ...(metrics !== undefined ? { metrics } : {}),
      dryRun,
      read,
      ...(account !== undefined ? { account } : {}),
    });
    await alerts?.flush(config.alerts.flushMs); // before the summary, which stays the last line
    closeSink(); // the live status line ends before the summary
    if (json) writeStdout(`${JSON.stringify({ summary })}\n`);
    else {
      const { renderSummary } = await import("../render/run-summary.ts");
      writeStdout(renderSummary(summary, { color: useColor(), tty: isTTY() }));
    }
    return 0;
  } finally {
    await alerts?.flush(config.alerts.flushMs); // after a fault too; at once when done already
    closeSink();
  }
}

/** The accounts of a simulator scenario (`run --exchange sim --account`), read before anything is written. */
async function scenarioAccounts(scenario: string): Promise<string[]> {
  const { loadScenario } = await import("../../core/sim/scenario.ts");
  return Object.keys(loadScenario(scenario).accounts);
}

/** The parts of a webhook URL that may be secret: its path and query (and the whole URL). */
function webhookSecrets(url: string | undefined): string[] {
  if (url === undefined) return [];
  try {
    const u = new URL(url);
    const path = `${u.pathname}${u.search}`;
    return [url, ...(path.length > 8 ? [path] : []), ...u.pathname.split("/").filter((part) => part.length >= 16)];
  } catch {
    return [url];
  }
}

/** Alerts to the configured channels, fed the run's (redacted) events, its own events back into them; none without a channel. */
async function alertSinkFor(config: EngineConfig["alerts"], token: string | undefined, emit: (event: WardenEvent) => void) {
  if (config.telegram === undefined && config.webhook === undefined) return undefined;
  const { AlertSink } = await import("../../core/alerts/alert-sink.ts");
  const { alertChannels } = await import("../../core/alerts/channels.ts");
  const { emitter } = await import("../../core/logs/event.ts");
  return new AlertSink({ ...config, channels: alertChannels(config, token, fetch), emit: emitter({ emit }, "alerts", () => Date.now()) });
}

/** `--metrics-port N [--metrics-host H]`: checked before anything runs; the host alone is a usage error. */
export function metricsFlags(flags: Pick<RunFlags, "metricsPort" | "metricsHost">): { host: string; port: number } | undefined {
  const port = intFlag("metrics-port", flags.metricsPort, { min: 0, max: 65535 });
  const host = stringFlag("metrics-host", flags.metricsHost);
  if (port === undefined) {
    if (host !== undefined) throw new UsageError("USAGE_BAD_FLAG", "--metrics-host needs --metrics-port");
    return undefined;
  }
  if (host !== undefined && !/^[A-Za-z0-9.:-]+$/.test(host)) throw new UsageError("USAGE_BAD_FLAG", `--metrics-host expects an IP address or a host name, got "${host}"`);
  return { host: host ?? "127.0.0.1", port };
}


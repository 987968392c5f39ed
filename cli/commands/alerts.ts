/**
 * `warden alerts test [--config FILE] [--json]`: sends one test message through every alert
 * channel the config names (Telegram, webhook), one attempt each, and prints what each
 * answered. Exit 0 when all delivered, 1 when any failed, 2 for a bad config, no channel, or
 * a telegram channel without WARDEN_TELEGRAM_BOT_TOKEN.
 */
import type { CAC } from "cac";
import { UsageError } from "../../core/errors.ts";
import { writeStdout } from "../../core/runtime.ts";
import { boolFlag, stringFlag } from "../options.ts";

interface AlertsFlags {
  config?: unknown;
  json?: unknown;
}

export function register(cli: CAC): void {
  cli
    .command("alerts <action>", "Alert channels: `alerts test` sends one test message through each configured channel")
    .option("--config <file>", "Engine settings (JSON) with an `alerts` section")
    .option("--json", "Print each channel's answer as JSON")
    .example("WARDEN_TELEGRAM_BOT_TOKEN=123:ABC warden alerts test --config warden.json")
    .action((action: string, flags: AlertsFlags) => alerts(action, flags));
}

async function alerts(action: string, flags: AlertsFlags): Promise<number> {
  if (action !== "test") throw new UsageError("USAGE_BAD_ACTION", `unknown alerts action "${action}"; the only action is "test"`);
  const json = boolFlag(flags.json);
  const configPath = stringFlag("config", flags.config);
  const { defaultEngineConfig, loadEngineConfig } = await import("../../core/engine/config.ts");
  const config = configPath !== undefined ? loadEngineConfig(configPath) : defaultEngineConfig();
  const { telegramToken } = await import("../telegram-token.ts");
  const token = telegramToken(config.alerts);
  const { alertChannels } = await import("../../core/alerts/channels.ts");
  const channels = alertChannels(config.alerts, token, fetch);
  if (channels.length === 0) {
    throw new UsageError("USAGE_NO_CHANNEL", `${configPath ?? "the default config"}: no alert channel configured; add alerts.telegram or alerts.webhook`);
  }
  const { alertText } = await import("../../core/alerts/alert-text.ts");
  const { DELIVERY_POLICY } = await import("../../core/alerts/delivery-lane.ts");
  const event = { ts: new Date().toISOString(), level: "info" as const, component: "alerts", event: "alert", kind: "test", message: "test message from warden alerts test" };
  const text = alertText(event);
  const results = await Promise.all(
    channels.map(async (channel) => {
      const result = await channel.send(event, text, AbortSignal.timeout(DELIVERY_POLICY.requestTimeoutMs));
      return { channel: channel.name, ...result };
    }),
  );
  const scrub = (s: string) => (token === undefined ? s : s.split(token).join("[redacted]").split(encodeURIComponent(token)).join("[redacted]"));
  if (json) writeStdout(scrub(`${JSON.stringify({ channels: results.map(({ channel, ok, ...rest }) => ({ channel, delivered: ok, ...rest })) })}\n`));
  else {
    for (const r of results) {
      const status = r.status !== undefined ? `HTTP ${r.status}` : "no answer";
      writeStdout(scrub(`${r.channel.padEnd(9)}${r.ok ? "delivered" : "FAILED   "}  ${status}  ${r.ok ? r.answer : r.reason}\n`));
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

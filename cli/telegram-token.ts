/**
 * The Telegram bot token: from WARDEN_TELEGRAM_BOT_TOKEN only, never from a file, read where
 * the exchange keys are read. A config with `alerts.telegram` and no token is refused (exit 2)
 * before any network call. The token joins the run's secrets: RedactingSink and the exit
 * boundary (main.ts) replace it wherever it would appear.
 */
import type { EngineConfig } from "../core/engine/config.ts";
import { UsageError } from "../core/errors.ts";
import { env } from "../core/runtime.ts";

export const TELEGRAM_TOKEN_ENV = "WARDEN_TELEGRAM_BOT_TOKEN";

export function telegramToken(alerts: EngineConfig["alerts"]): string | undefined {
  if (alerts.telegram === undefined) return undefined;
  const token = env(TELEGRAM_TOKEN_ENV);
  if (token === undefined) throw new UsageError("USAGE_KEYS", `alerts.telegram is configured but ${TELEGRAM_TOKEN_ENV} is not set in the environment (the bot token is never read from the config file)`);
  return token;
}

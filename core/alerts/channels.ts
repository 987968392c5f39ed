/**
 * The channels the `alerts` config names, composed over one fetch port. The bot token is
 * passed in (the CLI reads it from WARDEN_TELEGRAM_BOT_TOKEN); a telegram section without
 * it is a usage error the CLI reports before any network call.
 */
import type { EngineConfig } from "../engine/config.ts";
import type { Channel, FetchPort } from "./channel.ts";
import { TelegramChannel } from "./telegram.ts";
import { WebhookChannel } from "./webhook.ts";

export type AlertsConfig = EngineConfig["alerts"];

export function alertChannels(config: AlertsConfig, token: string | undefined, fetch: FetchPort): Channel[] {
  const channels: Channel[] = [];
  if (config.telegram !== undefined) {
    if (token === undefined) throw new Error("alertChannels: a telegram channel needs its bot token");
    channels.push(new TelegramChannel({ apiBase: config.telegram.apiBase, chatId: config.telegram.chatId, token, fetch }));
  }
  if (config.webhook !== undefined) channels.push(new WebhookChannel(config.webhook.url, fetch));
  return channels;
}

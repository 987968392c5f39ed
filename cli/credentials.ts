/** Exchange keys from the environment only (README "warden run"): never from a file, never printed. */
import { UsageError } from "../core/errors.ts";
import { env } from "../core/runtime.ts";

export function liveCredentials(): Partial<Record<"main" | "mirror", { apiKey: string; secret: string }>> {
  const out: Partial<Record<"main" | "mirror", { apiKey: string; secret: string }>> = {};
  for (const account of ["main", "mirror"] as const) {
    const prefix = `WARDEN_${account.toUpperCase()}_API_`;
    const apiKey = env(`${prefix}KEY`);
    const secret = env(`${prefix}SECRET`);
    if (apiKey === undefined && secret === undefined) continue;
    if (apiKey === undefined || secret === undefined) {
      throw new UsageError("USAGE_KEYS", `${prefix}KEY and ${prefix}SECRET must be set together`);
    }
    out[account] = { apiKey, secret };
  }
  if (out.main === undefined) throw new UsageError("USAGE_KEYS", "--exchange bybit needs WARDEN_MAIN_API_KEY and WARDEN_MAIN_API_SECRET in the environment");
  return out;
}

/** Exchange keys from the environment only (README "warden run", "Accounts"): never from a file, never printed. */
import { keyVariables } from "../core/domain/accounts.ts";
import type { AccountId } from "../core/domain/types.ts";
import { UsageError } from "../core/errors.ts";
import { env } from "../core/runtime.ts";

export type KeyRing = Partial<Record<AccountId, { apiKey: string; secret: string }>>;

/**
 * Each named account's keys from WARDEN_<NAME>_API_KEY and WARDEN_<NAME>_API_SECRET. By default
 * `main` (required) and `mirror` (when set); with a configured roster, every account of it.
 */
export function liveCredentials(names: readonly AccountId[] = ["main", "mirror"], required: readonly AccountId[] = ["main"]): KeyRing {
  const out: KeyRing = {};
  for (const account of names) {
    const vars = keyVariables(account);
    const apiKey = env(vars.key);
    const secret = env(vars.secret);
    if (apiKey === undefined && secret === undefined) continue;
    if (apiKey === undefined || secret === undefined) throw new UsageError("USAGE_KEYS", `${vars.key} and ${vars.secret} must be set together`);
    out[account] = { apiKey, secret };
  }
  const missing = required.filter((a) => out[a] === undefined);
  if (missing.length > 0) {
    const vars = missing.map((a) => `${keyVariables(a).key} and ${keyVariables(a).secret}`).join("; ");
    throw new UsageError("USAGE_KEYS", `--exchange bybit needs the keys of ${missing.join(", ")} in the environment: ${vars}`);
  }
  return out;
}

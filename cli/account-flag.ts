/**
 * `--account NAME` on the commands that act on one account (README "Accounts"): one checker,
 * so every command refuses an unknown name with the same line, naming the flag and the
 * accounts it knows, before anything is read from an exchange or written.
 */
import { ACCOUNT_NAME } from "../core/domain/accounts.ts";
import type { AccountId } from "../core/domain/types.ts";
import { UsageError } from "../core/errors.ts";
import { stringFlag } from "./options.ts";

/**
 * The account named by `--account`, when it is one of `known`; undefined when the flag is not
 * given. `where` says where the known names come from ("the config's accounts", a file).
 */
export function accountFlag(raw: unknown, known: readonly AccountId[], where: string): AccountId | undefined {
  const name = stringFlag("account", raw);
  if (name === undefined) return undefined;
  if (ACCOUNT_NAME.test(name) && known.includes(name)) return name;
  const list = known.length === 0 ? "none" : known.join(", ");
  throw new UsageError("USAGE_UNKNOWN_ACCOUNT", `--account "${name}" is not an account of ${where} (known: ${list})`);
}

/** The accounts a command checks `--account` against: the config's `accounts`, or `main` and `mirror` without them. */
export async function configuredNames(configPath: string | undefined): Promise<{ readonly names: AccountId[]; readonly where: string }> {
  const { defaultEngineConfig, loadEngineConfig } = await import("../core/engine/config.ts");
  const config = configPath !== undefined ? loadEngineConfig(configPath) : defaultEngineConfig();
  const { configuredAccounts } = await import("../app/accounts.ts");
  const where = config.accounts !== undefined ? `the accounts of ${configPath}` : configPath !== undefined ? `the default roster (${configPath} has no accounts)` : "the default roster (no --config)";
  return { names: configuredAccounts(config).names, where };
}

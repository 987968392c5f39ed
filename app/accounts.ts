/**
 * Who follows whom, composed from where it is written: a scenario's accounts on the
 * simulator, the config's `accounts` (or the default `main` + `mirror`) on a live exchange.
 */
import { defaultRoster, Roster } from "../core/domain/accounts.ts";
import type { AccountId } from "../core/domain/types.ts";
import type { EngineConfig } from "../core/engine/config.ts";
import type { Scenario } from "../core/sim/scenario-schema.ts";

export function scenarioRoster(scenario: Scenario): Roster {
  return new Roster(Object.entries(scenario.accounts).map(([name, a]) => ({ name, follows: a.follows, ratio: a.ratio, follow: a.follow })));
}

/** The accounts a live run reads keys for, and those it cannot run without. */
export function configuredAccounts(config: EngineConfig): { readonly names: AccountId[]; readonly required: AccountId[] } {
  if (config.accounts === undefined) return { names: ["main", "mirror"], required: ["main"] };
  const names = config.accounts.map((a) => a.name);
  return { names, required: names };
}

/** The live roster: the config's, or `main` and (when its keys are set) `mirror` at `mirror.ratio`. */
export function configRoster(config: EngineConfig, keyed: readonly AccountId[]): Roster {
  if (config.accounts !== undefined) return new Roster(config.accounts);
  return defaultRoster(keyed.filter((a) => a === "main" || a === "mirror"), config.mirror?.ratio);
}

/**
 * `run --account NAME`: the roster of that one account alone. A follower alone is composed as a
 * leader of nothing: its leader is not read by this process, so its leader's close cannot be
 * followed here (the caller says so once); `leader` names it.
 */
export function aloneRoster(roster: Roster, name: AccountId): { readonly roster: Roster; readonly leader?: AccountId } {
  const leader = roster.leaderOf(name);
  return { roster: new Roster([{ name }]), ...(leader !== undefined ? { leader } : {}) };
}

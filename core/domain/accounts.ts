/**
 * Accounts as data (README "Accounts"): a roster of named accounts, each a leader or a
 * follower of one other at its own ratio. A follower's monitors are twins of its leader's
 * (same symbol and side) at `ratio` x the leader's size; with `follow: "close"` (the default)
 * it follows its leader's close, with `follow: "size"` every size change as well.
 * Followers of followers are allowed; cycles are not.
 */
import type { AccountId } from "./types.ts";

export const ACCOUNT_NAME = /^[a-z0-9-]{1,32}$/;

export type FollowMode = "close" | "size";

export interface AccountSpec {
  readonly name: AccountId;
  /** The leader this account follows. */
  readonly follows?: AccountId | undefined;
  /** Follower size / leader size; read off the accounts at start-up when absent. */
  readonly ratio?: number | undefined;
  readonly follow?: FollowMode | undefined;
}

/** Every problem with a roster, one line each ("accounts[i].field: message"); empty when it is sound. */
export function rosterProblems(specs: readonly AccountSpec[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  specs.forEach((spec, i) => {
    if (!ACCOUNT_NAME.test(spec.name)) problems.push(`accounts[${i}].name: "${spec.name}" is not a name of [a-z0-9-] (1 to 32 characters)`);
    if (names.has(spec.name)) problems.push(`accounts[${i}].name: "${spec.name}" is named twice`);
    names.add(spec.name);
  });
  specs.forEach((spec, i) => {
    if (spec.follows === undefined) {
      if (spec.ratio !== undefined || spec.follow !== undefined) problems.push(`accounts[${i}]: ratio and follow need follows`);
      return;
    }
    if (spec.follows === spec.name) problems.push(`accounts[${i}].follows: "${spec.name}" cannot follow itself`);
    else if (!names.has(spec.follows)) problems.push(`accounts[${i}].follows: no account is named "${spec.follows}"`);
    if (spec.ratio !== undefined && !(spec.ratio > 0 && spec.ratio <= 10)) problems.push(`accounts[${i}].ratio: ${spec.ratio} is not in (0, 10]`);
  });
  if (problems.length > 0) return problems;
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const spec of specs) {
    const seen = new Set<string>([spec.name]);
    for (let at = byName.get(spec.follows ?? ""); at !== undefined; at = byName.get(at.follows ?? "")) {
      if (seen.has(at.name)) {
        problems.push(`accounts: "${spec.name}" follows in a circle (${[...seen, at.name].join(" -> ")})`);
        return problems;
      }
      seen.add(at.name);
    }
  }
  return problems;
}

/** The environment variables that hold an account's keys: `WARDEN_<NAME>_API_KEY` / `_SECRET` (upper-cased, `-` as `_`). */
export function keyVariables(name: AccountId): { readonly key: string; readonly secret: string } {
  const stem = `WARDEN_${name.toUpperCase().replaceAll("-", "_")}_API_`;
  return { key: `${stem}KEY`, secret: `${stem}SECRET` };
}

export class Roster {
  readonly #specs: ReadonlyMap<AccountId, AccountSpec>;

  constructor(specs: readonly AccountSpec[]) {
    this.#specs = new Map(specs.map((s) => [s.name, s]));
  }

  names(): AccountId[] {
    return [...this.#specs.keys()];
  }

  has(name: AccountId): boolean {
    return this.#specs.has(name);
  }

  spec(name: AccountId): AccountSpec | undefined {
    return this.#specs.get(name);
  }

  /** The account `name` follows, if any. */
  leaderOf(name: AccountId): AccountId | undefined {
    return this.#specs.get(name)?.follows;
  }

  followersOf(name: AccountId): AccountId[] {
    return [...this.#specs.values()].filter((s) => s.follows === name).map((s) => s.name);
  }

  isLeader(name: AccountId): boolean {
    return this.followersOf(name).length > 0;
  }

  followMode(name: AccountId): FollowMode {
    return this.#specs.get(name)?.follow ?? "close";
  }

  /** The same roster with these followers' ratios set (start-up fixes the ones left open). */
  withRatios(ratios: ReadonlyMap<AccountId, number>): Roster {
    return new Roster([...this.#specs.values()].map((s) => (ratios.has(s.name) ? { ...s, ratio: ratios.get(s.name)! } : s)));
  }

  specs(): AccountSpec[] {
    return [...this.#specs.values()];
  }
}

/**
 * The roster when none is configured: `main`, and `mirror` following it (at `mirrorRatio`, or
 * read off the accounts) when the mirror account is there.
 */
export function defaultRoster(accounts: readonly AccountId[], mirrorRatio?: number): Roster {
  return new Roster(
    accounts.map((name): AccountSpec => (name === "mirror" && accounts.includes("main") ? { name, follows: "main", ...(mirrorRatio !== undefined ? { ratio: mirrorRatio } : {}) } : { name })),
  );
}

/**
 * The hand-over between a leader's unit and its followers' (README "Accounts"): the one way
 * an account's cycle learns about another's. After its cycle a leader posts its news (its
 * monitors as they stand, and those that went flat by other means); each follower takes what
 * concerns it after its own cycle: its twins linked at its ratio, its leader's closes, and with
 * `follow: "size"` its leader's size. A leader's close stays queued for a follower until that
 * position of the follower is closed (a follower whose read failed, or whose exit the
 * exchange refused, follows again next time), and never reaches a later lifetime of it. The decisions are the domain's
 * (mirror.ts); this only carries the news, so a later step can carry it between processes.
 */
import type { Action } from "../domain/action.ts";
import type { Roster } from "../domain/accounts.ts";
import { firstSightRatio, followLeaderSize, followMainClose, linkTwin } from "../domain/mirror.ts";
import { lifetimeKey } from "../domain/link-id.ts";
import type { Monitor } from "../domain/monitor.ts";
import { monitorId, type AccountId, type Instrument } from "../domain/types.ts";

export interface LeaderNews {
  readonly leader: AccountId;
  /** The leader's monitors after its cycle. */
  readonly monitors: readonly Monitor[];
  /** Its monitors that went flat by other means this cycle (or retired at start-up or discovery). */
  readonly closed: readonly Monitor[];
  /** The leader was read this cycle (its sizes are current). */
  readonly fresh: boolean;
}

export interface FollowerActs {
  /** Monitors changed by the hand-over, with the actions (writes included) each needs. */
  readonly acted: { readonly monitor: Monitor; readonly actions: Action[] }[];
  /** The follower's ratio, when this hand-over read it off its first pair of twins (no ratio configured or kept). */
  readonly ratioFixed?: number;
}

/** How the follower's own cycle went. */
export interface FollowerRead {
  /** Its read failed: it writes nothing now (its leader's closes wait). */
  readonly failed: boolean;
  /** It was read this cycle: its sizes are as current as a fresh leader's. */
  readonly loaded: boolean;
}

export class Handover {
  readonly #roster: Roster;
  /** Per follower, leader closes not yet followed to the end; `life`: the twin's lifetime they apply to, once seen. */
  readonly #closes = new Map<AccountId, { readonly main: Monitor; life?: string }[]>();
  /** Per leader, its latest news. */
  readonly #latest = new Map<AccountId, LeaderNews>();
  /** Per follower with no ratio configured, the one read off its first pair of twins (fixed from then on). */
  readonly #ratios = new Map<AccountId, number>();

  constructor(roster: Roster) {
    this.#roster = roster;
  }

  /** A leader's cycle is done: its closes are queued for each of its followers. */
  post(news: LeaderNews): void {
    this.#latest.set(news.leader, news);
    if (news.closed.length === 0) return;
    for (const follower of this.#roster.followersOf(news.leader)) this.#closes.set(follower, [...(this.#closes.get(follower) ?? []), ...news.closed.map((main) => ({ main }))]);
  }

  /** What `follower` does now, given its monitors after its own cycle and how that cycle read it. */
  take(follower: AccountId, monitors: readonly Monitor[], read: FollowerRead, instruments: ReadonlyMap<string, Instrument>, now: number, instance?: string): FollowerActs {
    const leader = this.#roster.leaderOf(follower);
    if (leader === undefined) return { acted: [] };
    const news = this.#latest.get(leader);
    const byId = new Map<string, Monitor>(monitors.map((m) => [m.id, m]));
    const acted = new Map<string, { monitor: Monitor; actions: Action[] }>();
    const current = (id: string) => acted.get(id)?.monitor ?? byId.get(id);
    // configured; else kept with its linked monitors; else read off its first pair of twins
    let ratio = this.#roster.spec(follower)?.ratio ?? this.#ratios.get(follower) ?? keptRatio(monitors);
    let ratioFixed: number | undefined;
    // link twins (a follower position adopted before or with its leader's twin)
    if (news !== undefined) {
      for (const lead of news.monitors) {
        const twin = byId.get(monitorId(follower, lead.symbol, lead.side));
        if (twin === undefined || twin.status !== "active" || lead.status !== "active") continue;
        if (ratio === undefined) {
          ratio = ratioFixed = firstSightRatio(twin, lead);
          if (ratio !== undefined) this.#ratios.set(follower, ratio);
        }
        if (ratio === undefined) continue;
        const linked = linkTwin(twin, lead, ratio);
        if (linked !== undefined) acted.set(linked.id, { monitor: linked, actions: [] });
      }
    }
    const done = (): FollowerActs => ({ acted: [...acted.values()], ...(ratioFixed !== undefined ? { ratioFixed } : {}) });
    if (read.failed) return done();
    // the leader went flat by hand (or liquidation), here or while Warden was not looking
    const pending = (this.#closes.get(follower) ?? []).filter((close) => {
      const twin = current(monitorId(follower, close.main.symbol, close.main.side));
      if (twin === undefined || twin.status !== "active" || twin.mirrorOf !== close.main.id) return false;
      const life = lifetimeKey(twin);
      if (close.life !== undefined && close.life !== life) return false; // a later position: not the one that followed
      if (close.main.closedAt !== undefined && (twin.openedAt ?? twin.createdAt) > close.main.closedAt) return false; // opened after the leader's close
      close.life = life;
      const followed = followMainClose(twin, close.main, now, instance);
      if (followed.actions.length > 0) merge(acted, followed);
      return true;
    });
    if (pending.length > 0) this.#closes.set(follower, pending);
    else this.#closes.delete(follower);
    // sizes compared only on two views read in this cycle (the engine reads a size follower with its leader)
    if (this.#roster.followMode(follower) === "size" && news?.fresh === true && read.loaded) {
      for (const lead of news.monitors) {
        const twin = current(monitorId(follower, lead.symbol, lead.side));
        const instrument = instruments.get(lead.symbol);
        if (twin === undefined || instrument === undefined) continue;
        const followed = followLeaderSize(twin, lead, instrument, now, instance);
        if (followed.actions.length > 0) merge(acted, followed);
      }
    }
    return done();
  }
}

/** The ratio a follower's linked monitors carry (the newest), if any. */
function keptRatio(monitors: readonly Monitor[]): number | undefined {
  return [...monitors].filter((m) => m.mirrorOf !== undefined && m.ratio !== undefined).sort((a, b) => b.createdAt - a.createdAt)[0]?.ratio;
}

function merge(acted: Map<string, { monitor: Monitor; actions: Action[] }>, next: { monitor: Monitor; actions: Action[] }): void {
  const before = acted.get(next.monitor.id);
  acted.set(next.monitor.id, { monitor: next.monitor, actions: [...(before?.actions ?? []), ...next.actions] });
}

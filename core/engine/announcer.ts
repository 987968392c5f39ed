/**
 * What the engine tells the world about decisions: rules applied, alerts, closes, fills
 * (a tracked order turning "filled"), and mirror divergence (once per diverging mirror,
 * until it follows again). Pure bookkeeping over monitors; events only.
 */
import type { Action } from "../domain/action.ts";
import { divergenceAlert } from "../domain/mirror.ts";
import type { Monitor } from "../domain/monitor.ts";
import type { Instrument } from "../domain/types.ts";
import type { Emit } from "../logs/event.ts";

export class Announcer {
  readonly #emit: Emit;
  readonly #divergent = new Set<string>();

  constructor(emit: Emit) {
    this.#emit = emit;
  }

  actions(monitor: Monitor, actions: readonly Action[]): void {
    for (const action of actions) {
      if (action.kind === "rule") this.#emit("info", "rule.applied", { monitor: monitor.id, rule: action.rule, ...action.detail });
      else if (action.kind === "alert") this.#emit(action.level, "alert", { level: action.level, message: action.message, ...(action.detail ?? {}) });
      else if (action.kind === "close") this.#emit("info", "monitor.closed", { monitor: monitor.id, reason: action.reason });
    }
  }

  /** evaluate records a fill as a tracked order turning "filled": one event per order. */
  fills(before: Monitor | undefined, after: Monitor): void {
    const was = new Map(before?.orders.map((o) => [o.linkId, o.state]) ?? []);
    for (const order of after.orders) {
      if (order.state !== "filled" || was.get(order.linkId) === "filled") continue;
      this.#emit("info", "fill.detected", {
        monitor: after.id,
        account: after.account,
        symbol: after.symbol,
        role: order.role,
        index: order.index,
        linkId: order.linkId,
        qty: order.filledQty > 0 ? order.filledQty : order.qty,
        price: order.price ?? order.triggerPrice,
      });
    }
  }

  /**
   * Followers no longer at their ratio of their leader (one following its leader's close or
   * size, with its follow order still working, is exempt):
   * `mirror.diverged` once per diverging mirror; returns every mirror diverging now, with the
   * alert about it (the engine repeats those while they last).
   */
  divergence(monitors: readonly Monitor[], instruments: ReadonlyMap<string, Instrument>): Map<string, Extract<Action, { kind: "alert" }>> {
    const now = new Map<string, Extract<Action, { kind: "alert" }>>();
    const byId = new Map(monitors.map((m) => [m.id, m]));
    const active = new Set(monitors.filter((m) => m.status === "active").map((m) => m.id));
    for (const mirror of monitors) {
      if (mirror.mirrorOf === undefined) continue;
      // a follower flat by other means while its leader still holds diverges too (size 0); one reopened is judged as active
      if (mirror.status !== "active" && (mirror.closeReason === undefined || active.has(mirror.id))) continue;
      if (mirror.orders.some((o) => o.state === "working" && (o.role === "exit" || (o.role === "entry" && o.index === 9)))) continue;
      const main = byId.get(mirror.mirrorOf);
      const instrument = instruments.get(mirror.symbol);
      if (main === undefined || instrument === undefined) continue;
      const alert = divergenceAlert(main, mirror, mirror.ratio ?? 1, instrument.qtyStep);
      if (alert === undefined || alert.kind !== "alert") {
        this.#divergent.delete(mirror.id);
      } else {
        now.set(mirror.id, alert);
        if (!this.#divergent.has(mirror.id)) {
          this.#divergent.add(mirror.id);
          this.#emit("warn", "mirror.diverged", { account: mirror.account, monitor: mirror.id, main: main.id, message: alert.message, ...(alert.detail ?? {}) });
        }
      }
    }
    return now;
  }
}

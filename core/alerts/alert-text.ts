/**
 * An `alert` event as a short message a person reads on a phone: what happened, which
 * position, what Warden did, what to do. One pure formatter per alert kind (EVENTS.md, "Alert
 * kinds"), and a fallback for the rest that keeps the engine's own message.
 *
 *   🔴 UNPROTECTED: main BTCUSDT long 0.1
 *   No stop working, for 35 s.
 *   Warden: places its stop again every cycle.
 *   You: check the position on Bybit now; place a stop by hand if this lasts.
 *   10:00:35 UTC
 */
import type { WardenEvent } from "../logs/event.ts";

export interface AlertLines {
  /** Headline: what happened (upper case for the worst). */
  readonly what: string;
  readonly detail?: string;
  readonly did: string;
  readonly todo: string;
}

type Formatter = (a: AlertView) => AlertLines;

/** The fields formatters read, as text. */
export interface AlertView {
  readonly kind: string;
  readonly message: string;
  /** "main BTCUSDT long 0.1", the account alone, or "". */
  readonly position: string;
  readonly field: (name: string) => string | undefined;
}

const seconds = (ms: string | undefined): string => (ms === undefined ? "" : `${Math.round(Number(ms) / 1_000)} s`);

const FORMATS: Readonly<Record<string, Formatter>> = {
  unprotected: (a) => ({
    what: "UNPROTECTED",
    detail: `${capital(a.field("reason") ?? "no stop working")}${Number(a.field("forMs") ?? 0) > 0 ? `, for ${seconds(a.field("forMs"))}` : ""}.`,
    did: "places its stop again every cycle.",
    todo: "check the position on Bybit now; place a stop by hand if this lasts.",
  }),
  "stop-restored": (a) => ({
    what: "Stop cancelled again",
    detail: `Its stop vanished without a fill (${a.field("restores") ?? "several"} restores).`,
    did: "restored the stop.",
    todo: `to run it without a stop, say so: warden no-stop ${a.field("monitor") ?? "<monitor>"}; do not cancel it on Bybit.`,
  }),
  "stop-refused": (a) => ({
    what: "Stop REFUSED by Bybit",
    detail: after(a.message, "refused by the exchange"),
    did: "decides the stop again next cycle.",
    todo: "check margin and the position on Bybit.",
  }),
  "adoption-past-stop": (a) => pastStop(a, "Stop past the mark at adoption"),
  "past-stop": (a) => pastStop(a, "Stop past the mark"),
  "no-instrument": (a) => ({
    what: "UNPROTECTED: unknown symbol",
    detail: `${a.field("symbol") ?? "The symbol"} is not in the instrument list.`,
    did: "reloads the instrument list; places nothing until it is there.",
    todo: "protect the position on Bybit by hand.",
  }),
  outage: (a) => ({
    what: "OUTAGE: Bybit unreachable",
    detail: `Reads have failed for ${seconds(a.field("forMs"))} (${a.field("reason") ?? "unknown"}).`,
    did: "keeps trying every cycle; it sees nothing of this account meanwhile.",
    todo: "check Bybit's status, the network and the API keys.",
  }),
  "outage-over": (a) => ({ what: "Bybit reachable again", detail: `After ${seconds(a.field("forMs"))}.`, did: "watches the account again.", todo: "nothing." }),
  "settings-invalid": (a) => ({
    what: "settings.json unreadable",
    detail: a.message,
    did: "keeps the choices read before.",
    todo: "fix or restore the state dir's settings.json.",
  }),
  "stand-by": () => ({
    what: "Stand-by",
    detail: "Another Warden instance protects this position.",
    did: "places nothing; takes over when that protection lapses.",
    todo: "nothing, if two instances are intended.",
  }),
  "order-vanished": (a) => ({ what: "Order vanished", detail: capital(a.message) + ".", did: "did not replace it.", todo: "check the position's orders on Bybit." }),
  "order-stray": (a) => ({ what: "Stray orders", detail: capital(a.message) + ".", did: "cancels them.", todo: "nothing." }),
  "plan-deferred": (a) => ({ what: "Plan's stop deferred", detail: capital(a.message) + ".", did: "keeps the stop where it is for now.", todo: "give a stop the mark allows, if this one is not what you meant." }),
  "breakeven-deferred": (a) => ({ what: "Breakeven deferred", detail: capital(a.message) + ".", did: "moves the stop when the mark allows.", todo: "nothing." }),
  "ip-ban": (a) => ({
    what: "IP BANNED by Bybit",
    detail: capital(a.message) + ".",
    did: "sends no write until the ban ends; reads go on.",
    todo: "check what else uses this IP's Bybit budget; protect positions by hand if it lasts.",
  }),
  divergence: (a) => ({ what: "Mirror diverged", detail: capital(a.message) + ".", did: "does not trade to close the gap.", todo: "check the mirror account." }),
  test: () => ({ what: "Test message", detail: "Alerts reach you here.", did: "nothing: this is `warden alerts test`.", todo: "nothing." }),
};

function pastStop(a: AlertView, what: string): AlertLines {
  const closing = /pastStop: close/.test(a.message);
  return {
    what,
    detail: `Stop ${a.field("wanted") ?? a.field("triggerPrice") ?? "?"}, mark ${a.field("markPrice") ?? "?"}.`,
    did: closing ? "closes the position at market (pastStop: close)." : `placed the stop at ${a.field("triggerPrice") ?? "?"} instead (from the mark).`,
    todo: "check the stop suits you; move it by hand if not.",
  };
}

/** A formatter for anything not listed: the engine's message as it is. */
const fallback: Formatter = (a) => ({
  what: /IP banned/i.test(a.message) ? "IP BANNED by Bybit" : a.kind === "" ? "Alert" : a.kind,
  detail: capital(a.message) + ".",
  did: "see the message.",
  todo: "look at the Warden log.",
});

export function hasFormatter(kind: string): boolean {
  return Object.hasOwn(FORMATS, kind);
}

export function alertLines(event: WardenEvent): AlertLines {
  const view = viewOf(event);
  return (Object.hasOwn(FORMATS, view.kind) ? FORMATS[view.kind]! : fallback)(view);
}

const ICON: Readonly<Record<string, string>> = { error: "🔴", warn: "🟠", info: "🟢" };

/** The message text: at most a few short lines. */
export function alertText(event: WardenEvent): string {
  const view = viewOf(event);
  const lines = alertLines(event);
  const head = `${ICON[event.level] ?? "⚪"} ${lines.what}${view.position !== "" ? `: ${view.position}` : ""}`;
  const time = Number.isNaN(Date.parse(event.ts)) ? "" : `${event.ts.slice(11, 19)} UTC`;
  return [head, lines.detail, `Warden: ${lines.did}`, `You: ${lines.todo}`, time].filter((l) => l !== undefined && l !== "").join("\n");
}

function viewOf(event: WardenEvent): AlertView {
  const field = (name: string): string | undefined => {
    const v = event[name];
    return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
  };
  const monitor = field("monitor");
  const parts = monitor?.split(":") ?? [field("account"), field("symbol"), field("side")].filter((p) => p !== undefined);
  const size = field("size");
  const position = [...parts, ...(parts.length >= 3 && size !== undefined ? [size] : [])].join(" ");
  return { kind: field("kind") ?? "", message: (field("message") ?? "").replace(/\.$/, ""), position, field };
}

function capital(text: string): string {
  return text.length === 0 ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** The part of a message after a phrase, capitalised ("(110007: ...)"), or the message. */
function after(message: string, phrase: string): string {
  const i = message.indexOf(phrase);
  return capital(i < 0 ? message : message.slice(i + phrase.length).replace(/;.*$/, "").trim()) || capital(message);
}

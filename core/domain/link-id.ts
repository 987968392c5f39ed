/**
 * Deterministic orderLinkIds: `w-<hash>-<role><index>-<seq>`, for example `w-9f3a1c0b-t0-12`.
 * <hash> is 8 hex digits of the FNV-1a hash of the monitor's lifetime key: its id and when
 * it was created (so a mirror twin, whose id starts with "mirror:", gets different ids, and
 * a position reopened on the same symbol and side never reuses the ids of an earlier life,
 * which Bybit would answer with 110072 "already exists"); <role> is e (entry), t (take-profit) or
 * s (stop-loss) or x (market exit); <seq> is the monitor's write sequence number. At most 36 characters
 * (Bybit's limit), stable across runs and runtimes. A trailing `-<tag>` names the Warden
 * instance that wrote it (its state dir's tag, 4 characters [0-9a-z]): a second instance on
 * the same account knows those orders are another Warden's, and stands by (evaluate.ts).
 * Ids without a tag (written before tags existed) parse as before.
 */
import type { OrderRole } from "./action.ts";
import type { MonitorId } from "./types.ts";

export const LINK_ID_MAX = 36;

const ROLE_CODE: Readonly<Record<OrderRole, string>> = { entry: "e", tp: "t", sl: "s", exit: "x" };
const CODE_ROLE: Readonly<Record<string, OrderRole>> = { e: "entry", t: "tp", s: "sl", x: "exit" };
const PATTERN = /^w-([0-9a-f]{8})-([etsx])(\d{1,2})-(\d{1,15})(?:-([0-9a-z]{4}))?$/;

export interface ParsedLinkId {
  readonly hash: string;
  readonly role: OrderRole;
  readonly index: number;
  readonly seq: number;
  /** The tag of the Warden instance that wrote it, when it carries one. */
  readonly instance?: string;
}

/** 32-bit FNV-1a over the UTF-8 bytes, as 8 hex digits. */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** What a monitor's linkIds are derived from: `<id>@<createdAt in base 36>`. */
export function lifetimeKey(monitor: { readonly id: MonitorId; readonly createdAt: number }): string {
  return `${monitor.id}@${monitor.createdAt.toString(36)}`;
}

export function monitorHash(lifetime: string): string {
  return fnv1a(lifetime);
}

export function linkId(monitor: string, role: OrderRole, index: number, seq: number, instance?: string): string {
  if (!Number.isInteger(index) || index < 0 || index > 99) throw new RangeError(`order index must be 0..99, got ${index}`);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`sequence must be a non-negative integer, got ${seq}`);
  if (instance !== undefined && !/^[0-9a-z]{4}$/.test(instance)) throw new RangeError(`instance tag must be 4 characters of [0-9a-z], got ${instance}`);
  const id = `w-${monitorHash(monitor)}-${ROLE_CODE[role]}${index}-${seq}${instance !== undefined ? `-${instance}` : ""}`;
  if (id.length > LINK_ID_MAX) throw new RangeError(`orderLinkId longer than ${LINK_ID_MAX} characters: ${id}`);
  return id;
}

/** Recognises Warden's own ids; undefined for any other (foreign) id. */
export function parseLinkId(id: string): ParsedLinkId | undefined {
  const match = PATTERN.exec(id);
  if (!match) return undefined;
  const role = CODE_ROLE[match[2]!];
  if (role === undefined) return undefined;
  return { hash: match[1]!, role, index: Number(match[3]), seq: Number(match[4]), ...(match[5] !== undefined ? { instance: match[5] } : {}) };
}

/** True when the id is one Warden made for this monitor lifetime (see lifetimeKey). */
export function isOwnLinkId(id: string, monitor: string): boolean {
  return parseLinkId(id)?.hash === monitorHash(monitor);
}

/** True when the id is another Warden instance's (it carries a tag, not `instance`). */
export function isRivalLinkId(id: string, instance: string | undefined): boolean {
  const tag = instance === undefined ? undefined : parseLinkId(id)?.instance;
  return tag !== undefined && tag !== instance;
}

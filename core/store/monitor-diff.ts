/** Which monitors a restore would add, remove or change, by id (compared as canonical JSON). */
import type { MonitorRecord } from "./monitors-file.ts";
import { canonicalJson } from "./state-json.ts";

export interface MonitorDiff {
  /** In the target, not in the present state. */
  readonly added: string[];
  /** In the present state, not in the target. */
  readonly removed: string[];
  /** In both, with different content. */
  readonly changed: string[];
  readonly unchanged: number;
}

export function diffMonitors(present: readonly MonitorRecord[], target: readonly MonitorRecord[]): MonitorDiff {
  const now = new Map(present.map((m) => [m.id, canonicalJson(m)]));
  const then = new Map(target.map((m) => [m.id, canonicalJson(m)]));
  const added = [...then.keys()].filter((id) => !now.has(id)).sort();
  const removed = [...now.keys()].filter((id) => !then.has(id)).sort();
  const both = [...then.keys()].filter((id) => now.has(id));
  const changed = both.filter((id) => now.get(id) !== then.get(id)).sort();
  return { added, removed, changed, unchanged: both.length - changed.length };
}

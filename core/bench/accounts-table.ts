/** The `bench --accounts` table: one row per size, then the gates. */
import type { AccountsDocument } from "./accounts-bench.ts";

const f1 = (x: number | null) => (x === null || !Number.isFinite(x) ? "-" : x.toFixed(1));
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");

export function renderAccountsTable(doc: AccountsDocument): string {
  const head = ["accounts", "monitors", "cycles", "reads/acct/cyc", "floor/acct", "max over floor", "lookups/acct/cyc", "writes/acct/cyc", "HTTP 403", "IP peak/5s", "cycle p50 ms", "p95 ms", "pause p50 ms", "engine cpu ms/acct", "failed acct-cycles", "unprotected at end"];
  const rows = doc.points.map((p) => [
    String(p.accounts), String(p.monitors), String(p.cycles), f2(p.readsPerAccount.mean), f2(p.floorPerAccount), p.overFloorMax === null ? "-" : String(p.overFloorMax),
    f2(p.lookupsPerAccount), f2(p.writesPerAccount), String(p.http403), `${p.ipPeak}/${p.ipLimit}`, f1(p.cycleMs.p50), f1(p.cycleMs.p95), f1(p.pauseMs.p50), f2(p.engineCpuMsPerAccount), String(p.failedAccountCycles), String(p.unprotectedAtEnd),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const out = [
    `accounts bench: 1 leader + followers (ratios 0.5, 0.25, 1, 2), ${doc.points[0]?.positions ?? 0} positions each, strategy warden, latency ${doc.latency}, seed ${doc.seed}`,
    "",
    line(head),
    ...rows.map(line),
    "",
    "reads/acct/cyc: an account's listing reads (positions, open orders) in a cycle that read it, as sent (by API key); floor/acct: ceil(positions/200) + ceil(orders/50) for it",
    "max over floor: the most listing reads any account made beyond its floor in one cycle (plus the empty page Bybit forces after a listing that fills its last page exactly); lookups: vanished orders looked up by orderLinkId (then history)",
    "HTTP 403 and IP peak: Bybit's per-IP limit as the simulator enforces it (600 requests per 5 s over all accounts)",
    "pause: real time waited before a cycle until Warden's budget had IP room for twice the read floor (a live run pauses 2 s); not in cycle time",
    "engine cpu: the engine's own CPU per cycle / accounts, mean from cycle 3",
    "",
    "gates:",
    ...doc.gates.map((g) => `  ${g.pass ? "PASS" : "FAIL"}  ${g.id}: ${g.value ?? "-"} ${g.rule} ${g.limit}`),
  ];
  return `${out.join("\n")}\n`;
}

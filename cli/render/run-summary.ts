/** The human summary printed at the end of `warden run`. */
import kleur from "kleur";
import type { RunSummary } from "../../core/engine/run-summary.ts";

export function renderSummary(s: RunSummary, opts: { color: boolean; tty: boolean }): string {
  kleur.enabled = opts.color;
  const rules = Object.entries(s.rules)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([rule, n]) => `${rule} ${n}`)
    .join(", ");
  const hit = s.cacheHitRate === null ? "n/a" : `${(s.cacheHitRate * 100).toFixed(1)}%`;
  const lines = [
    "",
    kleur.bold(`Warden ${s.dryRun ? "DRY RUN" : "run"} on ${s.exchange}: ${s.cycles} cycles (${s.stopped}), strategy ${s.strategy}`),
    ...(s.dryRun ? [`  dry run        paper orders only: ${s.writeRequests} write requests sent to the exchange`] : []),
    `  monitors       ${s.monitors.active} active, ${s.monitors.closed} closed`,
    `  fills          ${s.fills}`,
    `  rules applied  ${rules === "" ? "none" : rules}`,
    `  orders         ${s.dryRun ? "(paper) " : ""}${s.orders.placed} placed, ${s.orders.amended} amended, ${s.orders.cancelled} cancelled, ${s.orders.failed} failed`,
    `  alerts         ${s.alerts}`,
    `  protection     ${s.protection.unprotectedAtEnd} unprotected at the end, longest unprotected ${(s.protection.longestUnprotectedMs / 1000).toFixed(1)} s`,
    `  REST calls     ${s.restCalls.perCycleMean} per cycle (max ${s.restCalls.perCycleMax}), ${s.restCalls.startUp} at start-up, ${s.restCalls.total} in all`,
    `  cache hit rate ${hit}`,
    `  state          ${s.stateDir}`,
    "",
  ];
  return lines.join("\n");
}

/**
 * Writes fixtures/scenarios/demo-30.json from the seeded scenario generator, so the demo
 * and bench scenarios stay alike. The JSON is the fixture; rerun after changing the
 * generator: `npx bun scripts/gen-demo-30.ts`.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { demo30 } from "../core/sim/scenario-gen.ts";

/** JSON with one line per array element (orders, positions, instruments) and per price path. */
function format(value: unknown, indent = ""): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== "object" || v === null)) return JSON.stringify(value);
    return `[\n${value.map((v) => inner + JSON.stringify(v)).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${format(v, inner)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

const target = fileURLToPath(new URL("../fixtures/scenarios/demo-30.json", import.meta.url));
writeFileSync(target, `${format(demo30())}\n`);
process.stdout.write(`wrote ${target}\n`);

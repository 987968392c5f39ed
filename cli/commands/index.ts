/**
 * Every command registers its flags here; its implementation is imported lazily inside
 * its action so that `--help` and one command never load the others.
 */
import type { CAC } from "cac";
import { register as rollback } from "./rollback.ts";
import { register as validate } from "./validate.ts";
import { register as bench } from "./bench.ts";
import { register as run } from "./run.ts";
import { register as sim } from "./sim.ts";
import { register as cacheStats } from "./cache-stats.ts";
import { register as noStop } from "./no-stop.ts";
import { register as status } from "./status.ts";
import { register as alerts } from "./alerts.ts";
import { register as plan } from "./plan.ts";
import { register as trade } from "./trade.ts";

export type Register = (cli: CAC) => void;

export const commands: Register[] = [run, validate, bench, rollback, sim, cacheStats, noStop, status, alerts, plan, trade];

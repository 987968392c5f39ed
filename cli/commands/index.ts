/**
 * Every command registers its flags here; its implementation is imported lazily inside
 * its action so that `--help` and one command never load the others.
 */
import type { CAC } from "cac";
import { register as validate } from "./validate.ts";

export type Register = (cli: CAC) => void;

export const commands: Register[] = [validate];

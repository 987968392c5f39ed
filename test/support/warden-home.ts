/**
 * Preloaded by `bun test` (bunfig.toml): the state root of every test, and of every process a
 * test starts, is a fresh temp directory, so no test writes to the real home's state dirs.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

process.env["WARDEN_HOME"] = mkdtempSync(join(tmpdir(), "warden-home-"));

#!/usr/bin/env bun
/**
 * The CLI entry and the one exit boundary: every command's error becomes an exit code here
 * (0 ok, 1 check failed, 2 bad usage or input, 3 runtime fault) and nowhere else.
 * Command actions return their exit code (or nothing for 0) or throw a WardenError.
 */
import process from "node:process";
import { cac, type CAC } from "cac";
import { UsageError, WardenError, exitCodeOf } from "../core/errors.ts";
import { argv, env, envNames, exit, runtimeVersion, writeStderr, writeStdout } from "../core/runtime.ts";
import pkg from "../package.json" with { type: "json" };
import { commands } from "./commands/index.ts";
import { joinNegativeValues } from "./options.ts";

export function buildCli(): CAC {
  const cli = cac("warden");
  for (const register of commands) register(cli);
  cli.help();
  cli.version(pkg.version);
  cli.showVersionOnExit = false; // cac would print the runtime's Node-compatible version; main prints both
  return cli;
}

/** `warden --version`: Warden's version (package.json) and the runtime it runs on. */
export function versionLine(): string {
  return `warden ${pkg.version} (${runtimeVersion()}, ${process.platform}-${process.arch})\n`;
}

/** `warden help [command]` is `warden [command] --help`. */
function helpAlias(args: string[]): string[] {
  return args[0] === "help" ? [...args.slice(1), "--help"] : args;
}

function isCacError(error: unknown): error is Error {
  return error instanceof Error && error.name === "CACError";
}

/** The last guard at the exit boundary: no key or secret from the environment in an error line. */
function withoutSecrets(line: string): string {
  let out = line;
  // every account's keys (WARDEN_<NAME>_API_KEY / _SECRET, any roster), not only main's and mirror's
  const names = envNames().filter((name) => /^WARDEN_[A-Z0-9_]+_API_(KEY|SECRET)$/.test(name));
  for (const name of [...names, "WARDEN_TELEGRAM_BOT_TOKEN"]) {
    const value = env(name);
    if (value === undefined || value.length < 4) continue;
    for (const form of [value, encodeURIComponent(value)]) out = out.split(form).join("[redacted]");
  }
  return out;
}

export async function main(args: string[]): Promise<number> {
  const cli = buildCli();
  try {
    cli.parse(["bun", "warden", ...joinNegativeValues(helpAlias(args), cli)], { run: false });
    if (cli.options["help"]) return 0;
    if (cli.options["version"]) {
      writeStdout(versionLine());
      return 0;
    }
    if (!cli.matchedCommand) {
      if (cli.args.length === 0) {
        cli.outputHelp();
        return 0;
      }
      throw new UsageError("USAGE_UNKNOWN_COMMAND", `unknown command "${cli.args[0]}"; see "warden --help"`);
    }
    const command = cli.matchedCommand;
    if (!command.args.some((a) => a.variadic) && cli.args.length > command.args.length) {
      const extra = cli.args.slice(command.args.length).map((a) => `"${a}"`).join(", ");
      throw new UsageError("USAGE_EXTRA_ARGUMENT", `unexpected argument ${extra} for "${command.name}"; see "warden ${command.name} --help"`);
    }
    const result: unknown = await cli.runMatchedCommand();
    return typeof result === "number" ? result : 0;
  } catch (error) {
    if (isCacError(error)) {
      writeStderr(`warden: USAGE: ${error.message}\n`);
      return 2;
    }
    const line = withoutSecrets(error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error));
    const prefix = error instanceof WardenError ? `warden: ${error.code}: ` : "warden: ";
    writeStderr(`${prefix}${line}\n`);
    return exitCodeOf(error);
  }
}

if (import.meta.main) {
  exit(await main(argv()));
}

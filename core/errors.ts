/**
 * Typed errors with stable codes. Only the CLI entry (cli/main.ts) turns them into
 * exit codes: `usage`/`input` -> 2, `check` -> 1, `runtime` -> 3.
 * Messages are one line, name the file/field/flag at fault, and never carry secrets.
 */
export type ErrorKind = "usage" | "input" | "check" | "runtime";

export class WardenError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  constructor(code: string, kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.kind = kind;
    this.name = "WardenError";
  }
}

/** Bad flag, unknown command: exit 2. */
export class UsageError extends WardenError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, "usage", message, options);
  }
}

/** Bad input: config, scenario, state file, log, fixture: exit 2. */
export class InputError extends WardenError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, "input", message, options);
  }
}

/** A check that ran and failed (gate, validate verdict): exit 1. */
export class CheckFailed extends WardenError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, "check", message, options);
  }
}

/** A runtime fault: exchange unreachable, reconciliation failed, lock held: exit 3. */
export class RuntimeFault extends WardenError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, "runtime", message, options);
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof WardenError) {
    switch (error.kind) {
      case "check":
        return 1;
      case "usage":
      case "input":
        return 2;
      case "runtime":
        return 3;
    }
  }
  return 3;
}

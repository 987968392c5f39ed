/**
 * Test support: real `warden` processes. `spawnWarden` starts `bun cli/main.ts ...` (the bun
 * binary running the tests), collects stdout lines and stderr, and can wait for a line or the
 * exit; `spawnCommand` does the same for any command line (`npx bun run cli ...`);
 * `startSimServer` starts `warden sim serve` and waits for its `listening on` line.
 * Every child started here is tracked: `killAllWardens()` (afterEach) kills the runs,
 * `killAllProcesses()` (afterAll) the simulators too.
 * The child's environment is the test's minus every WARDEN_* variable, plus `env`.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dir, "../..");
const CLI = join(REPO_ROOT, "cli/main.ts");

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface WardenProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Complete stdout lines so far. */
  readonly lines: string[];
  /** stdout and stderr so far. */
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<Exit>;
  /**
   * Resolves when the child's stdout and stderr are closed: every process that inherited them
   * (its whole tree, orphans included) has exited. An event, not a poll.
   */
  readonly stdioClosed: Promise<void>;
  /** Resolves with the first stdout line (seen or to come) matching; rejects on exit or timeout. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Sends the signal (if still running) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
}

const live = new Set<WardenProcess>();

function childEnv(extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("WARDEN_")) out[name] = value;
  }
  return { ...out, NO_COLOR: "1", ...extra };
}

export interface SpawnOptions {
  readonly env?: Record<string, string>;
  /** A server that outlives the runs (sim serve): only `killAllProcesses` ends it. */
  readonly server?: boolean;
}

export function spawnWarden(args: readonly string[], opts: SpawnOptions = {}): WardenProcess {
  return spawnCommand(process.execPath, [CLI, ...args], opts);
}

/** `command args...` in the repo root, tracked and watched like `spawnWarden`'s children. */
export function spawnCommand(command: string, args: readonly string[], opts: SpawnOptions = {}): WardenProcess {
  const child = spawn(command, [...args], { cwd: REPO_ROOT, env: childEnv(opts.env ?? {}), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let partial = "";
  const lines: string[] = [];
  const watchers = new Set<() => void>();
  child.stdout!.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    out += text;
    partial += text;
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
    for (const w of watchers) w();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    err += chunk.toString("utf8");
  });
  let exitValue: Exit | undefined;
  const exited = new Promise<Exit>((done) => {
    child.on("exit", (code, signal) => {
      exitValue = { code, signal };
      done(exitValue);
    });
  });
  const stdioClosed = new Promise<void>((done) => child.on("close", () => done()));
  const proc: WardenProcess = {
    child,
    pid: child.pid ?? -1,
    lines,
    stdout: () => out,
    stderr: () => err,
    exited,
    stdioClosed,
    waitForLine(match, timeoutMs = 30_000) {
      return new Promise((resolveLine, reject) => {
        let from = 0;
        const check = (): boolean => {
          for (; from < lines.length; from++) {
            const line = lines[from]!;
            if (match(line)) {
              finish();
              resolveLine(line);
              return true;
            }
          }
          return false;
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no matching line within ${timeoutMs} ms; stderr: ${err.slice(-500)}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          watchers.delete(onData);
        };
        const onData = () => void check();
        if (check()) return;
        watchers.add(onData);
        void exited.then((e) => {
          // Give the last stdout chunk a chance to arrive before giving up.
          setTimeout(() => {
            if (!watchers.has(onData) || check()) return;
            finish();
            reject(new Error(`process exited (code ${e.code}, signal ${e.signal}) before a matching line; stderr: ${err.slice(-500)}`));
          }, 20);
        });
      });
    },
    async kill(signal = "SIGKILL") {
      if (exitValue === undefined) child.kill(signal);
      return exited;
    },
  };
  const set = opts.server === true ? servers : live;
  set.add(proc);
  void exited.then(() => set.delete(proc));
  return proc;
}

const servers = new Set<WardenProcess>();

/** Kills every run still running (SIGKILL) and waits for them; simulator servers keep running. */
export async function killAllWardens(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill("SIGKILL")));
}

/** Kills every child, simulator servers included. */
export async function killAllProcesses(): Promise<void> {
  await Promise.all([...live, ...servers].map((p) => p.kill("SIGKILL")));
}

/** The NDJSON events among stdout lines (the final summary and non-JSON lines are skipped). */
export function eventsOf(lines: readonly string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of lines) {
    if (!line.startsWith("{")) continue;
    try {
      const v = JSON.parse(line) as Record<string, unknown>;
      if (typeof v["event"] === "string") out.push(v);
    } catch {
      // not an event
    }
  }
  return out;
}

export const isEvent = (name: string) => (line: string): boolean => line.includes(`"event":"${name}"`);

export interface SimServerProcess {
  readonly url: string;
  readonly process: WardenProcess;
  step(n: number): Promise<{ step: number; finished: boolean }>;
  state(): Promise<SimState>;
  close(): Promise<void>;
}

export interface SimOrderState {
  readonly orderId: string;
  readonly orderLinkId: string;
  readonly symbol: string;
  readonly side: "Buy" | "Sell";
  readonly orderType: string;
  readonly orderStatus: string;
  readonly qty: string;
  readonly price: string;
  readonly triggerPrice: string;
  readonly reduceOnly: boolean;
}

export interface SimAccountState {
  readonly positions: { symbol: string; side: "Buy" | "Sell"; size: string; avgPrice: number }[];
  readonly openOrders: { count: number; list: SimOrderState[] };
}

export interface SimState {
  readonly step: number;
  readonly steps: number;
  readonly finished: boolean;
  readonly accounts: Record<string, SimAccountState>;
  readonly requests: Record<string, number>;
  readonly faultsFired: unknown;
}

export interface SimServeOptions {
  readonly scenario?: string;
  readonly latency?: string;
  readonly seed?: number;
  readonly env?: Record<string, string>;
  /** Bybit's rate limits (default on). */
  readonly rateLimits?: "on" | "off";
}

export async function startSimServer(opts: SimServeOptions = {}): Promise<SimServerProcess> {
  const args = ["sim", "serve", "--port", "0"];
  if (opts.scenario !== undefined) args.push("--scenario", opts.scenario);
  if (opts.latency !== undefined) args.push("--latency", opts.latency);
  if (opts.seed !== undefined) args.push("--seed", String(opts.seed));
  if (opts.rateLimits !== undefined) args.push("--rate-limits", opts.rateLimits);
  const proc = spawnWarden(args, { env: opts.env ?? {}, server: true });
  const line = await proc.waitForLine((l) => l.startsWith("listening on "), 20_000);
  const url = line.slice("listening on ".length).trim();
  return {
    url,
    process: proc,
    async step(n) {
      const res = await fetch(`${url}/__sim/step?n=${n}`, { method: "POST" });
      if (!res.ok) throw new Error(`POST /__sim/step?n=${n}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { step: number; finished: boolean };
    },
    async state() {
      const res = await fetch(`${url}/__sim/state`);
      if (!res.ok) throw new Error(`GET /__sim/state: ${res.status}`);
      return (await res.json()) as SimState;
    },
    async close() {
      await proc.kill("SIGTERM");
    },
  };
}

/** A fresh directory under the OS temp dir; `remove()` deletes it. */
export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `warden-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The demo-30 scenario's own credentials, as the env of `run --exchange bybit`. */
export const DEMO_KEYS: Readonly<Record<string, string>> = {
  WARDEN_MAIN_API_KEY: "sim-main-key",
  WARDEN_MAIN_API_SECRET: "sim-main-secret",
  WARDEN_MIRROR_API_KEY: "sim-mirror-key",
  WARDEN_MIRROR_API_SECRET: "sim-mirror-secret",
};

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** Every live descendant of `root` (children, their children, ...), from `ps`. */
export function descendantsOf(root: number): number[] {
  const parents = new Map<number, number>();
  for (const line of execFileSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" }).split("\n")) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid !== undefined && ppid !== undefined && Number.isInteger(pid) && Number.isInteger(ppid)) parents.set(pid, ppid);
  }
  const out: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [pid, ppid] of parents) {
      if (ppid === parent && !out.includes(pid)) {
        out.push(pid);
        frontier.push(pid);
      }
    }
  }
  return out;
}

/** True while `pid` runs (a zombie, exited but not yet reaped, counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    const state = execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).trim();
    return state !== "" && !state.startsWith("Z");
  } catch {
    return false; // ps exits 1 when there is no such process
  }
}

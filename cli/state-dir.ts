/**
 * The state dir a command that reads what `run` wrote (`cache-stats`, `status`) looks at:
 * `--state-dir` (which must exist), else `sim-demo-30` under the state root when it exists
 * (what a bare `warden run` writes), else the only state dir under the state root (README
 * "State directory").
 */
export async function readableStateDir(explicit: string | undefined): Promise<string> {
  const { existingStateDir, defaultStateDir } = await import("../core/store/state-dir.ts");
  if (explicit !== undefined) return existingStateDir(explicit);
  const { stat } = await import("node:fs/promises");
  const demo = defaultStateDir("sim", "demo-30");
  const isDir = await stat(demo).then((s) => s.isDirectory(), () => false);
  return isDir ? demo : existingStateDir(undefined);
}

import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** Names and contents of every file under `dir`, hashed. */
export async function fingerprintDir(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (d: string, prefix: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const rel = `${prefix}${e.name}`;
      if (e.isDirectory()) await walk(join(d, e.name), `${rel}/`);
      else hash.update(`${rel}\0`).update(await readFile(join(d, e.name))).update("\0");
    }
  };
  await walk(dir, "");
  return hash.digest("hex");
}

/**
 * Durable file writes with node:fs (Bun and Deno both support it).
 * `writeFileAtomic`: temp file in the same directory, fsync, rename over the target, fsync
 * the directory: after a crash the target holds either the old or the new text, never a mix.
 * A crash before the rename leaves a `.<name>.<hex>.tmp` file that no loader reads.
 * `appendDurable`: append and fsync, for the journal (the caller syncs the directory once
 * after creating the file: see journal.ts).
 */
import { randomBytes } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The temp-file name pattern; loaders read exact file names, so these are never mistaken for state. */
export function isTempFileName(name: string): boolean {
  return name.startsWith(".") && name.endsWith(".tmp");
}

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(tmp, "wx");
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(tmp).catch(() => {});
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
  await syncDirectory(dir);
}

export async function appendDurable(path: string, text: string): Promise<void> {
  const handle = await open(path, "a");
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync a directory so a rename or a new entry in it survives a power cut. Not every platform allows it. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EBADF" && code !== "EACCES") throw error;
  } finally {
    await handle?.close();
  }
}

/** The file's bytes as text, or undefined when it does not exist. Other read failures propagate. */
export async function readFileIfExists(path: string): Promise<{ text: string; bytes: number } | undefined> {
  try {
    const buffer = await readFile(path);
    return { text: buffer.toString("utf8"), bytes: buffer.length };
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw error;
  }
}

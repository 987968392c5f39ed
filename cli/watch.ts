/**
 * `--watch` for the commands that show a state file (`cache-stats`, `status`): draw, then
 * redraw every 2 s (clearing the screen on a TTY) until SIGINT or SIGTERM, then exit 0.
 * A redraw that fails prints its message in place of the output and goes on.
 */
export const WATCH_INTERVAL_MS = 2000;

export async function watchLoop(first: string, render: () => Promise<string>): Promise<number> {
  const { isTTY, onSignals, writeStdout } = await import("../core/runtime.ts");
  const clear = isTTY() ? "\x1b[2J\x1b[H" : "";
  await new Promise<void>((resolve) => {
    // The handler is in place before the first draw, so a Ctrl-C right after it is honoured.
    const off = onSignals(["SIGINT", "SIGTERM"], () => {
      clearInterval(timer);
      off();
      resolve();
    });
    writeStdout(clear + first);
    const timer = setInterval(() => {
      render().then(
        (text) => writeStdout(clear + text),
        (error: unknown) => writeStdout(`${clear}${error instanceof Error ? error.message : String(error)}\n`),
      );
    }, WATCH_INTERVAL_MS);
  });
  return 0;
}

/**
 * Loads npm `playwright-core` under `deno test`'s permissions (not `--allow-all`).
 *
 * When its module loads, playwright-core asks `fs.existsSync("/proc/sys/fs/binfmt_misc/WSLInterop")` (is
 * this WSL?). Node's `existsSync` never throws — it answers false on any error — but Deno's throws
 * `NotCapable` for that path unless the process has `--allow-all`, so the import fails. While the module
 * loads, `existsSync` is wrapped to keep Node's contract (an error means false); it is restored at once.
 *
 * @module
 */
import fs from "node:fs";

type Playwright = typeof import("playwright-core");

/** `import("playwright-core")`, with `fs.existsSync` answering false instead of throwing meanwhile. */
export async function loadPlaywright(): Promise<Playwright> {
  const existsSync = fs.existsSync;
  fs.existsSync = (path: fs.PathLike) => {
    try {
      return existsSync(path);
    } catch {
      return false;
    }
  };
  try {
    return await import("playwright-core");
  } finally {
    fs.existsSync = existsSync;
  }
}

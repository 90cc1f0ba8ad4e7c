/**
 * Headless Chromium for the browser tests: {@link findChromium} finds Debian's (or the one `$OBENTO_CHROMIUM`
 * names) and {@link loadPlaywright} loads npm `playwright-core` under `deno test`'s permissions (not `--allow-all`).
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

/** Where Chromium is usually installed (Debian's `chromium` first; `.ci/run` installs it). */
export const CHROMIUM_CANDIDATES: readonly string[] = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** The Chromium executable: `$OBENTO_CHROMIUM` when set, else the first of {@link CHROMIUM_CANDIDATES} there. */
export function findChromium(): string | undefined {
  const given = Deno.env.get("OBENTO_CHROMIUM");
  for (const path of given ? [given] : CHROMIUM_CANDIDATES) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** Why a browser test is skipped when {@link findChromium} finds none, for the test's name. */
export function noChromiumReason(): string {
  const given = Deno.env.get("OBENTO_CHROMIUM");
  return `no Chromium at ${
    given ?? `${CHROMIUM_CANDIDATES.join(", ")} ($OBENTO_CHROMIUM unset)`
  }; apt-get install chromium`;
}

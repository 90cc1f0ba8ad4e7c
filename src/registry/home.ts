/**
 * Where the local registry lives when nobody says: `$OBENTO_HOME`, else `~/.obento`. The environment is
 * passed in, so the edges that read it (main.ts, mod.ts's `load`) decide when, and tests give their own.
 *
 * @module
 */
import { join } from "node:path";

/** Reads one environment variable; `Deno.env` is one. */
export interface EnvReader {
  /** The variable's value, or undefined when unset. */
  get(name: string): string | undefined;
}

/**
 * The registry home for an environment: `OBENTO_HOME` when set and not empty, else `.obento` in the user's
 * home directory (`HOME`, or `USERPROFILE` on Windows), else `./.obento`.
 *
 * @param env the environment to read (for example `Deno.env`)
 * @returns the directory that holds registry.db and bundles/
 *
 * @example
 * ```ts
 * import { registryHome } from "./home.ts";
 * const env = new Map([["HOME", "/home/ada"]]);
 * console.log(registryHome(env)); // /home/ada/.obento
 * ```
 */
export function registryHome(env: EnvReader): string {
  const home = env.get("OBENTO_HOME");
  if (home) return home;
  return join(env.get("HOME") || env.get("USERPROFILE") || ".", ".obento");
}

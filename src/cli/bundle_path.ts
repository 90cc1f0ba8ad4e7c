/**
 * The directory of the bundle a command was given: a bundle directory, or `Name`, `Name:version` or
 * `Name:latest` in the local registry (`$OBENTO_HOME`).
 *
 * @module
 */
import { openRegistry } from "../registry/registry.ts";
import { resolveBundleRef } from "../registry/resolve_ref.ts";
import type { CliContext } from "./command.ts";

/**
 * Resolves `ref` against the working directory and the local registry, and closes the registry again.
 *
 * @param ref A bundle directory or a registry reference.
 * @param ctx The CLI's context (working directory, registry home).
 * @returns The bundle's directory.
 * @throws {ObentoError} NOT_FOUND naming the reference when neither a directory nor a registry entry matches.
 */
export async function bundlePathOf(ref: string, ctx: CliContext): Promise<string> {
  const registry = await openRegistry({ home: ctx.home });
  try {
    return (await resolveBundleRef(ref, { cwd: ctx.cwd, registry })).path;
  } finally {
    registry.close();
  }
}

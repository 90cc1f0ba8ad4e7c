/**
 * `obento containerize`'s work: a Docker build context for one bundle — `Dockerfile`, `.dockerignore`,
 * `bundle/` (a confined copy of the bundle) and, when given, the `obento` binary — written all at once.
 *
 * @module
 */
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import { copyBundle } from "./copy_bundle.ts";
import { type DockerfileOptions, renderDockerfile, renderDockerignore } from "./dockerfile.ts";
import { writeDirectory } from "./output_dir.ts";

/** Options for {@link writeBuildContext}. */
export interface BuildContextOptions extends DockerfileOptions {
  /** The bundle directory to ship. */
  bundleDir: string;
  /** The build context directory to create. */
  output: string;
  /** Replace an existing `output` (default false). */
  force?: boolean;
  /** A linux `obento` binary to copy in as `obento`; without it the context says where to put one. */
  binary?: string;
}

/** What {@link writeBuildContext} wrote. */
export interface BuildContext {
  /** The files in `bundle/` and their total size, bytes. */
  readonly bundleFiles: number;
  readonly bundleBytes: number;
  /** The binary's size, when one was copied. */
  readonly binaryBytes?: number;
}

/**
 * Writes the build context for `bundleDir` into `output` (see the module doc).
 *
 * @throws {ObentoError} CONFLICT for an existing output without `force`; BAD_BUNDLE for a link leaving the
 *   bundle; NOT_FOUND for a missing binary or output parent. Nothing is left behind on failure.
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { writeBuildContext } from "./build_context.ts";
 * const bundleDir = await Deno.makeTempDir();
 * await Deno.writeTextFile(join(bundleDir, "bento.yaml"), "name: x\n");
 * const output = join(await Deno.makeTempDir(), "ctx");
 * console.log((await writeBuildContext({ bundleDir, output })).bundleFiles); // 1
 * ```
 */
export async function writeBuildContext(options: BuildContextOptions): Promise<BuildContext> {
  let binaryBytes: number | undefined;
  if (options.binary !== undefined) {
    try {
      const info = await Deno.stat(options.binary);
      if (!info.isFile) throw new Deno.errors.NotFound();
      binaryBytes = info.size;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      throw new ObentoError(
        "NOT_FOUND",
        `--binary ${options.binary} is not a file; build one with deno task compile`,
      );
    }
  }
  let copied = { files: 0, bytes: 0 };
  await writeDirectory(options.output, async (dir) => {
    copied = await copyBundle(options.bundleDir, join(dir, "bundle"));
    if (options.binary !== undefined) {
      await Deno.copyFile(options.binary, join(dir, "obento"));
      await Deno.chmod(join(dir, "obento"), 0o755);
    }
    await Deno.writeTextFile(join(dir, "Dockerfile"), renderDockerfile(options));
    await Deno.writeTextFile(join(dir, ".dockerignore"), renderDockerignore());
  }, { force: options.force });
  return { bundleFiles: copied.files, bundleBytes: copied.bytes, binaryBytes };
}

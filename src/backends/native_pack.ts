/**
 * The native runtime pack: onnxruntime-node for one platform, in a folder outside any npm cache, so the
 * compiled `obento` binary (which leaves the native library out: docs/shipping.md, "The native runtime
 * pack") can run the native device. `deno task compile` writes one per platform as
 * `obento-native-<platform>.tar.gz` (scripts/native_pack.ts); it unpacks to a folder `obento-native-<platform>/`:
 *
 * ```
 * obento-native-linux-x64/
 *   obento-native.json                      what is in it: {format, platform, onnxruntime, files: {path: {size, sha256}}}
 *   node_modules/onnxruntime-node/          package.json, dist/*.js, bin/napi-v6/linux/x64/{binding .node, libonnxruntime}
 *   node_modules/onnxruntime-common/        package.json, dist/cjs/ (what onnxruntime-node's JavaScript requires)
 * ```
 *
 * The pack is found by an explicit folder (`--native-dir`, `OBENTO_NATIVE_DIR`, read by the CLI once) or
 * beside the executable (see {@link findNativePack}). Its JavaScript is loaded with `createRequire` by an
 * absolute path: a bare `onnxruntime-node` would be resolved by Deno's own npm resolver (the npm cache, or
 * the binary's embedded copy without its library), never the pack.
 *
 * @module
 */
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { ObentoError } from "../errors.ts";

/** The manifest's file name, at the pack's root. */
export const NATIVE_PACK_MANIFEST = "obento-native.json";

/** The manifest's format version this build reads. */
export const NATIVE_PACK_FORMAT = 1;

/** The pack's manifest (`obento-native.json`). */
export interface NativePackManifest {
  /** Always {@link NATIVE_PACK_FORMAT}. */
  format: number;
  /** Node's `platform-arch` the pack is for, e.g. "linux-x64". */
  platform: string;
  /** The onnxruntime-node version inside. */
  onnxruntime: string;
  /** Every file of the pack but the manifest, by path relative to the pack, with its size and SHA-256. */
  files: Record<string, { size: number; sha256: string }>;
}

/** This process's platform in Node's names (`process.platform-process.arch`), e.g. "linux-x64". */
export function nodePlatform(os: string = Deno.build.os, arch: string = Deno.build.arch): string {
  const nodeOs = os === "windows" ? "win32" : os;
  const nodeArch = arch === "x86_64" ? "x64" : arch === "aarch64" ? "arm64" : arch;
  return `${nodeOs}-${nodeArch}`;
}

/**
 * The pack's folder name (and, with `.tar.gz`, its archive's) for `platform`.
 *
 * @example
 * ```ts
 * import { nativePackName } from "./native_pack.ts";
 * console.log(nativePackName("linux-arm64")); // obento-native-linux-arm64
 * ```
 */
export function nativePackName(platform: string = nodePlatform()): string {
  return `obento-native-${platform}`;
}

/** The entry module of onnxruntime-node inside a pack. */
export function nativePackEntry(dir: string): string {
  return join(dir, "node_modules", "onnxruntime-node", "dist", "index.js");
}

/** Where a pack was found, for messages. */
export type NativePackSource = "flag" | "beside-binary";

/** Options for {@link findNativePack}. */
export interface FindNativePackOptions {
  /** A folder the operator named (`--native-dir` or `OBENTO_NATIVE_DIR`); made absolute, checked on load. */
  dir?: string;
  /** The running executable (`Deno.execPath()`): its folder is looked in for `obento-native-<platform>/`. */
  execPath?: string;
}

/**
 * The pack folder to load the native device from, as an absolute path with links resolved: `dir` when given
 * (relative to the working directory); else `obento-native-<platform>/` beside
 * the executable when it has a manifest; else undefined (the caller then tries the npm package, which only a
 * `deno run` of the sources has).
 *
 * @example
 * ```ts
 * import { findNativePack } from "./native_pack.ts";
 * console.log(findNativePack({ dir: "/opt/obento-native-linux-x64" })); // /opt/obento-native-linux-x64
 * ```
 */
export function findNativePack(options: FindNativePackOptions): string | undefined {
  if (options.dir !== undefined) return realPath(options.dir);
  if (options.execPath === undefined) return undefined;
  const beside = join(dirname(options.execPath), nativePackName());
  try {
    return Deno.statSync(join(beside, NATIVE_PACK_MANIFEST)).isFile ? realPath(beside) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `dir` made absolute with its links resolved (kept as it is where it does not exist: loading then says so).
 * Node's `require` reads the pack by its real path, so a model worker's read permission must name that one.
 */
function realPath(dir: string): string {
  try {
    return Deno.realPathSync(dir);
  } catch {
    return resolve(dir);
  }
}

/** What to tell the operator about getting a pack for this platform. */
export function packHint(platform: string = nodePlatform()): string {
  return `unpack ${
    nativePackName(platform)
  }.tar.gz (from the release, or \`deno task pack:native\`) beside ` +
    `the obento binary, or pass --native-dir DIR (or set OBENTO_NATIVE_DIR) to its folder`;
}

function unavailable(message: string, cause?: unknown): ObentoError {
  return new ObentoError("UNAVAILABLE", message, cause === undefined ? undefined : { cause });
}

/**
 * Reads and checks a pack's manifest: it is for this platform, and every file it lists is there with its
 * size (a truncated download fails here, naming the file). Hashes are not checked at start: hashing the
 * 46 MB library would add ~0.1 s to every cold start; the release's archive is what users verify.
 *
 * @throws {ObentoError} UNAVAILABLE naming the folder, the platform and what to do
 */
export function readNativePack(dir: string, platform: string = nodePlatform()): NativePackManifest {
  let text: string;
  try {
    text = Deno.readTextFileSync(join(dir, NATIVE_PACK_MANIFEST));
  } catch (error) {
    throw unavailable(
      `no native runtime pack for ${platform} at ${dir} (${NATIVE_PACK_MANIFEST} ` +
        `${error instanceof Deno.errors.NotFound ? "not found" : "unreadable"}): ${packHint(platform)}`,
      error,
    );
  }
  let manifest: NativePackManifest;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw unavailable(
      `the native runtime pack at ${dir} is damaged: ${NATIVE_PACK_MANIFEST} is not JSON`,
      error,
    );
  }
  if (
    manifest.format !== NATIVE_PACK_FORMAT || typeof manifest.files !== "object" || manifest.files === null
  ) {
    throw unavailable(
      `the native runtime pack at ${dir} has format ${manifest.format}; this obento reads format ` +
        `${NATIVE_PACK_FORMAT}: get the ${nativePackName(platform)}.tar.gz of this obento's release`,
    );
  }
  if (manifest.platform !== platform) {
    throw unavailable(
      `the native runtime pack at ${dir} is for ${manifest.platform}, and this machine is ${platform}: ` +
        packHint(platform),
    );
  }
  for (const [path, { size }] of Object.entries(manifest.files)) {
    let actual: number;
    try {
      actual = Deno.statSync(join(dir, path)).size;
    } catch (error) {
      throw unavailable(
        `the native runtime pack at ${dir} is incomplete: ${path} is missing; unpack ` +
          `${nativePackName(platform)}.tar.gz again`,
        error,
      );
    }
    if (actual !== size) {
      throw unavailable(
        `the native runtime pack at ${dir} is damaged: ${path} is ${actual} bytes, the manifest says ` +
          `${size}; unpack ${nativePackName(platform)}.tar.gz again`,
      );
    }
  }
  return manifest;
}

/**
 * Loads onnxruntime-node from a pack: checks it ({@link readNativePack}), then requires its entry by path,
 * which `dlopen`s the binding and its library from the pack. Needs read access to `dir` and FFI.
 *
 * @throws {ObentoError} UNAVAILABLE from {@link readNativePack}, or naming the pack when its library does
 *   not load (a damaged file, or a library this system cannot run)
 */
export function loadNativePack<T>(given: string, platform: string = nodePlatform()): T {
  // createRequire takes only absolute paths.
  const dir = resolve(given);
  readNativePack(dir, platform);
  const entry = nativePackEntry(dir);
  try {
    return createRequire(join(dir, NATIVE_PACK_MANIFEST))(entry) as T;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw unavailable(
      `the native runtime pack at ${dir} does not load on ${platform}: ${reason}; unpack ` +
        `${nativePackName(platform)}.tar.gz again, or use --device wasm`,
      error,
    );
  }
}

/**
 * `deno task pack:native [--platform P]… [--out DIR] [--no-tar]`: makes the native runtime pack
 * (src/backends/native_pack.ts) of each platform from the installed npm packages onnxruntime-node and
 * onnxruntime-common: a folder `obento-native-<platform>/` and, unless `--no-tar`, its archive
 * `obento-native-<platform>.tar.gz` (made with the system's `tar`; this script is build-time, nothing at run
 * time shells out). Default: every platform, into `dist/`. `deno task compile` makes the packs of the
 * targets it builds.
 *
 * A pack holds onnxruntime-node's JavaScript (dist/*.js, 44 KB), onnxruntime-common's CommonJS build
 * (dist/cjs, 0.5 MB, with the `package.json` there that marks it CommonJS: the package's own says `"type":
 * "module"`) and that platform's binary files only (the sizes are in docs/shipping.md).
 *
 * @module
 */
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  NATIVE_PACK_FORMAT,
  NATIVE_PACK_MANIFEST,
  type NativePackManifest,
  nativePackName,
} from "../src/backends/native_pack.ts";

/**
 * The binary files of each platform onnxruntime-node 1.30.0 ships, from its `bin/napi-v6/<os>/<arch>/`:
 * the binding and what it links. darwin's folder has the library twice (`libonnxruntime.1.30.0.dylib`, a
 * copy of `libonnxruntime.1.dylib`, which is the one the binding names); Windows' onnxruntime.dll imports
 * DirectML.dll, and may load dxcompiler.dll and dxil.dll (not verified: no Windows machine here), so all
 * four stay.
 */
export const NATIVE_PACK_BINARIES: Readonly<Record<string, readonly string[]>> = {
  "linux-x64": ["onnxruntime_binding.node", "libonnxruntime.so.1"],
  "linux-arm64": ["onnxruntime_binding.node", "libonnxruntime.so.1"],
  "darwin-arm64": ["onnxruntime_binding.node", "libonnxruntime.1.dylib"],
  "win32-x64": ["onnxruntime_binding.node", "onnxruntime.dll", "DirectML.dll", "dxcompiler.dll", "dxil.dll"],
  "win32-arm64": [
    "onnxruntime_binding.node",
    "onnxruntime.dll",
    "DirectML.dll",
    "dxcompiler.dll",
    "dxil.dll",
  ],
};

/** `deno compile` targets and the pack each needs (x86_64 macOS: onnxruntime-node 1.30 has no build). */
export const TARGET_PLATFORMS: Readonly<Record<string, string | undefined>> = {
  "x86_64-unknown-linux-gnu": "linux-x64",
  "aarch64-unknown-linux-gnu": "linux-arm64",
  "aarch64-apple-darwin": "darwin-arm64",
  "x86_64-apple-darwin": undefined,
  "x86_64-pc-windows-msvc": "win32-x64",
};

/** Options for {@link makeNativePack}. */
export interface MakeNativePackOptions {
  /** Node's `platform-arch`, a key of {@link NATIVE_PACK_BINARIES}. */
  platform: string;
  /** The folder to write `obento-native-<platform>/` into. */
  out: string;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function filesUnder(dir: string): string[] {
  return [...Deno.readDirSync(dir)].flatMap((e) =>
    e.isDirectory ? filesUnder(join(dir, e.name)) : e.isFile ? [join(dir, e.name)] : []
  );
}

/**
 * Writes the pack of `platform` into `out` (replacing an older one) and returns its folder.
 *
 * @throws {Error} for a platform onnxruntime-node has no build for
 */
export async function makeNativePack(options: MakeNativePackOptions): Promise<string> {
  const binaries = NATIVE_PACK_BINARIES[options.platform];
  if (binaries === undefined) {
    throw new Error(
      `no native runtime pack for ${options.platform}: onnxruntime-node 1.30 ships ` +
        Object.keys(NATIVE_PACK_BINARIES).join(", "),
    );
  }
  // Deno's npm cache: the packages as npm published them. The dynamic import makes sure they are cached.
  await import("onnxruntime-node").catch(() => {/* its library may not load here; the files are there */});
  const require = createRequire(import.meta.url);
  const nodeRoot = dirname(dirname(require.resolve("onnxruntime-node")));
  const commonRoot = dirname(
    dirname(dirname(createRequire(join(nodeRoot, "package.json")).resolve("onnxruntime-common"))),
  );
  const [os, arch] = options.platform.split("-");
  const copies: [string, string][] = [
    [join(nodeRoot, "package.json"), "node_modules/onnxruntime-node/package.json"],
    ...filesUnder(join(nodeRoot, "dist")).filter((f) => f.endsWith(".js")).map((f): [string, string] => [
      f,
      `node_modules/onnxruntime-node/${relative(nodeRoot, f)}`,
    ]),
    ...binaries.map((name): [string, string] => [
      join(nodeRoot, "bin", "napi-v6", os, arch, name),
      `node_modules/onnxruntime-node/bin/napi-v6/${os}/${arch}/${name}`,
    ]),
    [join(commonRoot, "package.json"), "node_modules/onnxruntime-common/package.json"],
    ...filesUnder(join(commonRoot, "dist", "cjs")).filter((f) => /\.js$|package\.json$/.test(f)).map((
      f,
    ): [string, string] => [f, `node_modules/onnxruntime-common/${relative(commonRoot, f)}`]),
  ];
  const dir = join(options.out, nativePackName(options.platform));
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  const version = JSON.parse(await Deno.readTextFile(join(nodeRoot, "package.json"))).version as string;
  const manifest: NativePackManifest = {
    format: NATIVE_PACK_FORMAT,
    platform: options.platform,
    onnxruntime: version,
    files: {},
  };
  for (const [from, to] of copies) {
    const bytes = await Deno.readFile(from);
    await Deno.mkdir(dirname(join(dir, to)), { recursive: true });
    await Deno.writeFile(join(dir, to), bytes);
    manifest.files[to] = { size: bytes.length, sha256: await sha256(bytes) };
  }
  await Deno.writeTextFile(join(dir, NATIVE_PACK_MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
  return dir;
}

/** Archives a pack folder as `<folder>.tar.gz` beside it, with the system's `tar`; returns the archive. */
export async function tarNativePack(dir: string): Promise<string> {
  const archive = `${dir}.tar.gz`;
  const { code, stderr } = await new Deno.Command("tar", {
    args: ["-czf", archive, "-C", dirname(dir), relative(dirname(dir), dir)],
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`tar failed: ${new TextDecoder().decode(stderr)}`);
  return archive;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      platform: { type: "string", multiple: true },
      out: { type: "string", default: fileURLToPath(new URL("../dist", import.meta.url)) },
      "no-tar": { type: "boolean" },
    },
  });
  const platforms = values.platform?.length ? values.platform : Object.keys(NATIVE_PACK_BINARIES);
  for (const platform of platforms) {
    const dir = await makeNativePack({ platform, out: values.out });
    const size = Object.values(
      JSON.parse(await Deno.readTextFile(join(dir, NATIVE_PACK_MANIFEST))).files as Record<
        string,
        { size: number }
      >,
    ).reduce((sum, f) => sum + f.size, 0);
    let line = `${dir}: ${(size / 1e6).toFixed(1)} MB`;
    if (!values["no-tar"]) {
      const archive = await tarNativePack(dir);
      line += `; ${archive}: ${((await Deno.stat(archive)).size / 1e6).toFixed(1)} MB`;
    }
    console.log(line);
  }
}

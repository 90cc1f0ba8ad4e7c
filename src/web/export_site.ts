/**
 * `obento export web`'s work: a static site that runs a bundle in the visitor's browser. It checks the
 * bundle (MANIFEST digests; {@link browserRefusals}; every ONNX model loads in onnxruntime-web), builds the
 * page's script (`browser_bundler.ts`), and writes, all at once (`ship/output_dir.ts`):
 *
 * ```
 * index.html          a form and a JSON box per API (site_page.ts)
 * app.js              the page's script: the service SDK, adapters and request path (browser_main.ts)
 * site.json           bento.yaml as JSON and where the files below are (site_data.ts)
 * bundle/service.js   the bundle's module, as packed
 * bundle/artifacts/…  its artifacts, as packed
 * ort/                onnxruntime-web's browser WASM build (ort.wasm.min.mjs, ort-wasm-simd-threaded.{mjs,wasm})
 * ```
 *
 * @module
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ObentoError } from "../errors.ts";
import type { InferenceBackend } from "../sdk/backend.ts";
import { parseBento } from "../bundle/bento_yaml.ts";
import { verifyManifest } from "../bundle/manifest.ts";
import { checkOutputDirectory, writeDirectory } from "../ship/output_dir.ts";
import { bundlePageScript, ORT_ENTRY } from "./browser_bundler.ts";
import { browserRefusals } from "./browser_refusals.ts";
import type { SiteData } from "./site_data.ts";
import { sitePage } from "./site_page.ts";

/** onnxruntime-web's files the page loads, from the package's `dist/`. */
export const ORT_FILES: readonly string[] = [
  ORT_ENTRY.slice("./ort/".length),
  "ort-wasm-simd-threaded.mjs",
  "ort-wasm-simd-threaded.wasm",
];

/** Options for {@link exportWebSite}. */
export interface ExportWebOptions {
  /** The bundle directory. */
  bundleDir: string;
  /** The site directory to create. */
  output: string;
  /** Replace an existing `output` (default false). */
  force?: boolean;
  /** The backend the models are test-loaded on: onnxruntime-web's WASM, as in the browser. */
  backend: InferenceBackend;
  /** What the caller calls the output flag, for messages (default "--output"). */
  flag?: string;
}

/** What {@link exportWebSite} wrote. */
export interface ExportedSite {
  /** Files written. */
  readonly files: number;
  /** Their total size, bytes. */
  readonly bytes: number;
  /** Of which onnxruntime-web's files. */
  readonly ortBytes: number;
  /** Of which the bundle's module and artifacts. */
  readonly bundleBytes: number;
}

/**
 * Exports the bundle at `bundleDir` as a static site in `output` (see the module doc).
 *
 * @throws {ObentoError} BAD_BUNDLE listing every reason the bundle cannot run in a browser; INTEGRITY when a
 *   file changed after packing; CONFLICT for an existing output without `force`; NOT_FOUND for a missing
 *   output parent. Nothing is left behind on failure.
 *
 * @example
 * ```ts
 * import { exportWebSite } from "./export_site.ts";
 * import { WasmBackend } from "../backends/ort_web.ts";
 * const site = await exportWebSite({ bundleDir: "iris", output: "iris-site", backend: new WasmBackend() });
 * console.log(site.files, site.bytes);
 * ```
 */
export async function exportWebSite(options: ExportWebOptions): Promise<ExportedSite> {
  const { bundleDir } = options;
  // Before the slow part (loading the models, bundling the script): a refused output fails at once.
  await checkOutputDirectory(options.output, { force: options.force, flag: options.flag });
  const yamlPath = join(bundleDir, "bento.yaml");
  const doc = parseBento(await Deno.readTextFile(yamlPath), yamlPath);
  const files = [doc.service.module, ...doc.artifacts.map((a) => a.file)];
  const verified = await verifyManifest(bundleDir, files);
  const code = new TextDecoder().decode(verified.get(doc.service.module));
  const reasons = browserRefusals(doc, code);
  for (const artifact of doc.artifacts) {
    if (artifact.type !== "OnnxModelArtifact") continue;
    try {
      await (await options.backend.createSession(verified.get(artifact.file)!)).close();
    } catch (error) {
      reasons.push(
        `its model "${artifact.name}" does not load in onnxruntime-web, the runtime a browser has: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }
  if (reasons.length > 0) {
    throw new ObentoError(
      "BAD_BUNDLE",
      `${doc.name}:${doc.version} cannot run in a browser: ${reasons.join("; ")}. Serve it with ` +
        `\`obento serve\` or \`obento containerize\` instead`,
    );
  }
  const script = await bundlePageScript();
  const ortDir = dirname(createRequire(import.meta.url).resolve("onnxruntime-web"));
  const site: SiteData = {
    document: doc,
    module: `bundle/${doc.service.module}`,
    artifacts: Object.fromEntries(doc.artifacts.map((a) => [a.name, `bundle/${a.file}`])),
    ort: "ort/",
  };
  let written = { files: 0, bytes: 0, ortBytes: 0, bundleBytes: 0 };
  await writeDirectory(options.output, async (dir) => {
    // A temporary directory is private (0700); a site is for a web server, often another user, to read.
    if (Deno.build.os !== "windows") await Deno.chmod(dir, 0o755);
    const count = { files: 0, bytes: 0, ortBytes: 0, bundleBytes: 0 };
    const write = async (path: string, data: Uint8Array | string) => {
      await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      await Deno.writeFile(join(dir, path), bytes);
      count.files++;
      count.bytes += bytes.length;
      return bytes.length;
    };
    await write("index.html", sitePage(doc));
    await write("app.js", script);
    await write("site.json", JSON.stringify(site));
    for (const file of files) count.bundleBytes += await write(`bundle/${file}`, verified.get(file)!);
    for (const file of ORT_FILES) {
      count.ortBytes += await write(`ort/${file}`, await Deno.readFile(join(ortDir, file)));
    }
    written = count;
  }, { force: options.force, flag: options.flag });
  return written;
}

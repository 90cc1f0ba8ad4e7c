/**
 * `obento export web <bundle> --output DIR [--force]`: the bundle as a static site that runs its service and
 * models in the visitor's browser (src/web/export_site.ts).
 *
 * @module
 */
import { resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import { WasmBackend } from "../backends/ort_web.ts";
import { exportWebSite } from "../web/export_site.ts";
import { parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { resolveShipBundle } from "./ship_bundle.ts";

const HELP = `Usage:
  obento export web <bundle | NAME:VERSION | NAME:latest> --output DIR [--force]

Writes a static site to DIR that runs the bundle in a browser: its service code and models run in the
page (onnxruntime-web's WebAssembly build is copied into DIR/ort/), with a form and a JSON box per API.
No server code: put DIR on any static file host (https, or http on localhost) or open it with a local
server, e.g. \`python3 -m http.server -d DIR\`; a page opened as a file:// URL cannot load its model.

Refused, with the reasons: a bundle that declares permissions (reading or writing files, network hosts,
environment variables), whose code imports node: modules or uses the Deno API, or whose ONNX models do
not load in onnxruntime-web. A DIR that exists is refused unless --force; nothing is left half-written.

Options:
  --output DIR       the site directory to create
  --force            replace DIR if it exists
  -h, --help         show this help

Examples:
  obento export web IrisClassifier:latest --output ./iris-site
  obento export web ./iris-bundle --output ./iris-site --force
`;

/** The `export` command. */
export const exportCommand: Command = {
  name: "export",
  summary: "write a bundle as a static web site that runs it in the browser (export web)",
  help: HELP,
  async run(args: string[], ctx: CliContext): Promise<number> {
    const [target, ...rest] = args;
    if (target !== "web") {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `obento export: give a target, web${
          target ? `, not "${target}"` : ""
        } (see \`obento export --help\`)`,
      );
    }
    const parsed = parseFlags("export web", rest, { output: { type: "string" }, force: { type: "boolean" } });
    const output = stringFlag(parsed, "output");
    if (parsed.positionals.length !== 1 || output === undefined || output === "") {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "obento export web: give one bundle and --output DIR (see `obento export --help`)",
      );
    }
    const bundle = await resolveShipBundle(parsed.positionals[0], ctx);
    const siteDir = resolve(ctx.cwd, output);
    const site = await exportWebSite({
      bundleDir: bundle.path,
      output: siteDir,
      force: parsed.values.force === true,
      backend: new WasmBackend({ threads: 1 }),
    });
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    ctx.out(
      `wrote ${siteDir}: ${site.files} files, ${mb(site.bytes)} (onnxruntime-web ${mb(site.ortBytes)}, ` +
        `bundle ${mb(site.bundleBytes)})\n` +
        `next: serve it over http, e.g. python3 -m http.server -d ${siteDir} 8000, and open http://localhost:8000/\n`,
    );
    return 0;
  },
};

/**
 * `obento containerize <bundle> --output DIR [--base IMAGE] [--binary FILE] [--port N] [--force]`: a Docker
 * build context that serves the bundle.
 *
 * @module
 */
import { resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import { writeBuildContext } from "../ship/build_context.ts";
import { DEFAULT_BASE_IMAGE } from "../ship/dockerfile.ts";
import { intFlag, parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { resolveShipBundle } from "./ship_bundle.ts";

const HELP = `Usage:
  obento containerize <bundle | NAME:VERSION | NAME:latest> --output DIR [options]

Writes a Docker build context to DIR: a Dockerfile, a .dockerignore, bundle/ (a copy of the bundle) and,
with --binary, the obento binary the image runs. The image runs \`obento serve /bundle --host 0.0.0.0\`
as a non-root user (65532), exposes the port, checks /healthz with \`obento healthcheck\` (the default
base image has no shell or curl) and stops on SIGTERM, draining in-flight requests for 8 s.

Options:
  --output DIR       the build context to create (refused if it exists, unless --force)
  --base IMAGE       base image, with glibc (default ${DEFAULT_BASE_IMAGE}; e.g. debian:12-slim)
  --binary FILE      a linux obento binary (x86_64 or aarch64, as the image's platform) to copy in as
                     DIR/obento; without it, put one there before \`docker build\`
  --port N           the port the server listens on and the image exposes (default 3000)
  --force            replace DIR if it exists
  -h, --help         show this help

Nothing is left half-written: DIR appears complete or not at all. A link in the bundle that points
outside it is refused. Then: docker build -t iris:1 DIR && docker run -p 3000:3000 iris:1

Examples:
  obento containerize IrisClassifier:latest --output ./iris-image --binary dist/obento-x86_64-unknown-linux-gnu
  obento containerize ./iris-bundle --output ./iris-image --base debian:12-slim --port 8080
`;

/** The `containerize` command. */
export const containerizeCommand: Command = {
  name: "containerize",
  summary: "write a Docker build context (Dockerfile, bundle, binary) that serves a bundle",
  help: HELP,
  async run(args: string[], ctx: CliContext): Promise<number> {
    const parsed = parseFlags("containerize", args, {
      output: { type: "string" },
      base: { type: "string" },
      binary: { type: "string" },
      port: { type: "string" },
      force: { type: "boolean" },
    });
    const output = stringFlag(parsed, "output");
    if (parsed.positionals.length !== 1 || output === undefined || output === "") {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "obento containerize: give one bundle and --output DIR (see `obento containerize --help`)",
      );
    }
    const base = stringFlag(parsed, "base");
    if (base !== undefined && !/^[a-z0-9][\w.\-/:@]*$/i.test(base)) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `obento containerize: --base "${base}" is not an image reference`,
      );
    }
    const port = intFlag("containerize", parsed, "port", 3000);
    if (port > 65535) {
      throw new ObentoError("BAD_ARGUMENT", `obento containerize: --port must be 1 to 65535, got ${port}`);
    }
    const bundle = await resolveShipBundle(parsed.positionals[0], ctx);
    const binaryFlag = stringFlag(parsed, "binary");
    const target = resolve(ctx.cwd, output);
    const written = await writeBuildContext({
      bundleDir: bundle.path,
      output: target,
      force: parsed.values.force === true,
      base,
      port,
      binary: binaryFlag === undefined ? undefined : resolve(ctx.cwd, binaryFlag),
      bundle: `${bundle.document.name}:${bundle.document.version}`,
    });
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    ctx.out(
      `wrote ${target}: Dockerfile, .dockerignore, bundle/ (${written.bundleFiles} files, ` +
        `${mb(written.bundleBytes)})${
          written.binaryBytes === undefined ? "" : `, obento (${mb(written.binaryBytes)})`
        }\n` +
        (written.binaryBytes === undefined
          ? `next: copy a linux obento binary (deno task compile) to ${target}/obento, then docker build -t IMAGE ${target}\n`
          : `next: docker build -t IMAGE ${target}\n`),
    );
    return 0;
  },
};

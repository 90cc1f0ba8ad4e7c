/**
 * `obento pack`: a service module plus artifact files (or a bare ONNX model) → a bundle, saved into the
 * registry by default or written to `--output DIR`.
 *
 * @module
 */
import { extname, join, relative, resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import { newVersion } from "../registry/version.ts";
import { openRegistry } from "../registry/registry.ts";
import { packBundle } from "../bundle/pack.ts";
import { sandboxedDefinition } from "../runtime/sandboxed_definition.ts";
import { packModel } from "../bundle/pack_model.ts";
import { hostParts } from "../runtime/host_parts.ts";
import { formatDiagnostic, type ServiceTypeChecker, typescriptChecker } from "../bundle/type_check.ts";
import { keyValueFlags, parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";

const HELP = `Usage:
  obento pack <service.ts> --artifact NAME=FILE… [options]
  obento pack <model.onnx> [--name NAME] [options]

Packs a service and its artifacts into a versioned bundle and saves it in the registry
($OBENTO_HOME, default ~/.obento). A service is type-checked first, in-process with TypeScript
against the obento SDK (npm packages and Deno APIs are not checked: \`deno check\` does that); a
type error stops the pack. Standard error says whether the service was checked. Given a .onnx file instead of a service, packs the model with a
default "predict" API (input: an object keyed by the model's input names, or a bare nested array
for a one-input model; output: an object keyed by output name).

Options:
  --artifact NAME=FILE   file for a declared artifact (repeat for each)
  --name NAME            bundle name (default: the service's name; for a model, the file name)
  --version V            version (default: generated, e.g. 20261127114004_360ECB)
  --label KEY=VALUE      label (repeatable; letters, digits, - _ . inside, at most 63 characters)
  --metadata KEY=VALUE   immutable artifact metadata; values parse as JSON when they can
                         (repeatable; with several artifacts write ARTIFACT.KEY=VALUE)
  --static DIR           web static content (HTML/JS/CSS…) served under /static/ by obento serve
  --columns A,B,…        a model's feature columns, matched by name in CSV/JSON tables (one 2-D input)
  --output DIR           write the bundle to DIR only, not into the registry
  --no-check             do not type-check the service
  --json                 print the result as JSON
  -h, --help             show this help

Examples:
  obento pack service.ts --artifact model=model.onnx                 # type-check, pack, save
  obento pack service.ts --artifact model=model.onnx --no-check      # skip the type check
  obento pack model.onnx --name Iris --label stage=dev --metadata accuracy=0.97   # a bare model
  obento pack model.onnx --name Iris --columns sepal_length,sepal_width,petal_length,petal_width  # tables in
`;

function parseMetadataValue(raw: string): JsonValue {
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    return raw;
  }
}

/** Groups `--metadata` pairs by artifact: `KEY=V` for the only artifact, `ARTIFACT.KEY=V` otherwise. */
function metadataByArtifact(
  pairs: Record<string, string>,
  artifactNames: readonly string[],
): Record<string, Record<string, JsonValue>> {
  const out: Record<string, Record<string, JsonValue>> = {};
  for (const [key, raw] of Object.entries(pairs)) {
    const dot = key.indexOf(".");
    let artifact: string;
    let field: string;
    if (dot > 0 && artifactNames.includes(key.slice(0, dot))) {
      artifact = key.slice(0, dot);
      field = key.slice(dot + 1);
    } else if (artifactNames.length === 1) {
      artifact = artifactNames[0];
      field = key;
    } else {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `obento pack: --metadata ${key}=… must name its artifact (ARTIFACT.KEY=VALUE); artifacts: ${
          artifactNames.join(", ")
        }`,
      );
    }
    (out[artifact] ??= {})[field] = parseMetadataValue(raw);
  }
  return out;
}

/**
 * Type-checks a service before packing (`checker` undefined: --no-check). Returns the line that says whether
 * it was checked; throws BAD_SERVICE with the first diagnostic when it does not type-check.
 */
async function checkService(
  checker: ServiceTypeChecker | undefined,
  source: string,
  ctx: CliContext,
): Promise<string> {
  const shown = relative(ctx.cwd, source).startsWith("..") ? source : relative(ctx.cwd, source);
  if (checker === undefined) return `note: ${shown} was not type-checked (--no-check)\n`;
  const outcome = await checker.check(source);
  if (!outcome.checked) {
    return `note: ${shown} was not type-checked (${outcome.reason}); run \`deno check ${shown}\`\n`;
  }
  const [first, ...rest] = outcome.diagnostics;
  if (first !== undefined) {
    const more = rest.length === 0
      ? ""
      : ` (and ${rest.length} more type error${rest.length === 1 ? "" : "s"})`;
    throw new ObentoError(
      "BAD_SERVICE",
      `${formatDiagnostic(first, ctx.cwd)}${more}; fix the service, or pack with --no-check`,
    );
  }
  return `type-checked ${shown} (${outcome.checker})\n`;
}

async function run(checker: ServiceTypeChecker, args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseFlags("pack", args, {
    artifact: { type: "string", multiple: true },
    name: { type: "string" },
    version: { type: "string" },
    label: { type: "string", multiple: true },
    metadata: { type: "string", multiple: true },
    output: { type: "string" },
    static: { type: "string" },
    json: { type: "boolean" },
    columns: { type: "string" },
    "no-check": { type: "boolean" },
  });
  if (parsed.positionals.length !== 1) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      "obento pack: give exactly one service file or .onnx model; see `obento pack --help`",
    );
  }
  const source = resolve(ctx.cwd, parsed.positionals[0]);
  const artifacts = Object.fromEntries(
    Object.entries(keyValueFlags("pack", parsed, "artifact")).map(([k, v]) => [k, resolve(ctx.cwd, v)]),
  );
  const labels = keyValueFlags("pack", parsed, "label");
  const metadataPairs = keyValueFlags("pack", parsed, "metadata");
  const version = stringFlag(parsed, "version") ?? newVersion();
  const outputFlag = stringFlag(parsed, "output");
  const isModel = extname(source).toLowerCase() === ".onnx";
  if (isModel && Object.keys(artifacts).length > 0) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      "obento pack: --artifact applies to service files, not to a .onnx model",
    );
  }

  const columnsFlag = stringFlag(parsed, "columns");
  if (columnsFlag !== undefined && !isModel) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      "obento pack: --columns applies to a .onnx model; a service declares its columns in its input adapter",
    );
  }
  const columns = columnsFlag?.split(",").map((c) => c.trim());
  // Said after the pack succeeds, so a failed pack prints one error line.
  const checkNote = isModel
    ? ""
    : await checkService(parsed.values["no-check"] ? undefined : checker, source, ctx);

  const registry = outputFlag === undefined ? await openRegistry({ home: ctx.home }) : undefined;
  try {
    // Into the registry: pack beside the store (same file system), then the registry moves it into place.
    const output = outputFlag !== undefined
      ? resolve(ctx.cwd, outputFlag)
      : join(ctx.home, "bundles", `.tmp-pack-${crypto.randomUUID()}`);
    const staticDir = stringFlag(parsed, "static");
    const common = {
      version,
      labels,
      output,
      static: staticDir === undefined ? undefined : resolve(ctx.cwd, staticDir),
    };
    const result = isModel
      ? await packModel({
        ...common,
        ...hostParts(),
        model: source,
        name: stringFlag(parsed, "name") ?? defaultModelName(source),
        metadata: metadataByArtifact(metadataPairs, ["model"]).model,
        columns,
      })
      : await packBundle({
        ...common,
        ...hostParts(),
        service: source,
        artifacts,
        name: stringFlag(parsed, "name"),
        metadata: metadataByArtifact(metadataPairs, Object.keys(artifacts)),
      }, sandboxedDefinition); // the service's code runs in a Worker that may only read its folder (docs/bundling.md)
    let path = result.path;
    if (registry) {
      try {
        path = (await registry.add(result.path, { move: true })).path;
      } finally {
        await Deno.remove(result.path, { recursive: true }).catch(() => {});
      }
    }
    const { name } = result.document;
    ctx.err(checkNote);
    if (parsed.values.json) {
      ctx.out(JSON.stringify({ name, version, path, saved: registry !== undefined }) + "\n");
    } else {
      ctx.out(
        registry
          ? `Saved ${name}:${version} to the registry (${path})\n`
          : `Packed ${name}:${version} into ${path}\n`,
      );
    }
    return 0;
  } finally {
    registry?.close();
  }
}

function defaultModelName(path: string): string {
  const base = path.split(/[\\/]/).pop()!.replace(/\.onnx$/i, "");
  const cleaned = base.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
  return cleaned || "model";
}

/**
 * The `pack` command with a given type checker (tests inject one that is unavailable or fails).
 *
 * @param checker Type-checks service files before they are packed.
 */
export function makePackCommand(checker: ServiceTypeChecker): Command {
  return {
    name: "pack",
    summary: "pack a service (or a bare .onnx model) and its artifacts into a bundle",
    help: HELP,
    run: (args, ctx) => run(checker, args, ctx),
  };
}

/** The `pack` command: type-checks services in-process with TypeScript. */
export const packCommand: Command = makePackCommand(typescriptChecker());

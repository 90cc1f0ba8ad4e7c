/**
 * `obento run`: one API of a bundle on input given on the command line or in a file, results to stdout or a
 * file as JSON, JSON lines or CSV.
 *
 * @module
 */
import { extname, resolve } from "node:path";
import { BadInputError, ObentoError } from "../errors.ts";
import type { OutputAdapter } from "../sdk/adapter.ts";
import type { ItemOutcome } from "../runtime/invoke.ts";
import type { LoadedService } from "../runtime/loaded_service.ts";
import { openRegistry } from "../registry/registry.ts";
import { resolveBundleRef } from "../registry/resolve_ref.ts";
import { load } from "../../mod.ts";
import { intFlag, parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { readInputItems } from "./run_input.ts";
import { formatResults, type OutputFormat } from "./run_output.ts";

const HELP = `Usage:
  obento run <bundle> <api> (--input JSON | --input-file FILE) [options]

Runs one API of a bundle. <bundle> is a bundle directory, NAME:VERSION or NAME:latest (NAME alone
means NAME:latest).

Input:
  --input JSON          one request body as JSON text
  --input-file FILE     .json: one request body; .jsonl: one request per line;
                        .csv: a table (one frame for dataframe APIs, else one request per row);
                        .png/.jpg/other: the file's bytes as one request; - reads stdin as JSON

Options:
  --output FILE         write results to FILE (refuses an existing file unless --overwrite)
  --overwrite           replace an existing --output file
  --format FORMAT       json (default), jsonl or csv
  --batch-size N        items per model call for batch APIs (default 256)
  --threads N           onnxruntime-web threads (default 1)
  -h, --help            show this help

Examples:
  obento run IrisClassifier:latest predict --input '[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]'
  obento run ./bundle predict --input-file rows.csv --format csv --output predictions.csv
`;

const FORMATS: readonly OutputFormat[] = ["json", "jsonl", "csv"];

async function runItems(
  service: LoadedService,
  apiName: string,
  items: unknown[],
  batchSize: number,
): Promise<ItemOutcome[]> {
  const api = service.api(apiName);
  if (!api.batch) return await service.invoke(apiName, items);
  const outcomes: ItemOutcome[] = [];
  for (let i = 0; i < items.length; i += batchSize) {
    outcomes.push(...await service.invoke(apiName, items.slice(i, i + batchSize)));
  }
  return outcomes;
}

async function writeOutput(path: string, text: string, overwrite: boolean): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeTextFile(tmp, text, { createNew: true });
    if (!overwrite) {
      try {
        await Deno.lstat(path);
        throw new ObentoError(
          "CONFLICT",
          `${path} exists; pass --overwrite to replace it or choose another --output`,
        );
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    await Deno.rename(tmp, path);
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseFlags("run", args, {
    input: { type: "string" },
    "input-file": { type: "string" },
    output: { type: "string" },
    overwrite: { type: "boolean" },
    format: { type: "string" },
    "batch-size": { type: "string" },
    threads: { type: "string" },
  });
  if (parsed.positionals.length !== 2) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      "obento run: give a bundle and an API name; see `obento run --help`",
    );
  }
  const [ref, apiName] = parsed.positionals;
  const format = (stringFlag(parsed, "format") ?? "json") as OutputFormat;
  if (!FORMATS.includes(format)) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento run: --format must be one of ${FORMATS.join(", ")}, got "${format}"`,
    );
  }
  const inline = stringFlag(parsed, "input");
  const file = stringFlag(parsed, "input-file");
  if ((inline === undefined) === (file === undefined)) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      "obento run: give exactly one of --input JSON or --input-file FILE",
    );
  }
  const batchSize = intFlag("run", parsed, "batch-size", 256);
  const threads = intFlag("run", parsed, "threads", 1);
  const outputPath = stringFlag(parsed, "output");
  if (outputPath !== undefined && !parsed.values.overwrite) {
    try {
      await Deno.lstat(resolve(ctx.cwd, outputPath));
      throw new ObentoError(
        "CONFLICT",
        `${outputPath} exists; pass --overwrite to replace it or choose another --output`,
      );
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  const registry = await openRegistry({ home: ctx.home });
  let bundlePath: string;
  try {
    bundlePath = (await resolveBundleRef(ref, { cwd: ctx.cwd, registry })).path;
  } finally {
    registry.close();
  }
  const service = await load(bundlePath, { threads });
  try {
    const api = service.api(apiName);
    const items = await readInputItems(
      api.input,
      inline !== undefined ? { json: inline } : {
        file: file === "-" ? "-" : resolve(ctx.cwd, file!),
        extension: file === "-" ? ".json" : extname(file!).toLowerCase(),
      },
    );
    if (items.length === 0) throw new BadInputError(`${file} holds no input items`);
    const outcomes = await runItems(service, apiName, items, batchSize);
    const output: OutputAdapter = service.output(apiName);
    const text = formatResults(outcomes, output, format, api.input.rowwise === true, items.length === 1);
    if (outputPath !== undefined) {
      await writeOutput(resolve(ctx.cwd, outputPath), text, parsed.values.overwrite === true);
    } else ctx.out(text);
    const failures = outcomes.map((o, i) => ({ o, i })).filter(({ o }) => !o.ok);
    for (const { o, i } of failures) {
      if (o.ok) continue;
      ctx.err(`error: ${items.length > 1 ? `item ${i + 1}: ` : ""}${o.message} (status ${o.status})\n`);
    }
    if (failures.length === 0) return 0;
    return failures.some(({ o }) => o.status >= 500) ? 70 : 65;
  } finally {
    await service.close();
  }
}

/** The `run` command. */
export const runCommand: Command = {
  name: "run",
  summary: "run one API of a bundle on JSON, JSON lines, CSV or a file",
  help: HELP,
  run,
};

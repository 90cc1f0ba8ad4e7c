/**
 * Reads `obento run` input into decoded items: inline JSON, a JSON file, JSON lines, CSV, stdin, or any other
 * file's bytes, each decoded by the API's input adapter. Errors name the line or row.
 *
 * @module
 */
import { BadInputError, ObentoError } from "../errors.ts";
import type { InputAdapter } from "../sdk/adapter.ts";
import { parseCsv } from "../adapters/csv.ts";

/** Where the input comes from. */
export type RunInput = { json: string } | { file: string; extension: string };

const BYTE_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".txt": "text/plain",
  ".json": "application/json",
};

async function readSource(file: string): Promise<Uint8Array> {
  if (file === "-") return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
  try {
    return await Deno.readFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ObentoError("NOT_FOUND", `input file ${file} not found`);
    }
    if (error instanceof Deno.errors.IsADirectory) {
      throw new ObentoError("BAD_ARGUMENT", `input file ${file} is a directory; give a file`);
    }
    throw error;
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
}

function decodeAt<I>(adapter: InputAdapter<I, unknown>, value: unknown, where: string): I {
  try {
    return adapter.fromJson(value);
  } catch (error) {
    if (error instanceof ObentoError) {
      throw new BadInputError(`${where}: ${error.message}`, { status: error.status });
    }
    throw error;
  }
}

/** Decodes the items of one `obento run`. */
export async function readInputItems<I>(adapter: InputAdapter<I, unknown>, input: RunInput): Promise<I[]> {
  if ("json" in input) return [decodeAt(adapter, parseJson(input.json, "--input"), "--input")];
  const bytes = await readSource(input.file);
  const name = input.file === "-" ? "stdin" : input.file;
  if (bytes.length === 0) throw new BadInputError(`empty input: ${name} holds no data`);
  switch (input.extension) {
    case ".jsonl":
    case ".ndjson": {
      const lines = new TextDecoder().decode(bytes).split("\n");
      const items: I[] = [];
      lines.forEach((line, i) => {
        if (line.trim() === "") return;
        items.push(decodeAt(adapter, parseJson(line, `${name} line ${i + 1}`), `${name} line ${i + 1}`));
      });
      return items;
    }
    case ".csv": {
      if (adapter.contentTypes.includes("text/csv")) return [await adapter.fromBytes(bytes, "text/csv")];
      const [header, ...rows] = parseCsv(new TextDecoder().decode(bytes));
      if (!header) throw new BadInputError(`empty input: ${name} has no header row`);
      return rows.map((row, i) =>
        decodeAt(adapter, Object.fromEntries(header.map((h, j) => [h, row[j]])), `${name} row ${i + 1}`)
      );
    }
    default: {
      const type = input.file === "-" ? "application/json" : BYTE_TYPES[input.extension] ??
        "application/octet-stream";
      try {
        return [await adapter.fromBytes(bytes, type)];
      } catch (error) {
        if (error instanceof ObentoError) {
          throw new BadInputError(`${name}: ${error.message}`, { status: error.status });
        }
        throw error;
      }
    }
  }
}

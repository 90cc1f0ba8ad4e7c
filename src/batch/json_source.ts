/**
 * JSON input: a top-level array streamed element by element (never held whole), or one JSON value that is a
 * single request body.
 *
 * @module
 */
import type { RecordChunk } from "./chunk.ts";
import { fileIdentity } from "./input_identity.ts";
import { type InputStream, inputText, openInputStream } from "./input_stream.ts";
import { JsonArrayScanner } from "./json_array_scanner.ts";
import { recordFilter } from "./shard.ts";
import type { BatchSource, ChunkOptions } from "./source_types.ts";
import { parseJsonRecord, valueChunk } from "./value_chunk.ts";

/** The elements of a JSON array read from `text` that this run owns, in chunks. */
export async function* arrayChunks(
  text: AsyncIterable<string>,
  input: InputStream,
  options: ChunkOptions,
): AsyncGenerator<RecordChunk> {
  const scanner = new JsonArrayScanner();
  const rowRecords = options.adapter.rowwise === true;
  const owns = recordFilter(options.skip ?? 0, options.shard);
  let values: unknown[] = [];
  let rows: number[] = [];
  let record = 0;
  const flush = () => {
    const chunk = valueChunk({
      values,
      rows,
      position: rows[rows.length - 1] + 1,
      bytesRead: input.bytesRead(),
      rowRecords,
    });
    values = [];
    rows = [];
    return chunk;
  };
  const take = function* (final: boolean): Generator<RecordChunk> {
    for (let e = scanner.next(final); e !== undefined; e = scanner.next(final)) {
      if (owns(record)) {
        values.push(parseJsonRecord(e, `element ${record + 1}`));
        rows.push(record);
        if (values.length >= options.batchSize) yield flush();
      }
      record++;
    }
  };
  for await (const t of text) {
    scanner.push(t);
    yield* take(false);
  }
  yield* take(true);
  if (values.length > 0) yield flush();
}

/**
 * Opens a JSON input (a file, or "-" for stdin): a top-level array is read element by element in chunks, as
 * records; any other value is one request body (`single`). `name` is what messages call it (default `path`,
 * "stdin" for "-").
 */
export async function openJsonSource(path: string, name?: string): Promise<BatchSource> {
  const input = await openInputStream(path, name);
  const text = inputText(input);
  let head = "";
  while (head.trim() === "") {
    const next = await text.next();
    if (next.done) break;
    head += next.value;
  }
  const rest = async function* () {
    yield head;
    yield* text;
  };
  const base = {
    name: input.name,
    total: { bytes: input.size },
    identity: () => path === "-" ? Promise.resolve(undefined) : fileIdentity(path),
  };
  if (head.trimStart().startsWith("[")) {
    return { ...base, single: false, chunks: (options) => arrayChunks(rest(), input, options) };
  }
  return {
    ...base,
    single: true,
    async *chunks(options: ChunkOptions): AsyncGenerator<RecordChunk> {
      let all = "";
      for await (const t of rest()) all += t;
      if (!recordFilter(options.skip ?? 0, options.shard)(0)) return;
      const value = parseJsonRecord(all, input.name);
      yield valueChunk({
        values: [value],
        rows: [0],
        position: 1,
        bytesRead: input.bytesRead(),
        rowRecords: false,
      });
    },
  };
}

/**
 * A request body given on the command line (`--input JSON`) as a one-record input.
 *
 * @module
 */
import type { RecordChunk } from "./chunk.ts";
import { recordFilter } from "./shard.ts";
import type { BatchSource, ChunkOptions } from "./source_types.ts";
import { parseJsonRecord, valueChunk } from "./value_chunk.ts";

/**
 * A single value given inline (`obento run --input JSON`): one request body. `name` is what messages call it
 * (default "inline input"; the CLI passes "--input").
 */
export function inlineSource(json: string, name = "inline input"): BatchSource {
  return {
    name,
    single: true,
    total: {},
    identity: () => Promise.resolve({ inline: json }),
    async *chunks(options: ChunkOptions): AsyncGenerator<RecordChunk> {
      if (!recordFilter(options.skip ?? 0, options.shard)(0)) return;
      const value = parseJsonRecord(json, name);
      yield valueChunk({ values: [value], rows: [0], position: 1, bytesRead: 0, rowRecords: false });
    },
  };
}

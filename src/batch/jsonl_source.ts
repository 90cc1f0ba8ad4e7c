/**
 * JSON lines input: one JSON value per line, read in chunks of lines.
 *
 * @module
 */
import type { RecordChunk } from "./chunk.ts";
import type { InputStream } from "./input_stream.ts";
import { recordFilter } from "./shard.ts";
import { type ChunkOptions, dropColumns } from "./source_types.ts";
import { splitRecords, textBatches } from "./text_batches.ts";
import { parseJsonRecord, valueChunk } from "./value_chunk.ts";

/** The JSON lines of `input` that this run owns, in chunks; a bad line throws naming its line number. */
export async function* jsonlChunks(input: InputStream, options: ChunkOptions): AsyncGenerator<RecordChunk> {
  const owns = recordFilter(options.skip ?? 0, options.shard);
  for await (const batch of textBatches(input, { quotes: false, header: false, owns, ...options })) {
    const values = splitRecords(batch.text, false).map((text, i) =>
      parseJsonRecord(text, `line ${batch.lines[i]}`)
    );
    yield valueChunk({ ...batch, values, rowRecords: false, drop: dropColumns(options) });
  }
}

/**
 * CSV input: a file or stdin read in chunks of rows split at record boundaries (quotes respected), the header
 * read once and checked against `keepColumns`.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { parseCsv } from "../adapters/csv.ts";
import type { RecordChunk } from "./chunk.ts";
import { csvChunk } from "./csv_chunk.ts";
import type { InputStream } from "./input_stream.ts";
import { recordFilter } from "./shard.ts";
import { type ChunkOptions, dropColumns } from "./source_types.ts";
import { textBatches } from "./text_batches.ts";

/**
 * The CSV rows of `input` that this run owns (`skip`, `shard`), in chunks of at most `batchSize`.
 *
 * @throws {ObentoError} BAD_ARGUMENT when the header lacks a `keepColumns` column
 */
export async function* csvChunks(input: InputStream, options: ChunkOptions): AsyncGenerator<RecordChunk> {
  let names: string[] | undefined;
  const owns = recordFilter(options.skip ?? 0, options.shard);
  const contiguous = options.shard === undefined || options.shard.count === 1;
  const drop = dropColumns(options);
  for await (
    const batch of textBatches(input, { quotes: true, header: true, owns, contiguous, ...options })
  ) {
    if (names === undefined) {
      names = parseCsv(batch.header)[0] ?? [];
      const missing = options.keepColumns.find((c) => !names!.includes(c));
      if (missing !== undefined) {
        throw new ObentoError(
          "BAD_ARGUMENT",
          `keepColumns: ${input.name} has no column "${missing}"; its columns are ${names.join(", ")}`,
          { option: "keepColumns" },
        );
      }
    }
    yield csvChunk({ ...batch, names, rowwise: options.adapter.rowwise === true, drop, source: input.name });
  }
}

/**
 * Groups the line records of a text input (CSV rows, JSON lines) into batches of the records one run owns
 * (see {@link recordFilter}), with the header line split off for CSV.
 *
 * @module
 */
import { type InputStream, inputText } from "./input_stream.ts";
import { RecordSplitter } from "./record_splitter.ts";

/** Options for {@link textBatches}. */
export interface TextBatchOptions {
  /** CSV quoting: a line end inside quotes is part of the record. */
  quotes: boolean;
  /** The first record is a header, not a record (CSV). */
  header: boolean;
  /** Records per batch at most. */
  batchSize: number;
  /** Which records (0-based, header excluded) this run reads. */
  owns: (record: number) => boolean;
}

/** Owned records, consecutive in the run's order. */
export interface TextBatch {
  /** The header line (CSV), else "". */
  header: string;
  /** The records' text, line ends removed. */
  records: string[];
  /** Their 0-based record numbers. */
  rows: number[];
  /** Records consumed after this batch. */
  position: number;
  /** Input bytes read so far. */
  bytesRead: number;
}

/**
 * Reads `input` and yields batches of owned records. A CSV input without a header line yields nothing and
 * `header` stays "".
 */
export async function* textBatches(input: InputStream, options: TextBatchOptions): AsyncGenerator<TextBatch> {
  const splitter = new RecordSplitter({ quotes: options.quotes });
  const { batchSize, owns } = options;
  let header = options.header ? undefined : "";
  let record = 0;
  let records: string[] = [];
  let rows: number[] = [];
  const batch = (): TextBatch => {
    const out = { header: header ?? "", records, rows, position: rows[rows.length - 1] + 1, bytesRead: 0 };
    out.bytesRead = input.bytesRead();
    records = [];
    rows = [];
    return out;
  };
  const take = function* (final: boolean): Generator<TextBatch> {
    for (let text = splitter.next(final); text !== undefined; text = splitter.next(final)) {
      if (header === undefined) {
        header = text;
        continue;
      }
      if (owns(record)) {
        records.push(text);
        rows.push(record);
        if (records.length >= batchSize) yield batch();
      }
      record++;
    }
  };
  for await (const text of inputText(input)) {
    splitter.push(text);
    yield* take(false);
  }
  yield* take(true);
  if (records.length > 0) yield batch();
}

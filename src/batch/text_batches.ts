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
  /** The records' text, separated by line ends (blank lines may remain; readers skip them). */
  text: string;
  /** Their 0-based record numbers. */
  rows: number[];
  /** The 1-based line each record starts on (blank lines counted); empty on the `contiguous` path. */
  lines: number[];
  /** Records consumed after this batch. */
  position: number;
  /** Input bytes read so far. */
  bytesRead: number;
}

/** The records of a batch's text, one string each. */
export function splitRecords(text: string, quotes: boolean): string[] {
  const splitter = new RecordSplitter({ quotes });
  splitter.push(text);
  const out: string[] = [];
  for (let r = splitter.next(true); r !== undefined; r = splitter.next(true)) out.push(r);
  return out;
}

/**
 * Reads `input` and yields batches of owned records. A CSV input without a header line yields nothing. When
 * `contiguous` is set (every record from `skip` on is owned: no shard), runs of records are cut out of the
 * text whole, without a string per record.
 */
export async function* textBatches(
  input: InputStream,
  options: TextBatchOptions & { contiguous?: boolean; skip?: number },
): AsyncGenerator<TextBatch> {
  const splitter = new RecordSplitter({ quotes: options.quotes });
  const { batchSize, owns } = options;
  let header = options.header ? undefined : "";
  let record = 0;
  let parts: string[] = [];
  let rows: number[] = [];
  let lines: number[] = [];
  const batch = (): TextBatch => {
    const out = {
      header: header ?? "",
      text: parts.length === 1 ? parts[0] : parts.join("\n"),
      rows,
      lines,
      position: rows[rows.length - 1] + 1,
      bytesRead: input.bytesRead(),
    };
    parts = [];
    rows = [];
    lines = [];
    return out;
  };
  const take = function* (final: boolean): Generator<TextBatch> {
    if (header === undefined) {
      header = splitter.next(final);
      if (header === undefined) return;
    }
    if (options.contiguous) {
      while (true) {
        const owned = owns(record);
        const max = owned ? batchSize - rows.length : Math.max(1, (options.skip ?? 0) - record);
        const run = splitter.nextRun(max, final);
        if (run === undefined) return;
        if (owned) {
          parts.push(run.text);
          for (let i = 0; i < run.count; i++) rows.push(record + i);
          if (rows.length >= batchSize) yield batch();
        }
        record += run.count;
      }
    }
    for (let text = splitter.next(final); text !== undefined; text = splitter.next(final)) {
      if (owns(record)) {
        parts.push(text);
        rows.push(record);
        lines.push(splitter.line);
        if (rows.length >= batchSize) yield batch();
      }
      record++;
    }
  };
  for await (const text of inputText(input)) {
    splitter.push(text);
    yield* take(false);
  }
  yield* take(true);
  if (rows.length > 0) yield batch();
}

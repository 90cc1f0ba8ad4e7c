/**
 * What each kind of record chunk is made of, as plain data ({@link CsvChunkInit}, {@link ValueChunkInit},
 * {@link FileChunkInit}) and {@link ChunkWire}, the form a chunk crosses a worker message in
 * (src/batch/chunk_wire.ts). Apart from the chunk factories so that the chunk contract (chunk.ts) and the
 * factories (csv_chunk.ts, value_chunk.ts, file_chunk.ts) need not import each other.
 *
 * @module
 */

/** What a CSV chunk is made of. */
export interface CsvChunkInit {
  /** The header line as it is in the file. */
  header: string;
  /** The header's column names. */
  names: readonly string[];
  /** The rows' text, separated by line ends. */
  text: string;
  /** Their 0-based record numbers. */
  rows: number[];
  /** Records consumed after this chunk. */
  position: number;
  /** Input bytes read so far. */
  bytesRead: number;
  /** Whether the adapter is rowwise (then a row's result is one row result). */
  rowwise: boolean;
  /** Columns passed through but not given to the API (kept columns the adapter does not declare). */
  drop?: readonly string[];
  /** The input's name, for a header error. */
  source?: string;
}

/** What a value chunk is made of. */
export interface ValueChunkInit {
  /** The records: parsed JSON values, or {@link UnparsedRecord}s. */
  values: unknown[];
  /** Their 0-based record numbers. */
  rows: number[];
  /** Records consumed after this chunk. */
  position: number;
  /** Input bytes read so far (0 when unknown). */
  bytesRead: number;
  /**
   * True when each value is one row for a rowwise adapter (a record object, a row list): the chunk is then
   * decoded as one list of rows first. False: each value is a whole request body.
   */
  rowRecords: boolean;
  /** Keys passed through but not given to the API (kept columns the adapter does not declare). */
  drop?: readonly string[];
}

/** One file of a chunk. */
export interface FileRecord {
  /** Where to read it. */
  path: string;
  /** The name it goes by in the output's `file` column (relative to the folder given). */
  name: string;
}

/** What a file chunk is made of. */
export interface FileChunkInit {
  /** The files. */
  files: FileRecord[];
  /** Their 0-based record numbers. */
  rows: number[];
  /** Records consumed after this chunk. */
  position: number;
}

/** A chunk as plain data: which factory made it and with what (src/batch/chunk_wire.ts rebuilds it). */
export type ChunkWire =
  | { readonly kind: "csv"; readonly init: CsvChunkInit }
  | {
    readonly kind: "values";
    /** The init, with each unparsed record's value as null… */
    readonly init: ValueChunkInit;
    /** …and here, as [index in the chunk, message]. */
    readonly unparsed: readonly (readonly [number, string])[];
  }
  | { readonly kind: "files"; readonly init: FileChunkInit };

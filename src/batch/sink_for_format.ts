/**
 * The {@link ResultSink} of each output format, in one place: the batch job and its engine (which may run in
 * `obento run`'s worker) make theirs here.
 *
 * @module
 */
import { CsvSink } from "./csv_sink.ts";
import { JsonlSink, JsonSink } from "./json_sinks.ts";
import { ParquetSink } from "./parquet_sink.ts";
import type { OutputFormat, ResultSink, SinkOptions } from "./sink.ts";

/**
 * A new sink for `format`.
 *
 * @example
 * ```ts
 * import { sinkForFormat } from "./sink_for_format.ts";
 * const sink = sinkForFormat("csv", { keepColumns: [] });
 * console.log(sink.resumable); // true
 * ```
 */
export function sinkForFormat(format: OutputFormat, options: SinkOptions): ResultSink {
  switch (format) {
    case "csv":
      return new CsvSink(options);
    case "jsonl":
      return new JsonlSink(options);
    case "parquet":
      return new ParquetSink(options);
    default:
      return new JsonSink(options);
  }
}

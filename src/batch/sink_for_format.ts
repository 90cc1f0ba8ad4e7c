/**
 * The {@link ResultSink} of each output format, in one place: the batch job's engine (which may run in
 * `obento run`'s worker) makes its sink here. Parquet's writer (npm `hyparquet-writer`) is loaded only when a
 * Parquet output is made: every `obento run` worker loads this module, and few runs write Parquet.
 *
 * @module
 */
import { CsvSink } from "./csv_sink.ts";
import { JsonlSink, JsonSink } from "./json_sinks.ts";
import type { OutputFormat, ResultSink, SinkOptions } from "./sink.ts";

/**
 * A new sink for `format`.
 *
 * @example
 * ```ts
 * import { sinkForFormat } from "./sink_for_format.ts";
 * const sink = await sinkForFormat("csv", { keepColumns: [] });
 * console.log(sink.resumable); // true
 * ```
 */
export async function sinkForFormat(format: OutputFormat, options: SinkOptions): Promise<ResultSink> {
  switch (format) {
    case "csv":
      return new CsvSink(options);
    case "jsonl":
      return new JsonlSink(options);
    case "parquet": {
      const { ParquetSink } = await import("./parquet_sink.ts");
      return new ParquetSink(options);
    }
    default:
      return new JsonSink(options);
  }
}

/**
 * Whether a partial output of `format` can be continued (`--resume`, or a new worker after one was replaced):
 * every format but Parquet, whose file is written whole at the end. Equals the sink's `resumable`.
 *
 * @example
 * ```ts
 * import { resumableFormat } from "./sink_for_format.ts";
 * console.log(resumableFormat("csv"), resumableFormat("parquet")); // true false
 * ```
 */
export function resumableFormat(format: OutputFormat): boolean {
  return format !== "parquet";
}

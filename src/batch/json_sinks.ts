/**
 * JSON lines and JSON output: one JSON value per line, or one JSON list written element by element (its
 * closing bracket last). For a single request body, JSON output is the value alone, as `obento run` always
 * printed it.
 *
 * @module
 */
import type { JsonValue } from "../sdk/adapter.ts";
import { jsonRows, type ResultSink, type SinkChunk, type SinkOptions } from "./sink.ts";

const encoder = new TextEncoder();

/**
 * JSON lines: one line per row.
 *
 * @example
 * ```ts
 * import { JsonlSink } from "./json_sinks.ts";
 * const sink = new JsonlSink({ keepColumns: ["id"] });
 * const bytes = sink.write({ results: [{ ok: true, value: "setosa" }], kept: [["7"]] });
 * console.log(new TextDecoder().decode(bytes)); // {"id":"7","result":"setosa"}\n
 * ```
 */
export class JsonlSink implements ResultSink {
  readonly resumable = true;
  readonly #options: SinkOptions;

  /** Makes the sink. */
  constructor(options: SinkOptions) {
    this.#options = options;
  }

  /** Nothing. */
  begin(): Uint8Array {
    return new Uint8Array();
  }

  /** One line per row. */
  write(chunk: SinkChunk): Uint8Array {
    const rows = jsonRows(chunk, this.#options);
    let text = "";
    for (const r of rows) text += JSON.stringify(r) + "\n";
    return encoder.encode(text);
  }

  /** Nothing. */
  end(): Uint8Array {
    return new Uint8Array();
  }

  /** None. */
  state(): JsonValue {
    return null;
  }

  /** None. */
  restore(_state: JsonValue): void {}
}

/**
 * A JSON list, or the single value for a single request body.
 *
 * @example
 * ```ts
 * import { JsonSink } from "./json_sinks.ts";
 * const sink = new JsonSink({ keepColumns: [] });
 * const parts = [sink.begin(), sink.write({ results: [{ ok: true, value: 1 }, { ok: true, value: 2 }], kept: undefined }), sink.end()];
 * console.log(parts.map((p) => new TextDecoder().decode(p)).join("")); // [1,2]\n
 * ```
 */
export class JsonSink implements ResultSink {
  readonly resumable = true;
  readonly #options: SinkOptions;
  #count = 0;

  /** Makes the sink. */
  constructor(options: SinkOptions) {
    this.#options = options;
  }

  /** `[` (nothing for a single body). */
  begin(): Uint8Array {
    return encoder.encode(this.#options.single ? "" : "[");
  }

  /** The chunk's rows, comma-separated. */
  write(chunk: SinkChunk): Uint8Array {
    const rows = jsonRows(chunk, {
      ...this.#options,
      inlineErrors: this.#options.inlineErrors && !this.#options.single,
    });
    let text = "";
    for (const r of rows) {
      text += this.#options.single
        ? JSON.stringify(r) + "\n"
        : (this.#count > 0 ? "," : "") + JSON.stringify(r);
      this.#count++;
    }
    return encoder.encode(text);
  }

  /** `]` and a line end. */
  end(): Uint8Array {
    return encoder.encode(this.#options.single ? "" : "]\n");
  }

  /** How many rows are written (for the commas). */
  state(): JsonValue {
    return this.#count;
  }

  /** Restores the row count. */
  restore(state: JsonValue): void {
    this.#count = typeof state === "number" ? state : 0;
  }
}

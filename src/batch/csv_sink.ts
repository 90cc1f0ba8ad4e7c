/**
 * CSV output. The header comes from the first row that went through: the kept columns, then the result's
 * fields (an object's keys, a list's positions 0…n-1, or one `result` column). Failed records are left out
 * (they go to the errors file or stderr). A later result with a field the header lacks stops the run with an
 * error rather than losing the field.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import { jsonRows, type ResultSink, type SinkChunk, type SinkOptions } from "./sink.ts";

const encoder = new TextEncoder();
const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field. */
function cell(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "";
  const s = typeof value === "object" ? JSON.stringify(value) : String(value);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV record; a lone empty field is written `""` so that it is not a blank line. */
function line(cells: string[]): string {
  return cells.length === 1 && cells[0] === "" ? '""\n' : cells.join(",") + "\n";
}

type Shape = "object" | "list" | "value";

/**
 * Writes CSV.
 *
 * @example
 * ```ts
 * import { CsvSink } from "./csv_sink.ts";
^ * const sink = new CsvSink({ keepColumns: ["id"] });
 * const bytes = sink.write({ results: [{ ok: true, value: { label: "a, b" } }], kept: [["7"]] });
 * console.log(new TextDecoder().decode(bytes)); // id,label\n7,"a, b"\n
 * ```
 */
export class CsvSink implements ResultSink {
  readonly resumable = true;
  readonly #options: SinkOptions;
  #fields: string[] | undefined;
  #shape: Shape = "value";

  /** Makes the sink. */
  constructor(options: SinkOptions) {
    this.#options = { ...options, keepColumns: [], inlineErrors: false };
    this.#keep = options.keepColumns;
  }

  readonly #keep: readonly string[];

  /** Nothing: the header waits for the first result. */
  begin(): Uint8Array {
    return new Uint8Array();
  }

  /** The header (first time) and one line per row that went through. */
  write(chunk: SinkChunk): Uint8Array {
    const okKept = chunk.kept === undefined ? undefined : chunk.kept.filter((_, k) => chunk.results[k].ok);
    const values = jsonRows({ results: chunk.results, kept: undefined }, this.#options);
    let text = "";
    if (this.#fields === undefined && values.length > 0) text += this.#header(values[0]);
    const keep = this.#keep.length;
    const fields = this.#fields ?? [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (keep === 0 && this.#shape === "value" && typeof v === "string") {
        text += v === "" ? '""\n' : NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"\n` : v + "\n";
        continue;
      }
      const cells: string[] = [];
      for (let c = 0; c < keep; c++) cells.push(cell(okKept![i][c]));
      if (this.#shape === "object" && v !== null && typeof v === "object" && !Array.isArray(v)) {
        for (const f of fields) cells.push(cell(v[f]));
        for (const k in v) {
          if (!fields.includes(k)) this.#extra(`field "${k}"`);
        }
      } else if (this.#shape === "list" && Array.isArray(v)) {
        if (v.length > fields.length) this.#extra(`${v.length} values`);
        for (let f = 0; f < fields.length; f++) cells.push(cell(v[f]));
      } else if (this.#shape === "value" && (v === null || typeof v !== "object")) {
        cells.push(cell(v));
      } else {
        this.#extra(`a ${Array.isArray(v) ? "list" : typeof v}`);
      }
      text += line(cells);
    }
    return encoder.encode(text);
  }

  /** The header alone when no row went through at all. */
  end(): Uint8Array {
    return encoder.encode(
      this.#fields === undefined ? line([...this.#keep, "result"].map((h) => cell(h))) : "",
    );
  }

  /** The header's result fields and shape. */
  state(): JsonValue {
    return this.#fields === undefined ? null : { fields: this.#fields, shape: this.#shape };
  }

  /** Restores the header. */
  restore(state: JsonValue): void {
    if (state !== null && typeof state === "object" && !Array.isArray(state)) {
      this.#fields = state.fields as string[];
      this.#shape = state.shape as Shape;
    }
  }

  #header(first: JsonValue): string {
    if (first !== null && typeof first === "object" && !Array.isArray(first)) {
      this.#shape = "object";
      this.#fields = Object.keys(first);
    } else if (Array.isArray(first)) {
      this.#shape = "list";
      this.#fields = first.map((_, i) => String(i));
    } else {
      this.#shape = "value";
      this.#fields = ["result"];
    }
    const clash = this.#fields.find((f) => this.#keep.includes(f));
    if (clash !== undefined) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `keepColumns: the result has a field "${clash}" too; keep another column or write JSON lines ` +
          "(output format jsonl)",
        { option: "keepColumns" },
      );
    }
    return line([...this.#keep, ...this.#fields].map((h) => cell(h)));
  }

  #extra(what: string): never {
    throw new ObentoError(
      "BAD_INPUT",
      `a result has ${what} that the CSV header (${this.#fields!.join(",")}, from the first result) lacks; ` +
        `write JSON lines (output format jsonl) for results whose fields vary`,
    );
  }
}

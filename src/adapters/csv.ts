/**
 * RFC 4180 CSV: {@link parseCsv} reads a whole text, {@link CsvParser} reads it chunk by chunk, and
 * {@link formatCsv} writes rows back, quoting only the fields that need it.
 *
 * Reading follows RFC 4180 with the usual leniencies: LF or CRLF line ends, an optional final line end, a
 * leading byte-order mark stripped, and blank lines skipped. Fields are found with `indexOf`, not character by
 * character, so large numeric files parse quickly. The first record is the header: every later record must
 * have as many fields, and errors name the line where the bad record starts.
 *
 * @module
 */
import { BadInputError } from "../errors.ts";

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** Where a parse stands between chunks. */
interface ScanState {
  /** The 1-based line number at the scan position. */
  line: number;
  /** The header's field count, or -1 before the header. */
  width: number;
  /** Data rows (after the header) read so far. */
  rows: number;
}

/** A 1-based line number's error prefix. */
function at(line: number): string {
  return `CSV line ${line}`;
}

/**
 * Parses the complete records of `text` from `start`, pushing them to `out`. When `final` is false, a record
 * that the text does not finish (no line end yet, or an open quote) is left for later: the return value is where
 * the unparsed rest starts. When `final` is true, the end of the text ends the last record.
 */
function scan(text: string, start: number, final: boolean, state: ScanState, out: string[][]): number {
  const len = text.length;
  let pos = start;
  let line = state.line;
  // Cached positions of the next comma and line feed at or after `pos`; recomputed once passed.
  let nextComma = -1;
  let nextLf = -1;
  while (pos < len) {
    const recordStart = pos;
    const recordLine = line;
    const first = text.charCodeAt(pos);
    if (first === LF) {
      pos++;
      line++;
      continue;
    }
    if (first === CR && (pos + 1 >= len || text.charCodeAt(pos + 1) === LF)) {
      if (pos + 1 >= len && !final) break;
      pos += 2;
      line++;
      continue;
    }
    const fields: string[] = [];
    let complete = false;
    while (true) {
      if (pos < len && text.charCodeAt(pos) === QUOTE) {
        const fieldLine = line;
        let i = pos + 1;
        let value = "";
        let open = true;
        while (true) {
          const q = text.indexOf('"', i);
          if (q < 0) break;
          value += text.slice(i, q);
          if (q + 1 < len && text.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            i = q + 2;
            continue;
          }
          if (q + 1 >= len && !final) break; // the next chunk may start with the second quote of ""
          i = q + 1;
          open = false;
          break;
        }
        if (open) {
          if (!final) break;
          throw new BadInputError(
            `${at(fieldLine)}: a quoted field never ends; close it with " (write a quote inside a quoted ` +
              `field as "")`,
          );
        }
        if (nextLf < pos) nextLf = indexOrEnd(text, "\n", pos);
        while (nextLf < i) {
          line++;
          nextLf = indexOrEnd(text, "\n", nextLf + 1);
        }
        fields.push(value);
        pos = i;
        if (pos >= len) {
          complete = true; // `final` is true here
          break;
        }
        const ch = text.charCodeAt(pos);
        if (ch === COMMA) {
          pos++;
          continue;
        }
        if (ch === LF || (ch === CR && pos + 1 < len && text.charCodeAt(pos + 1) === LF)) {
          pos += ch === LF ? 1 : 2;
          line++;
          complete = true;
          break;
        }
        if (ch === CR && pos + 1 >= len) {
          if (!final) break;
          pos++;
          complete = true;
          break;
        }
        throw new BadInputError(
          `${at(line)}: unexpected ${JSON.stringify(text[pos])} after a closing quote; a quoted field ends ` +
            `at a comma or a line end (write a quote inside a quoted field as "")`,
        );
      }
      if (nextComma < pos) nextComma = indexOrEnd(text, ",", pos);
      if (nextLf < pos) nextLf = indexOrEnd(text, "\n", pos);
      if (nextComma < nextLf) {
        fields.push(text.slice(pos, nextComma));
        pos = nextComma + 1;
        continue;
      }
      if (nextLf === len && !final) break;
      let end = nextLf;
      if (end > pos && text.charCodeAt(end - 1) === CR) end--;
      fields.push(text.slice(pos, end));
      if (nextLf < len) line++;
      pos = nextLf + 1;
      complete = true;
      break;
    }
    if (!complete) {
      state.line = recordLine;
      return recordStart;
    }
    if (state.width < 0) {
      state.width = fields.length;
    } else {
      state.rows++;
      if (fields.length !== state.width) {
        throw new BadInputError(
          `${at(recordLine)}: row ${state.rows} has ${fields.length} fields, header has ${state.width}; ` +
            `quote fields that contain commas`,
        );
      }
    }
    out.push(fields);
  }
  state.line = line;
  return Math.min(pos, len);
}

/** `text.indexOf(needle, from)`, or `text.length` when not found. */
function indexOrEnd(text: string, needle: string, from: number): number {
  const i = text.indexOf(needle, from);
  return i < 0 ? text.length : i;
}

/** Drops a leading byte-order mark. */
function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Parses CSV text into records of strings; the first record is the header.
 *
 * @param text the whole CSV text.
 * @returns every record, header first; `[]` for empty text.
 * @throws {BadInputError} naming the line of an unterminated quote, of a stray character after a closing quote,
 * or of a row whose field count differs from the header's ("CSV line 9: row 7 has 3 fields, header has 4").
 *
 * @example
 * ```ts
 * import { parseCsv } from "./csv.ts";
 * console.log(parseCsv('name,note\r\nada,"likes ""math"", tea"\r\n'));
 * // [["name", "note"], ["ada", 'likes "math", tea']]
 * ```
 */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  scan(stripBom(text), 0, true, { line: 1, width: -1, rows: 0 }, out);
  return out;
}

/**
 * An incremental CSV parser: feed text chunks with {@link CsvParser.push}, get the records they complete; call
 * {@link CsvParser.end} after the last chunk. Records may span chunks anywhere, even inside quotes or between
 * the CR and LF of a line end. The first record is the header, checked as {@link parseCsv} checks it.
 *
 * @example
 * ```ts
 * import { CsvParser } from "./csv.ts";
 * const p = new CsvParser();
 * console.log(p.push("a,b\n1,")); // [["a", "b"]]
 * console.log(p.push("2\n3,4")); // [["1", "2"]]
 * console.log(p.end()); // [["3", "4"]]
 * ```
 */
export class CsvParser {
  #rest = "";
  #started = false;
  #ended = false;
  readonly #state: ScanState = { line: 1, width: -1, rows: 0 };

  /**
   * Adds a chunk of text.
   *
   * @returns the records this chunk completes (possibly none).
   * @throws {BadInputError} as {@link parseCsv} does, or when called after {@link CsvParser.end}.
   */
  push(chunk: string): string[][] {
    this.#checkOpen();
    let text = this.#rest + chunk;
    if (!this.#started) {
      if (text.length === 0) return [];
      text = stripBom(text);
      this.#started = true;
    }
    const out: string[][] = [];
    const stop = scan(text, 0, false, this.#state, out);
    this.#rest = stop === 0 ? text : text.slice(stop);
    return out;
  }

  /**
   * Ends the input: the rest of the text is the last record.
   *
   * @returns the records left (possibly none).
   * @throws {BadInputError} for an unterminated quote or a ragged last row.
   */
  end(): string[][] {
    this.#checkOpen();
    this.#ended = true;
    const out: string[][] = [];
    scan(this.#started ? this.#rest : stripBom(this.#rest), 0, true, this.#state, out);
    this.#rest = "";
    return out;
  }

  /** Data rows (after the header) completed so far. */
  get rows(): number {
    return this.#state.rows;
  }

  #checkOpen(): void {
    if (this.#ended) throw new BadInputError("this CsvParser has ended; make a new one for more CSV");
  }
}

/** The columns of a CSV whose data fields are all plain decimal numbers; see {@link parseNumericCsv}. */
export interface NumericCsv {
  /** The header's column names. */
  header: string[];
  /** One column per header name, one value per data row. */
  columns: Float64Array[];
}

/** 10^k for k = 0..15: exact doubles, so `m / 10^k` is correctly rounded for any mantissa m < 2^53. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * A fast path for numeric tables: parses CSV whose data fields are all plain decimals (`-12`, `3.25`, `.5`,
 * at most 15 digits, no exponent, no quotes) straight into `Float64Array` columns in one pass, without
 * making a string per field. Values equal `Number(field)` exactly.
 *
 * Returns undefined as soon as the text is anything else (a quoted or empty field, an exponent, `NaN`, a blank
 * line, a ragged row, a header with quotes): then use {@link parseCsv}, which reads every valid CSV and names
 * what is wrong with an invalid one.
 *
 * @param text the whole CSV text, header first.
 * @returns the header and columns, or undefined when the fast path does not apply.
 *
 * @example
 * ```ts
 * import { parseNumericCsv } from "./csv.ts";
 * console.log(parseNumericCsv("a,b\n1,2.5\n-3,.5\n")); // { header: ["a", "b"], columns: [Float64Array [1, -3], Float64Array [2.5, 0.5]] }
 * console.log(parseNumericCsv('a\n"1"\n')); // undefined
 * ```
 */
export function parseNumericCsv(text: string): NumericCsv | undefined {
  text = stripBom(text);
  const headerEnd = text.indexOf("\n");
  if (headerEnd < 0) return undefined;
  const headerText = text.slice(0, headerEnd);
  if (headerText.includes('"')) return undefined;
  const header = parseCsv(headerText)[0];
  if (header === undefined) return undefined;
  const width = header.length;
  const len = text.length;
  let lineEnds = 0;
  for (let i = text.indexOf("\n", headerEnd + 1); i >= 0; i = text.indexOf("\n", i + 1)) lineEnds++;
  const capacity = lineEnds + 1;
  const columns = header.map(() => new Float64Array(capacity));
  let pos = headerEnd + 1;
  let row = 0;
  while (pos < len) {
    for (let c = 0; c < width; c++) {
      let ch = text.charCodeAt(pos);
      const negative = ch === 45;
      if (negative || ch === 43) ch = text.charCodeAt(++pos);
      let mantissa = 0;
      let digits = 0;
      let decimals = 0;
      let dot = false;
      while (true) {
        if (ch >= 48 && ch <= 57) {
          mantissa = mantissa * 10 + (ch - 48);
          digits++;
          if (dot) decimals++;
        } else if (ch === 46 && !dot) {
          dot = true;
        } else {
          break;
        }
        ch = text.charCodeAt(++pos);
      }
      if (digits === 0 || digits > 15) return undefined;
      if (c < width - 1) {
        if (ch !== COMMA) return undefined;
        pos++;
      } else {
        if (ch === CR) ch = text.charCodeAt(++pos);
        if (ch === LF) pos++;
        else if (pos < len) return undefined;
      }
      const value = decimals === 0 ? mantissa : mantissa / POW10[decimals];
      columns[c][row] = negative ? -value : value;
    }
    row++;
  }
  return { header, columns: columns.map((col) => col.subarray(0, row)) };
}

/** A value {@link formatCsv} can write: null and undefined write an empty field. */
export type CsvCell = string | number | bigint | boolean | null | undefined;

/** Options for {@link formatCsv}. */
export interface FormatCsvOptions {
  /** Line end after each record (default `"\n"`; RFC 4180 says `"\r\n"`). */
  newline?: "\n" | "\r\n";
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One field as CSV text, quoted only when it holds a quote, comma, CR or LF. */
function formatCell(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  const s = typeof value === "string" ? value : String(value);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One record as CSV text; a record of one empty field is written `""` so that it is not a blank line. */
function formatRecord(cells: readonly CsvCell[]): string {
  if (cells.length === 1) {
    const only = formatCell(cells[0]);
    return only === "" ? '""' : only;
  }
  let line = "";
  for (let i = 0; i < cells.length; i++) line += i === 0 ? formatCell(cells[i]) : "," + formatCell(cells[i]);
  return line;
}

/**
 * Writes a header and rows as CSV text, each record followed by a line end. Fields are quoted only when they
 * contain a quote, comma, CR or LF, so `parseCsv(formatCsv(h, rows))` gives back `[h, ...rows]` as strings.
 *
 * @param header column names.
 * @param rows records; numbers, bigints and booleans are written with `String()`, null/undefined as empty.
 * @param options line end.
 * @returns the CSV text.
 *
 * @example
 * ```ts
 * import { formatCsv } from "./csv.ts";
 * console.log(formatCsv(["id", "note"], [[1, "a, b"], [2, 'say "hi"']]));
 * // id,note\n1,"a, b"\n2,"say ""hi"""\n
 * ```
 */
export function formatCsv(
  header: readonly CsvCell[],
  rows: readonly (readonly CsvCell[])[],
  options: FormatCsvOptions = {},
): string {
  const newline = options.newline ?? "\n";
  const lines = new Array<string>(rows.length + 1);
  lines[0] = formatRecord(header);
  for (let r = 0; r < rows.length; r++) lines[r + 1] = formatRecord(rows[r]);
  return lines.join(newline) + newline;
}

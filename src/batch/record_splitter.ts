/**
 * {@link RecordSplitter}: cuts text that arrives in pieces into line records (CSV rows, JSON lines) without
 * parsing their fields. Line ends are LF or CRLF (a line that ends in CR CR LF keeps both CRs, so that no record
 * ends in one CR that a reader joining records with LF would take for a line end); blank lines are skipped;
 * with `quotes`, a line end inside a double-quoted CSV field does not end the record.
 *
 * @module
 */

const LF = "\n";
const CR = 13;

/** Options for {@link RecordSplitter}. */
export interface RecordSplitterOptions {
  /** Honour CSV double quotes: a line end between an odd number of quotes is part of the record (default false). */
  quotes?: boolean;
}

/**
 * Splits pushed text into records, one per (non-blank) line, quoted line ends kept for CSV.
 *
 * @example
 * ```ts
 * import { RecordSplitter } from "./record_splitter.ts";
 * const s = new RecordSplitter({ quotes: true });
 * s.push('a,b\r\n1,"x\ny"\n\n2,');
 * console.log(s.next(false), s.next(false), s.next(false)); // "a,b" '1,"x\ny"' undefined
 * s.push("3");
 * console.log(s.next(true)); // "2,3"
 * ```
 */
export class RecordSplitter {
  #buf = "";
  #pos = 0;
  #nextQuote = -1;
  readonly #quotes: boolean;

  /** Makes a splitter. */
  constructor(options: RecordSplitterOptions = {}) {
    this.#quotes = options.quotes ?? false;
  }

  /** Adds text. */
  push(text: string): void {
    this.#buf = this.#pos === this.#buf.length ? text : this.#buf.slice(this.#pos) + text;
    this.#pos = 0;
    this.#nextQuote = -1;
  }

  /**
   * The next complete record (without its line end), or undefined when the text so far does not finish one.
   * With `final`, the end of the text ends the last record.
   */
  next(final: boolean): string | undefined {
    return this.#scan(final) ? this.#buf.slice(this.#start, this.#end) : undefined;
  }

  /**
   * Up to `max` next complete records as one text, records separated by their line ends (blank lines and CRs
   * may remain inside; CSV and line readers skip them), without making a string per record.
   *
   * @returns the text and how many records it holds, or undefined when no record is complete
   */
  nextRun(max: number, final: boolean): { text: string; count: number } | undefined {
    let count = 0;
    let first = -1;
    while (count < max && this.#scan(final)) {
      if (first < 0) first = this.#start;
      count++;
    }
    return count === 0 ? undefined : { text: this.#buf.slice(first, this.#end), count };
  }

  #start = 0;
  #end = 0;
  #nextLine = 1;
  #line = 0;

  /** The 1-based line number on which the record last returned by {@link next} starts (blank lines counted). */
  get line(): number {
    return this.#line;
  }

  /** Finds the next non-blank record: sets #start/#end and advances; false when none is complete. */
  #scan(final: boolean): boolean {
    const buf = this.#buf;
    const len = buf.length;
    while (this.#pos < len) {
      const start = this.#pos;
      const line = this.#nextLine;
      let lines = 0;
      let from = start;
      let inQuote = false;
      let end: number;
      while (true) {
        const lf = buf.indexOf(LF, from);
        if (this.#quotes) {
          const limit = lf < 0 ? len : lf;
          let q = this.#nextQuote;
          if (q < from) q = indexOrEnd(buf, '"', from);
          while (q < limit) {
            inQuote = !inQuote;
            q = indexOrEnd(buf, '"', q + 1);
          }
          this.#nextQuote = q;
        }
        if (lf < 0) {
          if (!final) {
            this.#nextQuote = -1; // the scan restarts at `start` once more text comes
            return false;
          }
          end = len;
          break;
        }
        lines++;
        if (!inQuote) {
          end = lf;
          break;
        }
        from = lf + 1;
      }
      this.#pos = end === len ? len : end + 1;
      this.#nextLine = line + lines;
      // The CR of a CRLF is dropped, but not when another CR precedes it: a record that ended in a bare CR
      // would read as a CRLF once a reader joins records with LF (and a record of one CR as a blank line).
      let recordEnd = end;
      if (recordEnd > start && buf.charCodeAt(recordEnd - 1) === CR && buf.charCodeAt(recordEnd - 2) !== CR) {
        recordEnd--;
      }
      if (recordEnd === start) continue;
      this.#line = line;
      this.#start = start;
      this.#end = recordEnd;
      return true;
    }
    return false;
  }
}

/** `text.indexOf(needle, from)`, or `text.length` when absent. */
function indexOrEnd(text: string, needle: string, from: number): number {
  const i = text.indexOf(needle, from);
  return i < 0 ? text.length : i;
}

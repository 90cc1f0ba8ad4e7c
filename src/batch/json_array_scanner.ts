/**
 * {@link JsonArrayScanner}: finds the elements of a top-level JSON array in text that arrives in pieces,
 * without parsing them, so a huge array can be read element by element.
 *
 * @module
 */
import { BadInputError } from "../errors.ts";

const WS = /\s/;

/**
 * Splits `[e0, e1, …]` into the element texts. The text must start (after white space) with `[`. An array that
 * ends early (a truncated file) yields what is left as a last element, which then fails to parse alone.
 *
 * @example
 * ```ts
 * import { JsonArrayScanner } from "./json_array_scanner.ts";
 * const s = new JsonArrayScanner();
 * s.push(' [{"a": [1, 2]}, "x,]');
 * console.log(s.next(false), s.next(false)); // '{"a": [1, 2]}' undefined
 * s.push('y"]');
 * console.log(s.next(false), s.next(true)); // '"x,]y"' undefined
 * ```
 */
export class JsonArrayScanner {
  #buf = "";
  #pos = 0;
  #opened = false;
  #closed = false;

  /** Adds text. */
  push(text: string): void {
    this.#buf = this.#buf.slice(this.#pos) + text;
    this.#pos = 0;
  }

  /** True once the closing `]` (or the end of a truncated array) has been seen. */
  get done(): boolean {
    return this.#closed;
  }

  /**
   * The next element's text, or undefined when more text is needed (or the array is done). With `final`, the
   * end of the text is the end of the input.
   *
   * @throws {BadInputError} when the text is not an array, or has text after its closing bracket.
   */
  next(final: boolean): string | undefined {
    const buf = this.#buf;
    const len = buf.length;
    let pos = this.#pos;
    while (pos < len && WS.test(buf[pos])) pos++;
    if (this.#closed) {
      if (pos < len) {
        throw new BadInputError(
          `unexpected ${JSON.stringify(buf.slice(pos, pos + 10))} after the array's closing ]`,
        );
      }
      return undefined;
    }
    if (!this.#opened) {
      if (pos >= len) {
        if (final) throw new BadInputError("empty input: expected a JSON array");
        return undefined;
      }
      if (buf[pos] !== "[") {
        throw new BadInputError(`expected a JSON array starting with [, got ${JSON.stringify(buf[pos])}`);
      }
      this.#opened = true;
      pos++;
      this.#pos = pos;
      while (pos < len && WS.test(buf[pos])) pos++;
      if (pos < len && buf[pos] === "]") {
        this.#closed = true;
        this.#pos = pos + 1;
        return undefined;
      }
    }
    const start = pos;
    let depth = 0;
    let i = pos;
    while (i < len) {
      const ch = buf.charCodeAt(i);
      if (ch === 34) { // "
        i++;
        while (i < len) {
          const c = buf.charCodeAt(i);
          if (c === 92) i += 2; // backslash escapes the next character
          else if (c === 34) break;
          else i++;
        }
        if (i >= len) break;
      } else if (ch === 91 || ch === 123) { // [ {
        depth++;
      } else if (ch === 93 || ch === 125) { // ] }
        if (depth === 0) {
          if (ch === 125) throw new BadInputError(`unexpected } in the JSON array at element ${start}`);
          this.#closed = true;
          this.#pos = i + 1;
          const text = buf.slice(start, i).trim();
          if (text === "") return undefined;
          return text;
        }
        depth--;
      } else if (ch === 44 && depth === 0) { // ,
        this.#pos = i + 1;
        return buf.slice(start, i).trim();
      }
      i++;
    }
    if (!final) return undefined;
    this.#closed = true;
    this.#pos = len;
    const rest = buf.slice(start).trim();
    return rest === "" ? undefined : rest;
  }
}

/**
 * {@link CsvHeaderError}: a CSV body's header does not fit the API (a wrong, missing, repeated or misspelt
 * column, another separator, no header at all). A batch run stops at it instead of failing every row alike.
 *
 * @module
 */
import { BadInputError } from "../errors.ts";

/**
 * A CSV header the adapter cannot accept; the message starts with "CSV header".
 *
 * @example
 * ```ts
 * import { CsvHeaderError } from "./csv_header_error.ts";
 * const error = new CsvHeaderError('CSV header: unknown column "x"');
 * console.log(error.status, error instanceof CsvHeaderError); // 400 true
 * ```
 */
export class CsvHeaderError extends BadInputError {
  /** Makes one; the message names the columns wanted and found. */
  constructor(message: string) {
    super(message);
    this.name = "CsvHeaderError";
  }
}

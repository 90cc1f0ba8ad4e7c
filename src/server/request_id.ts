/**
 * Request ids: the `x-request-id` a client sent, when it is a sensible one (1 to 128 printable ASCII
 * characters, no spaces), else a fresh UUID. The server returns it on every response, puts it in error bodies
 * and in its access and error log lines, so a client's report can be matched to the log.
 *
 * @module
 */

/** The request header (and response header) that carries the id. */
export const REQUEST_ID_HEADER = "x-request-id";

const ACCEPTABLE = /^[\x21-\x7e]{1,128}$/;

/**
 * The id of a request: `header` (the client's `x-request-id`) when it is 1 to 128 printable ASCII characters
 * without spaces, else a new random UUID (so a hostile or broken header can never forge log lines).
 *
 * @example
 * ```ts
 * import { requestIdFor } from "./request_id.ts";
 * console.log(requestIdFor("order-17")); // order-17
 * console.log(requestIdFor("two\nlines").length); // 36
 * ```
 */
export function requestIdFor(header: string | null | undefined): string {
  return header != null && ACCEPTABLE.test(header) ? header : crypto.randomUUID();
}

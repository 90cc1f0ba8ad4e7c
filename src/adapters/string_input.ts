/**
 * The text input adapter: an item is a string, from a text body or a JSON string.
 *
 * @module
 */
import { BadInputError } from "../errors.ts";
import type { InputAdapter, JsonSchema, JsonValue } from "../sdk/adapter.ts";
import { isJsonContentType, parseJsonBytes } from "./json_input.ts";
import { charsetOf, mediaTypeOf, unsupportedMediaType } from "./multipart.ts";

/**
 * Decodes text: `text/*` bodies and bodies without a content type (UTF-8 unless the content type names another charset, e.g.
 * `text/plain; charset=iso-8859-1`) or a JSON string (`"some text"`); the batch is the list of strings.
 *
 * @example
 * ```ts
 * import { StringInput } from "./string_input.ts";
 * const input = new StringInput();
 * console.log(input.fromBytes(new TextEncoder().encode("héllo"), "text/plain")); // "héllo"
 * console.log(input.fromJson("hi")); // "hi"
 * ```
 */
export class StringInput implements InputAdapter<string> {
  /** Adapter name. */
  readonly type = "StringInput";
  /** Accepted content types. */
  readonly contentTypes: readonly string[] = ["text/plain", "application/json"];

  /** Settings recorded in bento.yaml: none. */
  config(): Record<string, JsonValue> {
    return {};
  }

  /** Takes a JSON string. */
  fromJson(value: unknown): string {
    if (typeof value !== "string") {
      const got = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
      throw new BadInputError(`expected a JSON string, got ${got}; send the text as "..." or as text/plain`);
    }
    return value;
  }

  /** Decodes a text body (or one without a content type), or a JSON string for JSON content types; other types are refused with HTTP 415. */
  fromBytes(bytes: Uint8Array, contentType: string): string {
    const type = mediaTypeOf(contentType);
    if ((type === "" || type.startsWith("text/")) && type !== "text/json") {
      const charset = charsetOf(contentType) ?? "utf-8";
      let decoder: TextDecoder;
      try {
        decoder = new TextDecoder(charset, { fatal: true });
      } catch {
        throw new BadInputError(`unknown charset "${charset}" in the content type; send UTF-8 text`, {
          status: 415,
        });
      }
      try {
        return decoder.decode(bytes);
      } catch (error) {
        throw new BadInputError(`body is not valid ${charset} text; send UTF-8 text`, { cause: error });
      }
    }
    if (isJsonContentType(contentType)) return this.fromJson(parseJsonBytes(bytes));
    throw unsupportedMediaType(this.type, contentType, this.contentTypes);
  }

  /** One result per item. */
  rows(_item: string): number {
    return 1;
  }

  /** The list of strings. */
  merge(items: readonly string[]): string[] {
    return [...items];
  }

  /** A JSON string. */
  schema(): JsonSchema {
    return { type: "string" };
  }
}

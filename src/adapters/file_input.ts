/**
 * The file input adapter: an item is the raw bytes of one file, from a body of any type, the first file of a
 * multipart form, or base64 in JSON. Also exports the base64 / data-URL decoding other adapters share.
 *
 * @module
 */
import { BadInputError } from "../errors.ts";
import type { InputAdapter, JsonSchema, JsonValue } from "../sdk/adapter.ts";
import { firstFilePart, mediaTypeOf } from "./multipart.ts";

/** Decodes standard or URL-safe base64, padded or not, ignoring whitespace. */
function decodeBase64(text: string, where: string): Uint8Array {
  const compact = text.replace(/\s+/g, "");
  const alphabet = /[-_]/.test(compact) ? "base64url" : "base64";
  try {
    return Uint8Array.fromBase64(compact, { alphabet });
  } catch (error) {
    throw new BadInputError(`${where} is not valid base64 (${(error as Error).message})`, { cause: error });
  }
}

/** Decodes a `data:` URL (base64 or percent-encoded). */
function decodeDataUrl(url: string): Uint8Array {
  const comma = url.indexOf(",");
  if (comma < 0) throw new BadInputError('data URL has no ","; expected data:<type>;base64,<data>');
  const meta = url.slice(5, comma);
  const payload = url.slice(comma + 1);
  if (/;base64$/i.test(meta)) return decodeBase64(payload, "data URL payload");
  try {
    return new TextEncoder().encode(decodeURIComponent(payload));
  } catch (error) {
    throw new BadInputError("data URL payload is not valid percent-encoding", { cause: error });
  }
}

/**
 * The bytes a JSON value carries: `{"b64": "<base64>"}` (standard or URL-safe alphabet) or a `data:` URL
 * string (`data:image/png;base64,...`).
 *
 * @param value the parsed JSON value.
 * @returns the decoded bytes.
 * @throws {BadInputError} for any other value or invalid base64.
 *
 * @example
 * ```ts
 * import { bytesFromJson } from "./file_input.ts";
 * console.log(bytesFromJson({ b64: "aGk=" })); // Uint8Array(2) [104, 105]
 * console.log(bytesFromJson("data:text/plain;base64,aGk=")); // Uint8Array(2) [104, 105]
 * ```
 */
export function bytesFromJson(value: unknown): Uint8Array {
  if (typeof value === "string" && value.slice(0, 5).toLowerCase() === "data:") return decodeDataUrl(value);
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const b64 = (value as Record<string, unknown>).b64;
    if (typeof b64 === "string") return decodeBase64(b64, '"b64"');
    if (b64 !== undefined) throw new BadInputError(`"b64" must be a base64 string, got ${typeof b64}`);
  }
  throw new BadInputError('expected {"b64": "<base64>"} or a data: URL string holding the file');
}

/**
 * Decodes files: an item is a `Uint8Array`; the batch is the list of them.
 *
 * @example
 * ```ts
 * import { FileInput } from "./file_input.ts";
 * const input = new FileInput();
 * console.log(await input.fromBytes(new Uint8Array([1, 2]), "application/octet-stream")); // Uint8Array(2) [1, 2]
 * ```
 */
export class FileInput implements InputAdapter<Uint8Array> {
  /** Adapter name. */
  readonly type = "FileInput";
  /** Accepted content types: any; multipart/form-data yields its first file part. */
  readonly contentTypes: readonly string[] = ["*/*", "multipart/form-data"];

  /** Settings recorded in bento.yaml: none. */
  config(): Record<string, JsonValue> {
    return {};
  }

  /** Takes `{"b64": "<base64>"}` or a data: URL string. */
  fromJson(value: unknown): Uint8Array {
    return bytesFromJson(value);
  }

  /** The body as is, or the first file part of a multipart/form-data body. */
  async fromBytes(bytes: Uint8Array, contentType: string): Promise<Uint8Array> {
    if (mediaTypeOf(contentType) === "multipart/form-data") return await firstFilePart(bytes, contentType);
    return bytes;
  }

  /** One result per item. */
  rows(_item: Uint8Array): number {
    return 1;
  }

  /** The list of files. */
  merge(items: readonly Uint8Array[]): Uint8Array[] {
    return [...items];
  }

  /** JSON form: `{"b64": "<base64>"}` or a data: URL. */
  schema(): JsonSchema {
    return {
      oneOf: [
        {
          type: "object",
          properties: { b64: { type: "string", contentEncoding: "base64" } },
          required: ["b64"],
        },
        { type: "string", pattern: "^data:" },
      ],
    };
  }
}

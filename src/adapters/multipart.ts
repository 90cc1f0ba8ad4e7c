/**
 * Request-body plumbing shared by the input adapters: reading a content type's media type and charset,
 * the HTTP 415 error for a type an adapter does not take, and the first file of a multipart/form-data body.
 *
 * @module
 */
import { BadInputError, oneLine } from "../errors.ts";

/**
 * The media type of a Content-Type header, lower-cased, without parameters.
 *
 * @example
 * ```ts
 * import { mediaTypeOf } from "./multipart.ts";
 * console.log(mediaTypeOf("Application/JSON; charset=utf-8")); // "application/json"
 * ```
 */
export function mediaTypeOf(contentType: string): string {
  const semi = contentType.indexOf(";");
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/**
 * The `charset` parameter of a Content-Type header, lower-cased, or undefined.
 *
 * @example
 * ```ts
 * import { charsetOf } from "./multipart.ts";
 * console.log(charsetOf('text/plain; charset="ISO-8859-1"')); // "iso-8859-1"
 * ```
 */
export function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match ? match[1].toLowerCase() : undefined;
}

/**
 * The error for a body whose content type an adapter does not take: a {@link BadInputError} with HTTP
 * status 415 that lists the accepted types.
 *
 * @example
 * ```ts
 * import { unsupportedMediaType } from "./multipart.ts";
 * const err = unsupportedMediaType("JsonInput", "text/csv", ["application/json"]);
 * console.log(err.status, err.message); // 415 JsonInput does not accept content type text/csv; send one of: application/json
 * ```
 */
export function unsupportedMediaType(
  adapter: string,
  contentType: string,
  accepted: readonly string[],
): BadInputError {
  const got = contentType.trim() === "" ? "(none)" : mediaTypeOf(contentType);
  return new BadInputError(
    `${adapter} does not accept content type ${got}; send one of: ${accepted.join(", ")}`,
    { status: 415 },
  );
}

/**
 * The bytes of the first file part of a multipart/form-data body (a part sent with a filename, as
 * `curl -F image=@cat.png` does).
 *
 * @param bytes the body.
 * @param contentType the Content-Type header, with its `boundary` parameter.
 * @returns the file's bytes.
 * @throws {BadInputError} when the body does not parse or has no file part.
 *
 * @example
 * ```ts
 * import { firstFilePart } from "./multipart.ts";
 * const form = new FormData();
 * form.append("file", new File(["hi"], "a.txt"));
 * const req = new Request("http://x/", { method: "POST", body: form });
 * const bytes = await firstFilePart(new Uint8Array(await req.arrayBuffer()), req.headers.get("content-type")!);
 * console.log(new TextDecoder().decode(bytes)); // "hi"
 * ```
 */
export async function firstFilePart(bytes: Uint8Array, contentType: string): Promise<Uint8Array> {
  let form: FormData;
  try {
    form = await new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { "content-type": contentType } })
      .formData();
  } catch (error) {
    throw new BadInputError(
      `multipart/form-data body does not parse (${
        oneLine(error instanceof Error ? error.message : String(error))
      }); ` +
        `check the boundary parameter of the content type`,
      { cause: error },
    );
  }
  for (const [, value] of form) {
    if (typeof value !== "string") return new Uint8Array(await value.arrayBuffer());
  }
  throw new BadInputError(
    "multipart/form-data body has no file part; send the file with a filename, e.g. `curl -F file=@input.png`",
  );
}

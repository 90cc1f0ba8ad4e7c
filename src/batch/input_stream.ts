/**
 * Opens a batch input (a file, or `-` for standard input) as a byte stream that counts what it has read, so
 * that progress can tell how far through a file of known size a run is.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";

/** An open input. */
export interface InputStream {
  /** The bytes. */
  readonly readable: ReadableStream<Uint8Array>;
  /** The size in bytes when known (a regular file), else undefined (stdin, a pipe). */
  readonly size: number | undefined;
  /** Bytes read so far. */
  bytesRead(): number;
  /** The input's name for messages: the path, or "stdin". */
  readonly name: string;
}

/**
 * Opens `path` (or standard input for `-`).
 *
 * @param path a file path, or "-"
 * @param name the input's name in messages (default `path`, "stdin" for "-")
 * @returns the stream
 * @throws {ObentoError} NOT_FOUND for a missing file, BAD_ARGUMENT for a directory
 *
 * @example
 * ```ts
 * import { openInputStream } from "./input_stream.ts";
 * const input = await openInputStream("rows.csv");
 * for await (const bytes of input.readable) console.log(bytes.length, input.bytesRead(), input.size);
 * ```
 */
export async function openInputStream(
  path: string,
  name: string = path === "-" ? "stdin" : path,
): Promise<InputStream> {
  let source: ReadableStream<Uint8Array>;
  let size: number | undefined;
  if (path === "-") {
    source = Deno.stdin.readable;
  } else {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new ObentoError("NOT_FOUND", `input file ${name} not found`);
      }
      throw error;
    }
    const info = await file.stat();
    if (info.isDirectory) {
      file.close();
      throw new ObentoError("BAD_ARGUMENT", `input file ${name} is a directory; give a file`);
    }
    size = info.isFile ? info.size : undefined;
    source = file.readable;
  }
  let count = 0;
  const readable = source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(bytes, controller) {
        count += bytes.length;
        controller.enqueue(bytes);
      },
    }),
  );
  return { readable, size, bytesRead: () => count, name };
}

/**
 * The stream's text (UTF-8, a leading byte-order mark dropped); invalid UTF-8 is a BAD_INPUT error naming the
 * input.
 */
export async function* inputText(input: InputStream): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  try {
    for await (const bytes of input.readable) {
      const text = decoder.decode(bytes, { stream: true });
      if (text.length > 0) yield text;
    }
    const rest = decoder.decode();
    if (rest.length > 0) yield rest;
  } catch (error) {
    if (error instanceof TypeError) {
      throw new ObentoError(
        "BAD_INPUT",
        `${input.name} is not valid UTF-8 text (near byte ${input.bytesRead()}); convert it to UTF-8`,
      );
    }
    throw error;
  }
}

/** `Deno.stat(path)`, or undefined when nothing is there. */
export async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

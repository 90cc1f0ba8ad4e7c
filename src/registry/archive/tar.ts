/**
 * A streaming tar (POSIX ustar + pax) writer and reader: only what bundle archives need. The writer turns
 * entries into a pull-driven `ReadableStream` (a file is read only when the consumer asks for more bytes);
 * the reader walks a stream entry by entry, handing each entry's bytes out in chunks, never holding more
 * than one chunk and one 512-byte block. Nothing here touches the file system or decides what is allowed:
 * `bundle_archive.ts` does.
 *
 * @module
 */
import { BadInputError } from "../../errors.ts";

/** Tar's block size. */
export const BLOCK = 512;

/** Entry types this module names; anything else is passed through as its type character. */
export type TarEntryType =
  | "file"
  | "directory"
  | "hardlink"
  | "symlink"
  | "character-device"
  | "block-device"
  | "fifo"
  | "other";

/** One entry to write: a regular file. */
export interface TarFileEntry {
  /** Path inside the archive, `/`-separated. */
  readonly path: string;
  /** Exact byte count of `body`. */
  readonly size: number;
  /** Opens the bytes (called when the entry is reached). */
  open(): Promise<ReadableStream<Uint8Array>> | ReadableStream<Uint8Array>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

function writeString(block: Uint8Array, offset: number, length: number, text: string): void {
  block.set(encoder.encode(text).subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeString(block, offset, length - 1, value.toString(8).padStart(length - 1, "0"));
}

function checksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  return sum;
}

function header(path: string, size: number, type: string): Uint8Array {
  const block = new Uint8Array(BLOCK);
  writeString(block, 0, 100, path);
  writeOctal(block, 100, 8, 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, 0);
  block[156] = type.charCodeAt(0);
  writeString(block, 257, 6, "ustar");
  writeString(block, 263, 2, "00");
  const sum = checksum(block);
  writeString(block, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + encoder.encode(body).length !== length) {
    length = String(length).length + encoder.encode(body).length;
  }
  return `${length}${body}`;
}

const MAX_USTAR_SIZE = 8 ** 11 - 1;

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** The headers for one file: a pax header first when the path or size does not fit ustar. */
function headersFor(path: string, size: number): Uint8Array[] {
  const records = (encoder.encode(path).length > 100 ? paxRecord("path", path) : "") +
    (size > MAX_USTAR_SIZE ? paxRecord("size", String(size)) : "");
  if (records === "") return [header(path, size, "0")];
  const bytes = encoder.encode(records);
  const pax = new Uint8Array(bytes.length + padding(bytes.length));
  pax.set(bytes);
  return [
    header("PaxHeader", bytes.length, "x"),
    pax,
    header(path.slice(0, 100), Math.min(size, MAX_USTAR_SIZE), "0"),
  ];
}

/** The exact size of the archive {@link writeTar} makes of files with these paths and sizes. */
export function tarSize(entries: readonly { path: string; size: number }[]): number {
  let total = 2 * BLOCK;
  for (const e of entries) {
    total += headersFor(e.path, e.size).reduce((n, b) => n + b.length, 0) + e.size + padding(e.size);
  }
  return total;
}

/**
 * Streams `entries` as a tar archive. Each file is opened when the consumer reaches it; a body that yields
 * more or fewer bytes than its declared size fails the stream.
 *
 * @example
 * ```ts
 * import { writeTar } from "./tar.ts";
 * const bytes = new TextEncoder().encode("hello");
 * const stream = writeTar([{ path: "a.txt", size: 5, open: () => ReadableStream.from([bytes]) }]);
 * console.log((await new Response(stream).arrayBuffer()).byteLength); // 2048
 * ```
 */
export function writeTar(
  entries: Iterable<TarFileEntry> | AsyncIterable<TarFileEntry>,
): ReadableStream<Uint8Array> {
  async function* generate(): AsyncGenerator<Uint8Array> {
    for await (const entry of entries) {
      for (const h of headersFor(entry.path, entry.size)) yield h;
      let written = 0;
      for await (const chunk of await entry.open()) {
        written += chunk.length;
        if (written > entry.size) {
          throw new Error(`${entry.path} grew while being archived (more than ${entry.size} bytes)`);
        }
        yield chunk;
      }
      if (written !== entry.size) {
        throw new Error(
          `${entry.path} changed size while being archived (${written} of ${entry.size} bytes)`,
        );
      }
      const pad = padding(entry.size);
      if (pad > 0) yield new Uint8Array(pad);
    }
    yield new Uint8Array(2 * BLOCK);
  }
  return ReadableStream.from(generate());
}

/** An entry read from an archive. */
export interface TarEntry {
  /** Path as written (pax `path` when present), not yet checked. */
  readonly path: string;
  /** What it is. */
  readonly type: TarEntryType;
  /** The raw type character, for messages. */
  readonly typeFlag: string;
  /** Declared size in bytes. */
  readonly size: number;
  /** The link target, for links. */
  readonly linkTarget: string;
  /** The entry's bytes in chunks; read them before asking for the next entry (or they are skipped). */
  body(): AsyncGenerator<Uint8Array>;
}

const TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "5": "directory",
  "1": "hardlink",
  "2": "symlink",
  "3": "character-device",
  "4": "block-device",
  "6": "fifo",
};

/** Pulls exact byte counts out of a stream of chunks of any size. */
class ByteSource {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #chunk: Uint8Array = new Uint8Array(0);
  #offset = 0;
  /** Bytes consumed so far. */
  position = 0;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  async #fill(): Promise<boolean> {
    while (this.#offset >= this.#chunk.length) {
      const { done, value } = await this.#reader.read();
      if (done) return false;
      this.#chunk = value;
      this.#offset = 0;
    }
    return true;
  }

  /** Exactly `n` bytes, or fewer when the stream ends first. */
  async read(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n && await this.#fill()) {
      const take = Math.min(n - got, this.#chunk.length - this.#offset);
      out.set(this.#chunk.subarray(this.#offset, this.#offset + take), got);
      this.#offset += take;
      got += take;
    }
    this.position += got;
    return got === n ? out : out.subarray(0, got);
  }

  /** Yields the next `n` bytes as they come (views into the stream's chunks); throws when it ends first. */
  async *take(n: number, what: string): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (!(await this.#fill())) throw truncated(`${what} (${n - left} of ${n} bytes)`, this.position);
      const take = Math.min(left, this.#chunk.length - this.#offset);
      const view = this.#chunk.subarray(this.#offset, this.#offset + take);
      this.#offset += take;
      this.position += take;
      left -= take;
      yield view;
    }
  }

  cancel(): Promise<void> {
    return this.#reader.cancel().catch(() => {});
  }
}

function truncated(what: string, at: number): BadInputError {
  return new BadInputError(`the archive is truncated: it ended inside ${what} at byte ${at}; send it again`);
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

function readOctal(block: Uint8Array, offset: number, length: number, at: number): number {
  const text = readString(block, offset, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) {
    throw new BadInputError(`not a tar archive: a header at byte ${at} has a malformed number field`);
  }
  return parseInt(text, 8);
}

function parsePax(bytes: Uint8Array, at: number): Map<string, string> {
  const text = decoder.decode(bytes);
  const out = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    const m = /^(\d+) ([^=]+)=/.exec(text.slice(i));
    if (!m) throw new BadInputError(`not a tar archive: a malformed pax header at byte ${at}`);
    const length = Number(m[1]);
    const record = text.slice(i, i + length);
    if (length <= m[0].length || !record.endsWith("\n")) {
      throw new BadInputError(`not a tar archive: a malformed pax record at byte ${at}`);
    }
    out.set(m[2], record.slice(m[0].length, -1));
    i += length;
  }
  return out;
}

/** Options for {@link readTar}. */
export interface ReadTarOptions {
  /** The most bytes a pax extended header may have. Default 64 KiB. */
  maxPaxBytes?: number;
}

/**
 * Walks a tar stream. Checks every header's checksum (an upload that is not tar fails on its first block),
 * applies pax `path`/`size` records, and requires the end-of-archive marker: a stream that ends early fails
 * with "truncated". Read each entry's {@link TarEntry.body} before moving on; unread bytes are skipped.
 *
 * @throws {BadInputError} for a stream that is not tar or is truncated
 *
 * @example
 * ```ts
 * import { readTar, writeTar } from "./tar.ts";
 * const bytes = new TextEncoder().encode("hello");
 * for await (const entry of readTar(writeTar([{ path: "a.txt", size: 5, open: () => ReadableStream.from([bytes]) }]))) {
 *   console.log(entry.path, entry.type, entry.size); // a.txt file 5
 * }
 * ```
 */
export async function* readTar(
  stream: ReadableStream<Uint8Array>,
  options: ReadTarOptions = {},
): AsyncGenerator<TarEntry> {
  const source = new ByteSource(stream);
  const maxPax = options.maxPaxBytes ?? 64 * 1024;
  let pax = new Map<string, string>();
  let pending: AsyncGenerator<Uint8Array> | undefined;
  try {
    for (;;) {
      if (pending) { for await (const _ of pending); // skip what the consumer left unread
       }
      pending = undefined;
      const at = source.position;
      const block = await source.read(BLOCK);
      if (block.length === 0 && at === 0) throw new BadInputError("not a tar archive: the upload is empty");
      if (block.length < BLOCK && at === 0) {
        throw new BadInputError(`not a tar archive: it has ${block.length} bytes, less than one tar header`);
      }
      if (block.length < BLOCK) throw truncated("a header", source.position);
      if (block.every((b) => b === 0)) {
        const second = await source.read(BLOCK);
        if (second.length < BLOCK) throw truncated("the end-of-archive marker", source.position);
        return;
      }
      const storedText = readString(block, 148, 8).trim();
      if (!/^[0-7]+$/.test(storedText) || parseInt(storedText, 8) !== checksum(block)) {
        throw new BadInputError(
          at === 0
            ? "not a tar archive (the first header's checksum does not match); upload what `obento push` sends"
            : `the archive is damaged: the header at byte ${at} has a wrong checksum`,
        );
      }
      const typeFlag = String.fromCharCode(block[156]);
      let size = readOctal(block, 124, 12, at);
      const prefix = readString(block, 257, 6) === "ustar" ? readString(block, 345, 155) : "";
      let path = prefix === "" ? readString(block, 0, 100) : `${prefix}/${readString(block, 0, 100)}`;
      if (typeFlag === "x" || typeFlag === "g") {
        if (size > maxPax) {
          throw new BadInputError(
            `the archive has a ${size}-byte pax header at byte ${at}; at most ${maxPax}`,
          );
        }
        const body = await source.read(size + padding(size));
        if (body.length < size + padding(size)) throw truncated("a pax header", source.position);
        if (typeFlag === "x") pax = parsePax(body.subarray(0, size), at);
        continue;
      }
      if (pax.has("path")) path = pax.get("path")!;
      if (pax.has("size")) {
        const s = pax.get("size")!;
        if (!/^\d+$/.test(s)) throw new BadInputError(`the archive has a malformed pax size at byte ${at}`);
        size = Number(s);
      }
      pax = new Map();
      const type = TYPES[typeFlag] ?? "other";
      const linkTarget = readString(block, 157, 100);
      const dataSize = type === "file" || type === "other" ? size : 0;
      const what = `the entry ${JSON.stringify(path)}`;
      const body = (async function* () {
        yield* source.take(dataSize, what);
        for await (const _ of source.take(padding(dataSize), what));
      })();
      pending = body;
      yield { path, type, typeFlag, size, linkTarget, body: () => body };
    }
  } finally {
    await source.cancel();
  }
}

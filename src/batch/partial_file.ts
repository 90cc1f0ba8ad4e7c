/**
 * {@link PartialFile}: an output being written at `<path>.partial`, appended to, synced to disk at checkpoints,
 * cut back to a checkpointed length on `--resume`, and renamed to `<path>` when complete.
 *
 * @module
 */
import { type OptionNamer, sdkOptionName } from "../option_name.ts";
import { ObentoError } from "../errors.ts";

/** The `.partial` name of an output path. */
export function partialPath(path: string): string {
  return `${path}.partial`;
}

/**
 * An output file in progress.
 *
 * @example
 * ```ts
 * import { PartialFile } from "./partial_file.ts";
 * const out = await PartialFile.open("/tmp/out.csv");
 * await out.write(new TextEncoder().encode("a\n1\n"));
 * await out.sync();
 * await out.commit(); // /tmp/out.csv.partial → /tmp/out.csv
 * ```
 */
export class PartialFile {
  /** The final path. */
  readonly path: string;
  readonly #file: Deno.FsFile;
  readonly #optionName: OptionNamer;
  #bytes: number;

  private constructor(path: string, file: Deno.FsFile, bytes: number, optionName: OptionNamer) {
    this.path = path;
    this.#file = file;
    this.#bytes = bytes;
    this.#optionName = optionName;
  }

  /**
   * Opens `<path>.partial`: empty (created or truncated), or, with `resumeAt`, cut to that many bytes.
   * `optionName` names the job's `resume` option in messages (src/option_name.ts; default as it is).
   *
   * @throws {ObentoError} CONFLICT when resuming and the partial file is shorter than `resumeAt`
   */
  static async open(
    path: string,
    resumeAt?: number,
    optionName: OptionNamer = sdkOptionName,
  ): Promise<PartialFile> {
    const partial = partialPath(path);
    if (resumeAt === undefined) {
      const file = await Deno.open(partial, { write: true, create: true, truncate: true });
      return new PartialFile(path, file, 0, optionName);
    }
    const resume = optionName("resume");
    let file: Deno.FsFile;
    try {
      file = await Deno.open(partial, { read: true, write: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new ObentoError(
          "CONFLICT",
          `${partial} is missing, so the run cannot resume; run again without ${resume}`,
        );
      }
      throw error;
    }
    const size = (await file.stat()).size;
    if (size < resumeAt) {
      file.close();
      throw new ObentoError(
        "CONFLICT",
        `${partial} holds ${size} bytes, fewer than the ${resumeAt} its checkpoint recorded; run again ` +
          `without ${resume}`,
      );
    }
    await file.truncate(resumeAt);
    await file.seek(resumeAt, Deno.SeekMode.Start);
    return new PartialFile(path, file, resumeAt, optionName);
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Appends `bytes`.
   *
   * @throws {ObentoError} UNAVAILABLE when the write fails (a full disk), naming the file
   */
  async write(bytes: Uint8Array): Promise<void> {
    try {
      let done = 0;
      while (done < bytes.length) done += await this.#file.write(bytes.subarray(done));
    } catch (error) {
      throw new ObentoError(
        "UNAVAILABLE",
        `cannot write ${partialPath(this.path)}: ${
          (error as Error).message
        }; free some space and run the same ` +
          `command with ${this.#optionName("resume")} to continue from the last checkpoint`,
        { cause: error },
      );
    }
    this.#bytes += bytes.length;
  }

  /** Waits until the bytes written are on disk. */
  async sync(): Promise<void> {
    await this.#file.syncData();
  }

  /** Syncs, closes, and renames `<path>.partial` to `<path>`. */
  async commit(): Promise<void> {
    await this.sync();
    this.#file.close();
    await Deno.rename(partialPath(this.path), this.path);
  }

  /** Closes without renaming (the run stopped). */
  close(): void {
    try {
      this.#file.close();
    } catch {
      // already closed
    }
  }
}

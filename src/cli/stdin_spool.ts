/**
 * `obento run --input-file -` in the sandbox: standard input is copied to a private temporary file, which the
 * bundle's worker reads as it reads any input file (src/cli/run_sandboxed.ts). A pipe can be read once; the
 * copy can be read again, so a worker that replaced a stopped one starts the job again from the copy, as
 * it does from a file. The copy costs disk space as large as the input (docs/batch.md, "Standard input").
 *
 * The file is made with `Deno.makeTempFile` (mode 0600: the user's alone) in the folder given (the CLI gives
 * `$TMPDIR`), else the system's temporary folder; the worker is granted read access to that one file. The
 * caller removes it on every way out ({@link StdinSpool.remove} in a `finally`).
 *
 * @module
 */
import { ObentoError } from "../errors.ts";

/** Options for {@link StdinSpool.create}. */
export interface StdinSpoolOptions {
  /** The folder of the copy; default the system's temporary folder. */
  dir?: string;
}

/** A private temporary file that holds a copy of standard input. */
export class StdinSpool {
  /** The copy's path. */
  readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }

  /**
   * Makes the (empty) file, mode 0600.
   *
   * @throws {ObentoError} UNAVAILABLE when the folder is missing or not writable, naming it
   *
   * @example
   * ```ts
   * import { StdinSpool } from "./stdin_spool.ts";
   * const spool = await StdinSpool.create();
   * try {
   *   await spool.fill(ReadableStream.from([new TextEncoder().encode("[1, 2]")]));
   *   console.log(await Deno.readTextFile(spool.path)); // [1, 2]
   * } finally {
   *   await spool.remove();
   * }
   * ```
   */
  static async create(options: StdinSpoolOptions = {}): Promise<StdinSpool> {
    try {
      return new StdinSpool(await Deno.makeTempFile({ dir: options.dir, prefix: "obento-stdin-" }));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied)) {
        throw error;
      }
      throw new ObentoError(
        "UNAVAILABLE",
        `cannot copy stdin to a temporary file in ${options.dir ?? "the system's temporary folder"}: ` +
          `${error.message}; set TMPDIR to a folder that exists and is writable`,
        { cause: error },
      );
    }
  }

  /**
   * Copies `readable` to the file, to its end.
   *
   * @param readable standard input (`Deno.stdin.readable`)
   * @param signal stops the copy (SIGINT); the promise then rejects with the signal's reason
   * @throws what reading or writing throws (a full disk)
   */
  async fill(readable: ReadableStream<Uint8Array>, signal?: AbortSignal): Promise<void> {
    const file = await Deno.open(this.path, { write: true, truncate: true });
    await readable.pipeTo(file.writable, { signal });
  }

  /** Removes the file; nothing when it is gone already. */
  async remove(): Promise<void> {
    await Deno.remove(this.path).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

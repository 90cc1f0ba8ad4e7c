/**
 * The checkpoint of a batch run, `<output>.obento-resume.json`: what run it belongs to (bundle, API, flags
 * that change the output, the input's identity), how many input records are done, and the byte lengths of
 * the output and errors files at that point. It is replaced atomically, and only after those bytes are synced.
 *
 * @module
 */
import type { JsonValue } from "../sdk/adapter.ts";

/** A checkpoint. */
export interface Checkpoint {
  /** Format version (1). */
  version: 1;
  /** The run: bundle, API, output-changing flags and the input's identity; `--resume` needs the same. */
  run: JsonValue;
  /** Input records consumed (the next record's number). */
  position: number;
  /** Records that went through, in all. */
  rows: number;
  /** Records that failed, in all. */
  failed: number;
  /** Bytes of the output at this point. */
  outputBytes: number;
  /** Bytes of the errors file at this point (0 without one). */
  errorsBytes: number;
  /** The output format's state (the CSV header, say). */
  sink: JsonValue;
  /** True once every record is written and only the renames are left. */
  complete: boolean;
}

/** The checkpoint path of an output path. */
export function checkpointPath(output: string): string {
  return `${output}.obento-resume.json`;
}

/** Reads a checkpoint, or undefined when there is none (or it is unreadable, as after a torn write). */
export async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  try {
    const value = JSON.parse(await Deno.readTextFile(path));
    return value?.version === 1 ? value as Checkpoint : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/**
 * Writes a checkpoint atomically (a temporary file, synced, then renamed over the old one).
 *
 * @example
 * ```ts
 * import { writeCheckpoint } from "./checkpoint.ts";
 * await writeCheckpoint("/tmp/out.csv.obento-resume.json", { version: 1, run: {}, position: 4096, rows: 4096, failed: 0, outputBytes: 40960, errorsBytes: 0, sink: null, complete: false });
 * ```
 */
export async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const tmp = `${path}.tmp`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    await file.write(new TextEncoder().encode(JSON.stringify(checkpoint) + "\n"));
    await file.syncData();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, path);
}

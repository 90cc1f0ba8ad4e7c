/**
 * What runs a batch job's chunks: {@link ChunkRunner}. On the job's own thread it is a loaded service
 * ({@link serviceRunner}), and in `obento run`'s worker the job's engine runs over one (src/batch/job_engine.ts,
 * src/batch/chunk_items.ts). Results come in their JSON form.
 *
 * @module
 */
import type { LoadedService } from "../runtime/loaded_service.ts";
import type { AdapterShape, RecordChunk, RecordResult } from "./chunk.ts";
import { runChunk } from "./run_chunk.ts";
import { toJsonResults } from "./sink.ts";

/** Runs chunks of records through one API. */
export interface ChunkRunner {
  /** The API's input adapter, as reading the input needs it. */
  readonly input: AdapterShape;
  /**
   * One result per record of `chunk`, in order, each value in its JSON-safe form (`output.toJson`).
   * Record-level failures are results; it throws only for what no record can get past (an unusable
   * service, a `JobInputError`).
   */
  run(chunk: RecordChunk, signal?: AbortSignal): Promise<RecordResult[]>;
}

/**
 * A {@link ChunkRunner} over a service loaded on this thread.
 *
 * @throws {ObentoError} NOT_FOUND when the service has no API `api`
 *
 * @example
 * ```ts ignore
 * import { serviceRunner } from "./chunk_runner.ts";
 * const runner = serviceRunner(service, "predict");
 * console.log(runner.input.rowwise);
 * ```
 */
export function serviceRunner(service: LoadedService, api: string): ChunkRunner {
  const input = service.api(api).input;
  const output = service.output(api);
  return {
    input,
    run: async (chunk, signal) => toJsonResults(await runChunk(service, api, chunk, { signal }), output),
  };
}

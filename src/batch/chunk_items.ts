/**
 * The worker's half of `obento run`'s sandboxed runs: a model worker opened for chunks (src/worker/worker_main.ts,
 * `items: "chunks"`) answers its items here instead of as HTTP request bodies. An item of type
 * {@link CHUNK_TYPE} is a chunk (src/batch/chunk_wire.ts): it is run through the API on this thread's loaded
 * service and answered with its results; one of type {@link DESCRIBE_TYPE} is answered with the API's
 * {@link ApiDescription}.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { RawItem, RawOutcome } from "../runtime/executor.ts";
import type { LoadedService } from "../runtime/loaded_service.ts";
import { serviceRunner } from "./chunk_runner.ts";
import {
  type ApiDescription,
  CHUNK_TYPE,
  chunkFromBytes,
  DESCRIBE_TYPE,
  resultsToBytes,
  toBytes,
} from "./chunk_wire.ts";

function answer(body: Uint8Array): RawOutcome {
  return { status: 200, body, contentType: CHUNK_TYPE, headers: {} };
}

/**
 * Answers chunk and describe items for API `api` of `service`.
 *
 * @throws {ObentoError} NOT_FOUND for an unknown API; what the chunk's run throws (a `JobInputError`);
 *   INTERNAL for an item of another type
 */
export async function runChunkItems(
  service: LoadedService,
  api: string,
  items: readonly RawItem[],
): Promise<RawOutcome[]> {
  const runner = serviceRunner(service, api);
  const outcomes: RawOutcome[] = [];
  for (const item of items) {
    if (item.contentType === DESCRIBE_TYPE) {
      const description: ApiDescription = {
        name: service.name,
        version: service.version,
        rowwise: runner.input.rowwise === true,
        config: runner.input.config(),
      };
      outcomes.push(answer(toBytes(description)));
    } else if (item.contentType === CHUNK_TYPE) {
      outcomes.push(answer(resultsToBytes(await runner.run(chunkFromBytes(item.body)))));
    } else {
      throw new ObentoError("INTERNAL", `a run worker was sent an item of type ${item.contentType}`);
    }
  }
  return outcomes;
}

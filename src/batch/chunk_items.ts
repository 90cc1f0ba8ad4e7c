/**
 * The worker's half of `obento run`'s sandboxed runs: a model worker opened for chunks (src/worker/worker_main.ts,
 * `items: "chunks"`) answers its items here instead of as HTTP request bodies. An item of type
 * {@link JOB_TYPE} is one step of the job, which runs here (src/batch/report_wire.ts): the first step opens
 * the input (a file, folder or glob, `--input`'s text, or the CLI's copy of stdin) and starts the job's engine
 * (src/batch/job_engine.ts), each step is answered with its next report (one chunk read, run and encoded).
 * One of type {@link DESCRIBE_TYPE} is answered with the service's {@link ApiDescription}.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { RawItem, RawOutcome } from "../runtime/executor.ts";
import type { LoadedService } from "../runtime/loaded_service.ts";
import { serviceRunner } from "./chunk_runner.ts";
import { type JobReport, localEngine } from "./job_engine.ts";
import { inlineSource } from "./inline_source.ts";
import {
  type ApiDescription,
  DESCRIBE_TYPE,
  descriptionToBytes,
  JOB_TYPE,
  type JobStart,
  reportToBytes,
  STALE_STATUS,
  stepFromBytes,
} from "./report_wire.ts";
import { openSource } from "./source.ts";
import type { BatchSource, InputFormat } from "./source_types.ts";

/** The job this worker runs, by epoch. */
interface RunningJob {
  epoch: number;
  reports: AsyncIterator<JobReport>;
}

/** What answers a worker's items: {@link chunkItems} makes one per worker. */
export type ChunkItemsRunner = (
  service: LoadedService,
  api: string,
  items: readonly RawItem[],
) => Promise<RawOutcome[]>;

async function openJobInput(start: JobStart): Promise<BatchSource> {
  const input = start.input;
  if ("inline" in input) return inlineSource(input.inline, "--input");
  const format = input.format as InputFormat | undefined;
  return await openSource({ path: input.path, format, name: input.name }, input.cwd);
}

/**
 * A runner of a worker's job and describe items; it keeps the job (at most one) between items.
 *
 * @example
 * ```ts ignore
 * import { chunkItems } from "./chunk_items.ts";
 * const runItems = chunkItems();
 * const outcomes = await runItems(service, "predict", items);
 * ```
 */
export function chunkItems(): ChunkItemsRunner {
  let job: RunningJob | undefined;
  const step = async (service: LoadedService, api: string, body: Uint8Array): Promise<RawOutcome> => {
    const { epoch, start } = stepFromBytes(body);
    if (start !== undefined) {
      await job?.reports.return?.();
      job = undefined;
      const source = await openJobInput(start);
      const engine = localEngine(serviceRunner(service, api), source);
      job = { epoch, reports: engine(start.options, start.start)[Symbol.asyncIterator]() };
    }
    if (job === undefined || job.epoch !== epoch) {
      return { status: STALE_STATUS, body: new Uint8Array(), contentType: JOB_TYPE, headers: {} };
    }
    try {
      const next = await job.reports.next();
      if (next.done) throw new ObentoError("INTERNAL", "the job was asked for a report after its end");
      if (next.value.kind === "end") job = undefined;
      return { status: 200, body: reportToBytes(next.value), contentType: JOB_TYPE, headers: {} };
    } catch (error) {
      job = undefined;
      throw error;
    }
  };
  const describe = (service: LoadedService, api: string): RawOutcome => {
    service.api(api); // NOT_FOUND for an unknown API, before the job starts
    const description: ApiDescription = { name: service.name, version: service.version };
    return { status: 200, body: descriptionToBytes(description), contentType: DESCRIBE_TYPE, headers: {} };
  };
  return async (service, api, items) => {
    const outcomes: RawOutcome[] = [];
    for (const item of items) {
      if (item.contentType === JOB_TYPE) outcomes.push(await step(service, api, item.body));
      else if (item.contentType === DESCRIBE_TYPE) outcomes.push(describe(service, api));
      else throw new ObentoError("INTERNAL", `a run worker was sent an item of type ${item.contentType}`);
    }
    return outcomes;
  };
}

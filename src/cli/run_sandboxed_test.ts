import assert from "node:assert/strict";
import { join } from "node:path";
import { JsonInput } from "../adapters/json_input.ts";
import { JsonOutput } from "../adapters/json_output.ts";
import { WasmBackend } from "../backends/ort_web.ts";
import { chunkItems } from "../batch/chunk_items.ts";
import type { RecordResult } from "../batch/chunk.ts";
import { type ChunkRunner, serviceRunner } from "../batch/chunk_runner.ts";
import { type JobWork, runJob } from "../batch/job.ts";
import { Progress } from "../batch/progress.ts";
import type { OutputFormat } from "../batch/sink.ts";
import { openSource } from "../batch/source.ts";
import { errorOutcome, type Executor, type RawItem, type RawOutcome } from "../runtime/executor.ts";
import type { LoadedService } from "../runtime/loaded_service.ts";
import { loadService } from "../runtime/load.ts";
import { defineService } from "../sdk/service.ts";
import { workerEngine } from "./run_sandboxed.ts";

const STOPPED = 'model worker 0 ran API "double" for more than 10 ms (--timeout); it was stopped';

async function doubler(): Promise<LoadedService> {
  const svc = defineService({ name: "Doubler" }).api("double", { input: new JsonInput() }, (item) => {
    return { n2: (item as { n: number }).n * 2 };
  });
  return await loadService(svc, {
    artifacts: {},
    backend: new WasmBackend(),
    defaultOutput: new JsonOutput(),
  });
}

/**
 * A one-worker pool on this thread: job steps go to a `chunkItems` runner as in the worker; the `stopAt`-th
 * step (1-based) is answered as the pool answers a stopped worker's batch (504), and the "worker" is replaced
 * by a fresh runner that knows no job.
 */
function fakePool(service: LoadedService, stopAt: number): Executor {
  let runner = chunkItems();
  let steps = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const step = async (api: string, items: readonly RawItem[]): Promise<RawOutcome[]> => {
    steps++;
    if (steps === stopAt) {
      runner = chunkItems();
      return items.map(() => errorOutcome(504, STOPPED));
    }
    return await runner(service, api, items);
  };
  return {
    concurrency: 1,
    // One step at a time, in order, as the pool gives its one worker.
    run: (api, items) => {
      const done = queue.then(() => step(api, items));
      queue = done.catch(() => {});
      return done;
    },
    close: () => Promise.resolve(),
  };
}

/** A runner that fails the chunk ending at `position` as the stopped worker's chunk fails. */
function failingAt(runner: ChunkRunner, position: number): ChunkRunner {
  return {
    input: runner.input,
    run: (chunk, signal): Promise<RecordResult[]> =>
      chunk.position === position
        ? Promise.resolve(chunk.rows.map(() => ({ ok: false, status: 504, message: STOPPED })))
        : runner.run(chunk, signal),
  };
}

async function runTo(
  dir: string,
  format: OutputFormat,
  name: string,
  work: JobWork,
): Promise<{ bytes: Uint8Array; errors: string; failed: number }> {
  const output = join(dir, `${name}.${format}`);
  const result = await runJob({
    ...work,
    source: await openSource({ path: "in.jsonl" }, dir),
    format,
    outputPath: output,
    errorsPath: join(dir, `${name}.errors.csv`),
    maxErrors: 100,
    writeStdout: () => {},
    batchSize: 3,
    checkpointIntervalMs: 0,
    progress: new Progress({ write: () => {}, mode: "off" }),
    fingerprint: { name },
  });
  return {
    bytes: await Deno.readFile(output),
    errors: await Deno.readTextFile(join(dir, `${name}.errors.csv`)),
    failed: result.failed,
  };
}

Deno.test("the worker's job restarts after a stopped chunk: that chunk fails, the output is otherwise whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-worker-engine-" });
  const service = await doubler();
  try {
    const lines = Array.from({ length: 10 }, (_, n) => JSON.stringify({ n })).join("\n") + "\n";
    await Deno.writeTextFile(join(dir, "in.jsonl"), lines);
    const local = serviceRunner(service, "double");
    // Steps: 1 begin, 2 records 1-3, 3 records 4-6 (stopped), then the new worker's job goes on from record 7.
    for (const format of ["csv", "jsonl", "json", "parquet"] as const) {
      const pool = fakePool(service, 3);
      const input = { path: "in.jsonl", cwd: dir };
      const got = await runTo(dir, format, "worker", { engine: workerEngine(pool, "double", input) });
      const want = await runTo(dir, format, "local", { runner: failingAt(local, 6) });
      assert.equal(got.failed, 3, format);
      assert.deepEqual(got.bytes, want.bytes, format);
      assert.equal(got.errors, want.errors, format);
      assert.match(got.errors, /^row,status,message\n4,504,"model worker 0 .*\n5,504,.*\n6,504,.*\n$/);
    }
    const csv = await Deno.readTextFile(join(dir, "worker.csv"));
    assert.equal(csv, "n2\n0\n2\n4\n12\n14\n16\n18\n");
  } finally {
    await service.close();
    await Deno.remove(dir, { recursive: true });
  }
});

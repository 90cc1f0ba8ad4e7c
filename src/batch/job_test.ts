import assert from "node:assert/strict";
import { join } from "node:path";
import { JsonInput } from "../adapters/json_input.ts";
import { JsonOutput } from "../adapters/json_output.ts";
import { WasmBackend } from "../backends/ort_web.ts";
import { loadService } from "../runtime/load.ts";
import { defineService } from "../sdk/service.ts";
import { memoryInput } from "./_memory_input.ts";
import { checkpointPath, readCheckpoint } from "./checkpoint.ts";
import { jsonlChunks } from "./jsonl_source.ts";
import { type BatchJobOptions, type JobWork, runJob } from "./job.ts";
import { serviceRunner } from "./chunk_runner.ts";
import { Progress } from "./progress.ts";
import type { BatchSource } from "./source_types.ts";

const LINES = Array.from({ length: 10 }, (_, i) => JSON.stringify({ n: i })).join("\n") + "\n";

/** A JSON lines source over LINES, with a fixed identity (as a file's would be). */
function source(): BatchSource {
  return {
    name: "rows.jsonl",
    single: false,
    total: { bytes: LINES.length },
    identity: () => Promise.resolve({ path: "rows.jsonl", size: LINES.length }),
    chunks: (options) => jsonlChunks(memoryInput(LINES, "rows.jsonl"), options),
  };
}

/** A service whose API doubles `n` and records what it saw; `stopAt` aborts the run when it sees that n. */
async function service(seen: number[], stop?: { at: number; controller: AbortController }) {
  const svc = defineService({ name: "Doubler" }).api("double", { input: new JsonInput() }, (item) => {
    const n = (item as { n: number }).n;
    seen.push(n);
    if (stop && n === stop.at) stop.controller.abort();
    return { n2: n * 2 };
  });
  return await loadService(svc, {
    artifacts: {},
    backend: new WasmBackend(),
    defaultOutput: new JsonOutput(),
  });
}

function options(outputPath: string, svc: Awaited<ReturnType<typeof service>>): BatchJobOptions & JobWork {
  return {
    runner: serviceRunner(svc, "double"),
    source: source(),
    format: "csv",
    outputPath,
    writeStdout: () => {
      throw new Error("nothing goes to stdout with an output path");
    },
    batchSize: 3,
    concurrency: 1,
    checkpointIntervalMs: 60_000,
    progress: new Progress({ write: () => {}, mode: "off" }),
    fingerprint: { bundle: "Doubler", api: "double" },
  };
}

Deno.test("an interrupted run leaves a checkpoint; --resume continues after it and the output is whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "out.csv");
    const seen1: number[] = [];
    const controller = new AbortController();
    const first = await runJob({
      ...options(out, await service(seen1, { at: 4, controller })),
      signal: controller.signal,
    });
    assert.equal(first.outcome, "interrupted");
    assert.deepEqual(seen1, [0, 1, 2, 3, 4, 5]); // the chunk in flight (3..5) finishes
    const checkpoint = await readCheckpoint(checkpointPath(out));
    assert.equal(checkpoint?.position, 6);
    assert.equal(checkpoint?.complete, false);

    const seen2: number[] = [];
    const second = await runJob({ ...options(out, await service(seen2)), resume: true });
    assert.equal(second.outcome, "complete");
    assert.equal(second.resumedAt, 6);
    assert.deepEqual(seen2, [6, 7, 8, 9]);
    assert.equal(second.rows, 10);
    const expected = "n2\n" + Array.from({ length: 10 }, (_, i) => `${i * 2}\n`).join("");
    assert.equal(await Deno.readTextFile(out), expected);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["out.csv"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--resume refuses a checkpoint of another run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "out.csv");
    const controller = new AbortController();
    await runJob({ ...options(out, await service([], { at: 0, controller })), signal: controller.signal });
    const other = { ...options(out, await service([])), resume: true, fingerprint: { bundle: "Other" } };
    await assert.rejects(runJob(other), { code: "CONFLICT", message: /belongs to another run/ });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { JsonInput } from "../adapters/json_input.ts";
import { JsonOutput } from "../adapters/json_output.ts";
import { WasmBackend } from "../backends/ort_web.ts";
import { serviceRunner } from "../batch/chunk_runner.ts";
import { runJob } from "../batch/job.ts";
import { Progress } from "../batch/progress.ts";
import { parseShard } from "../batch/shard.ts";
import { zeroCodeServiceSource } from "../bundle/zero_code.ts";
import { BadInputError, messageOf, ObentoError } from "../errors.ts";
import type { OptionNamer } from "../option_name.ts";
import { parseS3Url } from "../registry/s3_url.ts";
import { targetDirExists } from "../registry/target_dir.ts";
import { loadService } from "../runtime/load.ts";
import { defineService } from "../sdk/service.ts";
import { Batcher } from "../server/batcher.ts";
import { BodyBudget } from "../server/body_budget.ts";
import { BodyReader } from "../server/body_reader.ts";
import { errorReport } from "./error_report.ts";
import { cliMessage, flagName, jobFlagName, OPTION_FLAGS } from "./option_flags.ts";
import { runCommand } from "./run.ts";
import { serveCommand } from "./serve.ts";

Deno.test("a library error names the option; the CLI reports it under the flag", () => {
  let error: unknown;
  try {
    new Batcher({ run: (xs: number[]) => Promise.resolve(xs), maxBatchSize: 0 });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ObentoError);
  assert.equal(error.message, "maxBatchSize must be a whole number ≥ 1, got 0");
  assert.equal(error.option, "maxBatchSize");
  assert.deepEqual(errorReport(error, false), {
    text: "error: --mb-max-batch-size must be a whole number ≥ 1, got 0\n",
    exitCode: 64,
  });
});

Deno.test("only the option's own word is replaced; errors without a known option are left alone", () => {
  const keep = new BadInputError('keepColumns: a.csv has no column "keepColumnsX"', {
    option: "keepColumns",
  });
  assert.equal(cliMessage(keep), '--keep-columns: a.csv has no column "keepColumnsX"');
  const format = new ObentoError("BAD_ARGUMENT", "format files needs a file or folder, not stdin", {
    option: "format",
  });
  assert.equal(cliMessage(format), "--input-format files needs a file or folder, not stdin");
  assert.equal(
    cliMessage(new ObentoError("BAD_ARGUMENT", "gatherMs bad", { option: "gatherMs" })),
    "gatherMs bad",
  );
  assert.equal(cliMessage(new ObentoError("NOT_FOUND", "maxQueue")), "maxQueue");
  for (const flag of Object.values(OPTION_FLAGS)) assert.match(flag, /^--[a-z][a-z-]*$/);
});

Deno.test("messages made in the library name options by default and the CLI's flags with its namer", async () => {
  // The server's HTTP messages: a body too large, a deadline already passed.
  const tooLarge = async (optionName?: OptionNamer) => {
    const reader = new BodyReader({
      maxBodyBytes: 4,
      budget: new BodyBudget(100),
      timeoutMs: 50,
      optionName,
    });
    const request = new Request("http://x/", {
      method: "POST",
      body: "12345",
      headers: { "content-length": "5" },
    });
    return messageOf(await reader.read(request, Infinity).then(() => undefined, (e) => e));
  };
  assert.equal(await tooLarge(), "request body of 5 bytes exceeds maxBodyBytes 4 bytes");
  assert.equal(await tooLarge(flagName), "request body of 5 bytes exceeds --max-body 4 bytes");
  const late = async (optionName?: OptionNamer) => {
    const batcher = new Batcher({ run: (xs: number[]) => Promise.resolve(xs), now: () => 1000, optionName });
    const message = messageOf(await batcher.submit(1, { deadline: 900, timeoutMs: 50 }).catch((e) => e));
    await batcher.close();
    return message;
  };
  assert.equal(await late(), 'timeoutMs (50 ms) expired before "batch" queued it');
  assert.equal(await late(flagName), '--timeout (50 ms) expired before "batch" queued it');

  // A batch job's message naming several options.
  const service = await loadService(
    defineService({ name: "Echo" }).api("echo", { input: new JsonInput() }, (x) => x),
    { artifacts: {}, backend: new WasmBackend(), defaultOutput: new JsonOutput() },
  );
  try {
    const resume = async (optionName?: OptionNamer) =>
      messageOf(
        await runJob({
          runner: serviceRunner(service, "echo"),
          source: {
            name: "-",
            single: false,
            total: {},
            identity: () => Promise.resolve(undefined),
            chunks: () => (async function* () {})(),
          },
          format: "csv",
          writeStdout: () => {},
          resume: true,
          progress: new Progress({ write: () => {}, mode: "off" }),
          fingerprint: {},
          optionName,
        }).catch((e) => e),
      );
    assert.equal(await resume(), "resume needs outputPath: output to stdout cannot be continued");
    assert.equal(await resume(jobFlagName), "--resume needs --output: output to stdout cannot be continued");
  } finally {
    await service.close();
  }
});

Deno.test("every flag a namer gives is one the command takes", () => {
  const serveOptions = [
    "timeoutMs",
    "maxQueue",
    "maxLatencyMs",
    "maxBatchSize",
    "maxBodyBytes",
    "maxBodyTotalBytes",
    "loadTimeoutMs",
    "workerMemoryLimitBytes",
    "port",
    "host",
  ];
  for (const option of serveOptions) {
    const flag = flagName(option);
    assert.match(
      serveCommand.help,
      new RegExp(`^\\s+${flag}\\b`, "m"),
      `obento serve takes ${flag} (${option})`,
    );
  }
  const jobOptions = [
    "resume",
    "outputPath",
    "errorsPath",
    "format",
    "overwrite",
    "shard",
    "source",
    "keepColumns",
  ];
  for (const option of jobOptions) {
    const flag = jobFlagName(option);
    assert.match(runCommand.help, new RegExp(`^\\s+${flag}\\b`, "m"), `obento run takes ${flag} (${option})`);
  }
  assert.equal(jobFlagName("format"), "--format", "a job's format is the output's");
  assert.equal(flagName("format"), "--input-format", "a source's format is the input's");
  assert.equal(flagName("gatherMs"), "gatherMs", "an option no flag sets keeps its name");
});

Deno.test("parseShard names the option; obento run reports the flag", () => {
  let error: unknown;
  try {
    parseShard("4/4");
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ObentoError);
  assert.equal(error.option, "shard");
  assert.equal(
    error.message,
    'shard must be i/N with 0 ≤ i < N (e.g. 0/4 … 3/4 for four processes), got "4/4"',
  );
  assert.equal(
    cliMessage(error),
    '--shard must be i/N with 0 ≤ i < N (e.g. 0/4 … 3/4 for four processes), got "4/4"',
  );
});

Deno.test("the registry's and pack's errors name options; the CLI reports their flags", () => {
  const exists = targetDirExists("/tmp/iris");
  assert.match(exists.message, /choose a new targetDir \(/);
  assert.match(cliMessage(exists), /^\/tmp\/iris already exists; choose a new --target-dir \(/);
  const columns = (() => {
    try {
      zeroCodeServiceSource("Iris", { inputs: [{ name: "x", type: "float32", shape: [2] }] }, {
        columns: ["a"],
      });
    } catch (error) {
      return error as ObentoError;
    }
    throw new Error("no error");
  })();
  assert.match(columns.message, /^columns a: /);
  assert.match(cliMessage(columns), /^--columns a: .*; leave them out/);
  assert.throws(
    () => parseS3Url("s3://Bad_Bucket"),
    (e: ObentoError) => /^--store s3:\/\/Bad_Bucket is not/.test(cliMessage(e)),
  );
});

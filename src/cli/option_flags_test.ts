import assert from "node:assert/strict";
import { BadInputError, ObentoError } from "../errors.ts";
import { Batcher } from "../server/batcher.ts";
import { errorReport } from "./error_report.ts";
import { cliMessage, OPTION_FLAGS } from "./option_flags.ts";

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

import assert from "node:assert/strict";
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import { checkOutputPath } from "./output_path.ts";

async function failure(promise: Promise<void>): Promise<ObentoError> {
  const error = await promise.then(() => undefined, (e) => e);
  assert.ok(error instanceof ObentoError, `rejected with an ObentoError: ${error}`);
  return error;
}

Deno.test("checkOutputPath names a missing directory, a file in the way, a directory, an existing file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await checkOutputPath(join(dir, "out.csv"));
    const missing = await failure(checkOutputPath(join(dir, "no", "such", "out.csv")));
    assert.equal(missing.exitCode, 66);
    assert.equal(
      missing.message,
      `outputPath ${join(dir, "no", "such", "out.csv")}: the directory ${
        join(dir, "no", "such")
      } does not exist; create it first (mkdir -p ${join(dir, "no", "such")})`,
    );
    const errorsFile = await failure(checkOutputPath(join(dir, "no", "e.csv"), { option: "errorsPath" }));
    assert.match(errorsFile.message, /^errorsPath .*e\.csv: the directory .*no does not exist/);
    // An injected namer names the options instead (the CLI's names its flags: src/cli/option_flags_test.ts).
    const named = await failure(
      checkOutputPath(join(dir, "no", "e.csv"), { option: "errorsPath", optionName: (o) => `<${o}>` }),
    );
    assert.match(named.message, /^<errorsPath> .*e\.csv: the directory .*no does not exist/);

    await Deno.writeTextFile(join(dir, "file"), "x");
    const notDir = await failure(checkOutputPath(join(dir, "file", "out.csv")));
    assert.equal(notDir.exitCode, 66);
    assert.match(notDir.message, /file is not a directory$/);

    const isDir = await failure(checkOutputPath(dir, { overwrite: true }));
    assert.equal(isDir.exitCode, 64);
    assert.match(isDir.message, /is a directory; give a file name/);

    const exists = await failure(checkOutputPath(join(dir, "file")));
    assert.equal(exists.exitCode, 73);
    assert.match(
      exists.message,
      /file exists; pass overwrite to replace it, resume to continue the run that wrote it, or choose another outputPath$/,
    );
    await checkOutputPath(join(dir, "file"), { overwrite: true });
    await checkOutputPath(join(dir, "file"), { resume: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { errorReport, systemError } from "./error_report.ts";

Deno.test("an ObentoError is one line with its own exit code; the stack only in debug mode", () => {
  const error = new ObentoError("BAD_INPUT", "row 3: bad\nsecond line");
  assert.deepEqual(errorReport(error, false), { text: "error: row 3: bad\n", exitCode: 65 });
  const debug = errorReport(error, true);
  assert.equal(debug.exitCode, 65);
  assert.ok(debug.text.startsWith("error: row 3: bad\nObentoError: row 3: bad"), debug.text);
  assert.match(debug.text, /error_report_test\.ts/);
});

Deno.test("operating-system errors become one line naming the path, with a fitting exit code", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = await Deno.open(`${dir}/no/such/file`, { write: true, create: true }).catch((e) => e);
    assert.deepEqual(errorReport(missing, false), {
      text: `error: cannot open ${dir}/no/such/file: no such file or directory\n`,
      exitCode: 66,
    });
    const exists = await Deno.mkdir(dir).catch((e) => e);
    assert.deepEqual(errorReport(exists, false), {
      text: `error: cannot mkdir ${dir}: file exists\n`,
      exitCode: 73,
    });
    await Deno.writeTextFile(`${dir}/file`, "x");
    const notDir = await Deno.mkdir(`${dir}/file/sub`, { recursive: true }).catch((e) => e);
    assert.equal(errorReport(notDir, false).exitCode, 66);
    const isDir = await Deno.readTextFile(dir).catch((e) => e);
    assert.deepEqual(errorReport(isDir, false), {
      text: `error: cannot readfile ${dir}: is a directory\n`,
      exitCode: 69,
    });
    assert.match(errorReport(notDir, false).text, /^error: cannot mkdir .*file\/sub: not a directory\n$/);
    if (Deno.build.os === "linux") { // /dev/full: every write fails with ENOSPC, as on a full disk
      let full = await Deno.writeTextFile("/dev/full", "x").catch((e) => e);
      // Writing a device needs --allow-all (the test task's permissions are narrower): then the same error,
      // as Deno 2.9.6 reports it with --allow-all, is made here.
      if (full instanceof Deno.errors.NotCapable) {
        full = Object.assign(new Error("No space left on device (os error 28): writefile '/dev/full'"), {
          code: "ENOSPC",
        });
      }
      const report = errorReport(full, false);
      assert.equal(report.exitCode, 69);
      assert.match(
        report.text,
        /^error: cannot \w+ \/dev\/full: no space left on device; free some space and run the command again\n$/,
      );
    }
    assert.equal(systemError(new TypeError("x is undefined")), undefined);
    assert.equal(systemError("a string"), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("anything else is an internal error: one line, exit 70, and how to see the stack", () => {
  const report = errorReport(new TypeError("cannot read properties of undefined"), false);
  assert.equal(report.exitCode, 70);
  assert.equal(
    report.text,
    "error: internal error: cannot read properties of undefined (a bug in obento; run again with " +
      "OBENTO_DEBUG=1 for the stack trace, and report it)\n",
  );
  assert.equal(report.text.split("\n").length, 2);
  const debug = errorReport(new TypeError("boom", { cause: new RangeError("inner") }), true);
  assert.match(debug.text, /TypeError: boom\n {4}at /);
  assert.match(debug.text, /caused by: RangeError: inner/);
  assert.equal(errorReport("thrown string", false).exitCode, 70);
});

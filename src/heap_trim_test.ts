import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

/** Runs a script that imports heap_trim.ts in a child `deno` with the given permission flags. */
async function child(flags: string[], body: string): Promise<string> {
  const module = fileURLToPath(new URL("./heap_trim.ts", import.meta.url));
  const dir = await Deno.makeTempDir();
  const script = `${dir}/check.ts`;
  await Deno.writeTextFile(script, `import { openHeapTrimmer } from ${JSON.stringify(module)};\n${body}`);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--no-config", ...flags, script],
    stdout: "piped",
    stderr: "piped",
  }).output().finally(() => Deno.remove(dir, { recursive: true }));
  const text = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.equal(code, 0, text);
  return text.trim();
}

const REPORT = `
const trim = openHeapTrimmer();
const state = Deno.permissions.querySync({ name: "ffi" }).state;
let reopen = "opened";
try { Deno.dlopen("libc.so.6", { getpid: { parameters: [], result: "i32" } }); } catch (e) { reopen = e.name; }
console.log(JSON.stringify({ trimmer: typeof trim, trimmed: typeof trim?.(), state, reopen }));
`;

Deno.test("openHeapTrimmer binds malloc_trim on Linux and drops the FFI permission for everything after it", async () => {
  const report = JSON.parse(await child(["--allow-read", "--allow-ffi"], REPORT));
  if (Deno.build.os === "linux") {
    assert.deepEqual(report, {
      trimmer: "function",
      trimmed: "boolean",
      state: "prompt",
      reopen: "NotCapable",
    });
  } else {
    assert.equal(report.trimmer, "undefined");
    assert.notEqual(report.state, "granted");
  }
});

Deno.test("openHeapTrimmer without the FFI permission: no trimmer, nothing asked", async () => {
  const report = JSON.parse(await child(["--allow-read"], REPORT));
  assert.equal(report.trimmer, "undefined");
  assert.equal(report.reopen, "NotCapable");
});

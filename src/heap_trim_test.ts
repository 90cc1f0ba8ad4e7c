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

Deno.test("main.ts binds the trimmer before it imports anything else (so no other module's code sees --allow-ffi)", async () => {
  const firstImport = async (file: string) => {
    const text = await Deno.readTextFile(new URL(file, import.meta.url));
    return /^import\s[^;]*?from\s+"([^"]+)";/m.exec(text)?.[1];
  };
  assert.equal(await firstImport("../main.ts"), "./src/startup_heap_trimmer.ts");
  const trimmerModule = await Deno.readTextFile(new URL("./startup_heap_trimmer.ts", import.meta.url));
  assert.deepEqual([...trimmerModule.matchAll(/^import\s[^;]*?from\s+"([^"]+)";/gm)].map((m) => m[1]), [
    "./heap_trim.ts",
    "./native_device_args.ts",
  ]);
  for (const file of ["./heap_trim.ts", "./native_device_args.ts"]) {
    const text = await Deno.readTextFile(new URL(file, import.meta.url));
    assert.doesNotMatch(text, /^import\s/m, `${file} must stay free of imports`);
  }
});

Deno.test("the CLI process has dropped the FFI permission by the time the rest of main.ts's graph is loaded", async () => {
  const main = fileURLToPath(new URL("../main.ts", import.meta.url));
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/probe.ts`;
    await Deno.writeTextFile(
      script,
      `import { processCliContext } from ${JSON.stringify(main)};\n` +
        `const ctx = processCliContext();\n` +
        `console.log(JSON.stringify({ trimmer: typeof ctx.trimHeap, ffi: Deno.permissions.querySync({ name: "ffi" }).state }));\n`,
    );
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--config",
        fileURLToPath(new URL("../deno.json", import.meta.url)),
        "--allow-read",
        "--allow-env",
        "--allow-ffi",
        script,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const report = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(report.ffi, "prompt");
    assert.equal(report.trimmer, Deno.build.os === "linux" ? "function" : "undefined");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

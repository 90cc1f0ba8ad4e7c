import assert from "node:assert/strict";
import { readmeBlocks, readmeScript } from "./readme_script.ts";

const OPTIONS = { port: 4321, backgroundPidFile: "/dev/null", backgroundLog: "/dev/null" };

async function bash(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("bash", { args: ["-c", script], stdout: "piped", stderr: "piped" })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("readmeBlocks: sh and ts blocks in order, with the directive on the line before", () => {
  const md = [
    "# x",
    "<!-- readme-test: skip -->",
    "",
    "```sh",
    "echo skipped",
    "```",
    "```",
    "not code",
    "```",
    "```ts",
    "const a = 1;",
    "```",
  ].join("\n");
  assert.deepEqual(readmeBlocks(md), [
    { lang: "sh", body: "echo skipped", directive: "skip", line: 4 },
    { lang: "ts", body: "const a = 1;", directive: undefined, line: 10 },
  ]);
});

Deno.test("readmeScript: a `# =>` line checks the output of the command before it", async () => {
  const md = (expected: string) =>
    ["```sh", "printf 'a\\n' \\", "  && echo 'curl localhost:3000/x'", `# => ${expected}`, "```"].join("\n");
  const ok = await bash(readmeScript(readmeBlocks(md("localhost:4321/x")), OPTIONS));
  assert.equal(ok.code, 0, ok.stderr);
  const bad = await bash(readmeScript(readmeBlocks(md("setosa")), OPTIONS));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /README.md:2: expected output containing setosa/);
});

Deno.test("readmeScript: a failing command stops the script; skipped blocks do not run", async () => {
  const md = ["<!-- readme-test: skip -->", "```sh", "exit 3", "```", "```sh", "false", "echo after", "```"]
    .join("\n");
  const run = await bash(readmeScript(readmeBlocks(md), OPTIONS));
  assert.equal(run.code, 1);
  assert.doesNotMatch(run.stdout, /after/);
});

Deno.test("readmeScript: a ts block needs a directive", () => {
  assert.throws(
    () => readmeScript(readmeBlocks("```ts\nconst a = 1;\n```"), OPTIONS),
    /needs a readme-test directive/,
  );
});

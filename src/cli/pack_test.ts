import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServiceTypeChecker, TypeCheckOutcome } from "../bundle/type_check.ts";
import type { CliContext } from "./command.ts";
import { runCli } from "./main.ts";
import { makePackCommand } from "./pack.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SERVICE = "bundles/iris_classifier/service.ts";

/** Runs `obento pack` in-process with `checker`; returns the exit code, the output, and the paths checked. */
async function packWith(outcome: TypeCheckOutcome, extra: string[] = []) {
  const home = await Deno.makeTempDir();
  const checked: string[] = [];
  const checker: ServiceTypeChecker = {
    check: (entry) => {
      checked.push(entry);
      return Promise.resolve(outcome);
    },
  };
  let out = "";
  let err = "";
  const ctx: CliContext = {
    home,
    cwd: ROOT,
    isTerminal: false,
    out: (t) => (out += t),
    err: (t) => (err += t),
  };
  const output = join(home, "bundle");
  const args = [
    "pack",
    SERVICE,
    "--artifact",
    "model=bundles/iris_classifier/iris_lr.onnx",
    "--output",
    output,
  ];
  try {
    const code = await runCli([...args, ...extra], ctx, [makePackCommand(checker)]);
    const written = await Deno.stat(output).then(() => true, () => false);
    return { code, out, err, checked, written };
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("pack says plainly when no type checker is available, and packs", async () => {
  const r = await packWith({ checked: false, reason: "no checker in this test" });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.checked, [join(ROOT, SERVICE)]);
  assert.equal(
    r.err,
    `note: ${SERVICE} was not type-checked (no checker in this test); run \`deno check ${SERVICE}\`\n`,
  );
  assert.ok(r.written);
});

Deno.test("pack names the checker that passed the service", async () => {
  const r = await packWith({ checked: true, checker: "FakeChecker 1.0", diagnostics: [] });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, `type-checked ${SERVICE} (FakeChecker 1.0)\n`);
  assert.ok(r.written);
});

Deno.test("a type error stops pack with the first diagnostic; nothing is written", async () => {
  const file = join(ROOT, SERVICE);
  const r = await packWith({
    checked: true,
    checker: "FakeChecker 1.0",
    diagnostics: [
      { file, line: 30, column: 41, code: 2551, message: "Property 'modle' does not exist" },
      { file, line: 38, column: 49, code: 2551, message: "Property 'modle' does not exist" },
    ],
  });
  assert.equal(r.code, 65);
  assert.equal(
    r.err,
    `error: ${SERVICE}:30:41: Property 'modle' does not exist (TS2551) (and 1 more type error); ` +
      `fix the service, or pack with --no-check\n`,
  );
  assert.equal(r.written, false);
});

Deno.test("--no-check does not call the checker", async () => {
  const r = await packWith({ checked: true, checker: "FakeChecker", diagnostics: [] }, ["--no-check"]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.checked, []);
  assert.equal(r.err, `note: ${SERVICE} was not type-checked (--no-check)\n`);
});

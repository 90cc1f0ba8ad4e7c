import assert from "node:assert/strict";
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import { checkOutputDirectory, writeDirectory } from "./output_dir.ts";

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("writeDirectory refuses an existing output without force and replaces it with force", async () => {
  const parent = await Deno.makeTempDir();
  try {
    const out = join(parent, "ctx");
    await writeDirectory(out, (d) => Deno.writeTextFile(join(d, "a"), "1"));
    await assert.rejects(
      writeDirectory(out, (d) => Deno.writeTextFile(join(d, "b"), "2")),
      (e: unknown) => e instanceof ObentoError && e.code === "CONFLICT" && /--force/.test(e.message),
    );
    assert.deepEqual(await names(out), ["a"]);
    await writeDirectory(out, (d) => Deno.writeTextFile(join(d, "b"), "2"), { force: true });
    assert.deepEqual(await names(out), ["b"]);
    assert.deepEqual(await names(parent), ["ctx"], "no temporary siblings left");
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("writeDirectory leaves nothing behind when filling fails, and keeps the old output", async () => {
  const parent = await Deno.makeTempDir();
  try {
    const out = join(parent, "ctx");
    const fail = async (d: string) => {
      await Deno.writeTextFile(join(d, "half"), "x");
      throw new Error("disk full");
    };
    await assert.rejects(writeDirectory(out, fail), /disk full/);
    assert.deepEqual(await names(parent), []);
    await writeDirectory(out, (d) => Deno.writeTextFile(join(d, "a"), "1"));
    await assert.rejects(writeDirectory(out, fail, { force: true }), /disk full/);
    assert.deepEqual(await names(parent), ["ctx"]);
    assert.deepEqual(await names(out), ["a"]);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("writeDirectory names a missing parent and a file in the way", async () => {
  const parent = await Deno.makeTempDir();
  try {
    await assert.rejects(
      writeDirectory(join(parent, "no", "ctx"), async () => {}),
      (e: unknown) =>
        e instanceof ObentoError && e.code === "NOT_FOUND" && e.message.includes(join(parent, "no")),
    );
    await Deno.writeTextFile(join(parent, "file"), "");
    await assert.rejects(
      writeDirectory(join(parent, "file"), async () => {}, { force: true }),
      (e: unknown) => e instanceof ObentoError && e.code === "CONFLICT" && /not a directory/.test(e.message),
    );
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("checkOutputDirectory: the same refusals before any work, and whether the output exists", async () => {
  const parent = await Deno.makeTempDir();
  try {
    const out = join(parent, "site");
    assert.equal(await checkOutputDirectory(out), "missing");
    await Deno.mkdir(out);
    await assert.rejects(
      checkOutputDirectory(out, { flag: "--site" }),
      (e: unknown) =>
        e instanceof ObentoError && e.code === "CONFLICT" && e.message.startsWith(`--site ${out}`),
    );
    assert.equal(await checkOutputDirectory(out, { force: true }), "directory");
    await assert.rejects(
      checkOutputDirectory(join(parent, "no", "site")),
      (e: unknown) => e instanceof ObentoError && e.code === "NOT_FOUND",
    );
    assert.deepEqual(await names(parent), ["site"]);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import { copyBundle } from "./copy_bundle.ts";

async function withBundle(fn: (src: string, work: string) => Promise<void>): Promise<void> {
  const work = await Deno.makeTempDir();
  try {
    const src = join(work, "bundle");
    await Deno.mkdir(join(src, "artifacts"), { recursive: true });
    await Deno.writeTextFile(join(src, "bento.yaml"), "name: x\n");
    await Deno.writeTextFile(join(src, "artifacts", "model.onnx"), "onnx");
    await fn(src, work);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

const badBundle = (pattern: RegExp) => (e: unknown) =>
  e instanceof ObentoError && e.code === "BAD_BUNDLE" && pattern.test(e.message);

Deno.test("copyBundle copies files and folders, and links inside the bundle as plain files", async () => {
  await withBundle(async (src, work) => {
    await Deno.symlink("artifacts/model.onnx", join(src, "alias.onnx"));
    const copied = await copyBundle(src, join(work, "out"));
    assert.deepEqual(copied, { files: 3, bytes: 16 });
    assert.equal(await Deno.readTextFile(join(work, "out", "artifacts", "model.onnx")), "onnx");
    const alias = await Deno.lstat(join(work, "out", "alias.onnx"));
    assert.ok(alias.isFile && !alias.isSymlink);
  });
});

Deno.test("copyBundle refuses links that leave the bundle, relative or absolute, and loops", async () => {
  await withBundle(async (src, work) => {
    await Deno.writeTextFile(join(work, "secret"), "s");
    await Deno.symlink("../secret", join(src, "up"));
    await assert.rejects(
      copyBundle(src, join(work, "a")),
      badBundle(/^up links to .*secret, outside the bundle/),
    );
    await Deno.remove(join(src, "up"));
    await Deno.symlink(join(work, "secret"), join(src, "abs"));
    await assert.rejects(copyBundle(src, join(work, "b")), badBundle(/^abs links to/));
    await Deno.remove(join(src, "abs"));
    await Deno.symlink("..", join(src, "artifacts", "loop"));
    await assert.rejects(
      copyBundle(src, join(work, "c")),
      badBundle(/artifacts\/loop links to a folder that contains it/),
    );
    await Deno.remove(join(src, "artifacts", "loop"));
    await Deno.symlink("nowhere", join(src, "broken"));
    await assert.rejects(copyBundle(src, join(work, "d")), badBundle(/^broken is a broken or looping link/));
  });
});

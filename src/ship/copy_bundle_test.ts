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

/** Runs a command that makes a special file (mkfifo, mknod); false when this machine does not allow it. */
async function make(cmd: string, ...args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()).success;
  } catch {
    return false;
  }
}

Deno.test("copyBundle refuses FIFOs, devices and links to them before creating anything", async () => {
  await withBundle(async (src, work) => {
    assert.ok(await make("mkfifo", join(src, "artifacts", "pipe")), "mkfifo is needed for this test");
    const target = join(work, "out");
    await assert.rejects(
      copyBundle(src, target),
      badBundle(/^artifacts\/pipe is a FIFO, not a regular file or directory; nothing was copied$/),
    );
    await assert.rejects(Deno.lstat(target), Deno.errors.NotFound); // checked before the first write
    await Deno.remove(join(src, "artifacts", "pipe"));
    await make("mkfifo", join(work, "pipe-inside"));
    await Deno.rename(join(work, "pipe-inside"), join(src, "pipe"));
    await Deno.symlink("pipe", join(src, "alias"));
    await assert.rejects(copyBundle(src, target), badBundle(/^alias is a FIFO/));
    await Deno.remove(join(src, "alias"));
    await Deno.remove(join(src, "pipe"));
    if (await make("mknod", join(src, "null"), "c", "1", "3")) { // root only
      await assert.rejects(copyBundle(src, target), badBundle(/^null is a character device/));
      await Deno.remove(join(src, "null"));
    }
    await assert.rejects(Deno.lstat(target), Deno.errors.NotFound);
    assert.deepEqual(await copyBundle(src, target), { files: 2, bytes: 12 });
  });
});

Deno.test("copyBundle refuses a sparse file (a copy bomb) before creating anything", async () => {
  await withBundle(async (src, work) => {
    const file = await Deno.open(join(src, "artifacts", "huge.onnx"), { write: true, create: true });
    await file.truncate(64 * 1024 ** 3); // 64 GiB apparent, no blocks
    file.close();
    const info = await Deno.stat(join(src, "artifacts", "huge.onnx"));
    if (info.blocks === null) return; // no block counts on this platform
    await assert.rejects(
      copyBundle(src, join(work, "out")),
      badBundle(/^artifacts\/huge\.onnx is a sparse file \(68719476736 bytes, 0 on disk\)/),
    );
    await assert.rejects(Deno.lstat(join(work, "out")), Deno.errors.NotFound);
  });
});

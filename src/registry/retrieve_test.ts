/**
 * `Registry.retrieve` copies only plain files that match the MANIFEST: a stored bundle holding a link (even
 * one whose target has the right bytes), a FIFO or a device is refused with the entry named, before the
 * target directory is created.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import { openRegistry } from "./registry.ts";
import { writeTestBundle } from "./_testing.ts";

async function mkfifo(path: string): Promise<void> {
  const { success } = await new Deno.Command("mkfifo", { args: [path], stderr: "null" }).output();
  assert.ok(success, "mkfifo is needed for this test");
}

Deno.test("retrieve refuses a stored bundle holding a link, a FIFO or a FIFO MANIFEST, creating nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-retrieve-" });
  const registry = await openRegistry({ home: join(dir, "home") });
  try {
    const saved = await registry.add(await writeTestBundle(join(dir, "src"), { name: "Iris", version: "1" }));
    const model = join(saved.path, "artifacts", "model.onnx");
    const target = join(dir, "out");
    const refused = async (pattern: RegExp) => {
      await assert.rejects(registry.retrieve("Iris:1", target), (e) => {
        assert.ok(e instanceof ObentoError, String(e));
        assert.equal(e.code, "BAD_BUNDLE");
        assert.equal(e.exitCode, 65);
        assert.match(e.message, pattern);
        return true;
      });
      await assert.rejects(Deno.lstat(target), Deno.errors.NotFound);
    };

    // a link to a file outside with exactly the right bytes: the digest matches, the link is still refused
    await Deno.copyFile(model, join(dir, "outside.onnx"));
    await Deno.remove(model);
    await Deno.symlink(join(dir, "outside.onnx"), model);
    await refused(/artifacts\/model\.onnx is a symbolic link, neither a file nor a folder/);
    await Deno.remove(model);
    await Deno.copyFile(join(dir, "outside.onnx"), model);

    await mkfifo(join(saved.path, "artifacts", "pipe"));
    await refused(/artifacts\/pipe is a FIFO, neither a file nor a folder/);
    await Deno.remove(join(saved.path, "artifacts", "pipe"));

    // a FIFO in MANIFEST's place would block a reader forever: it is refused before it is opened
    const manifest = await Deno.readFile(join(saved.path, "MANIFEST"));
    await Deno.remove(join(saved.path, "MANIFEST"));
    await mkfifo(join(saved.path, "MANIFEST"));
    await refused(/MANIFEST is a FIFO/);
    await Deno.remove(join(saved.path, "MANIFEST"));
    await Deno.writeFile(join(saved.path, "MANIFEST"), manifest);

    await registry.retrieve("Iris:1", target);
    assert.deepEqual(
      await Deno.readFile(join(target, "artifacts", "model.onnx")),
      await Deno.readFile(model),
    );
  } finally {
    registry.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verify reports a stored bundle holding a link as a problem and goes on to the next", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-verify-link-" });
  const registry = await openRegistry({ home: join(dir, "home") });
  try {
    const bad = await registry.add(await writeTestBundle(join(dir, "a"), { name: "Iris", version: "1" }));
    await registry.add(await writeTestBundle(join(dir, "b"), { name: "Iris", version: "2" }));
    const model = join(bad.path, "artifacts", "model.onnx");
    await Deno.rename(model, join(dir, "outside.onnx"));
    await Deno.symlink(join(dir, "outside.onnx"), model);
    const report = await registry.verify();
    assert.equal(report.problems.length, 1);
    assert.match(
      report.problems[0],
      /^Iris:1: .*model\.onnx is a symbolic link, neither a file nor a folder/,
    );
  } finally {
    registry.close();
    await Deno.remove(dir, { recursive: true });
  }
});

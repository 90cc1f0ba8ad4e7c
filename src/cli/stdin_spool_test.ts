import assert from "node:assert/strict";
import { basename, join } from "node:path";
import { ObentoError } from "../errors.ts";
import { StdinSpool } from "./stdin_spool.ts";

const encoder = new TextEncoder();

Deno.test("stdin's copy: a 0600 file in the folder given, holding every byte, removed once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-spool-" });
  try {
    const spool = await StdinSpool.create({ dir });
    assert.equal(join(dir, basename(spool.path)), spool.path);
    assert.match(basename(spool.path), /^obento-stdin-/);
    assert.equal((await Deno.stat(spool.path)).mode! & 0o777, 0o600);
    const parts = ["a,b\n", "1,2\n", "3,4\n"];
    await spool.fill(ReadableStream.from(parts.map((p) => encoder.encode(p))));
    assert.equal(await Deno.readTextFile(spool.path), parts.join(""));
    await spool.remove();
    await spool.remove(); // gone already: nothing to do
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stdin's copy: a read that fails or is aborted rejects, and the file can still be removed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-spool-" });
  try {
    const spool = await StdinSpool.create({ dir });
    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode("[1,"));
        controller.error(new Error("stdin broke"));
      },
    });
    await assert.rejects(spool.fill(failing), { message: "stdin broke" });
    const stopped = new AbortController();
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(encoder.encode("1\n")) });
    const filling = spool.fill(endless, stopped.signal);
    stopped.abort();
    await assert.rejects(filling, { name: "AbortError" });
    await spool.remove();
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stdin's copy: a folder that does not exist is named, with what to do", async () => {
  const dir = join(await Deno.makeTempDir({ prefix: "obento-spool-" }), "missing");
  try {
    await assert.rejects(StdinSpool.create({ dir }), (error: unknown) => {
      assert.ok(error instanceof ObentoError);
      assert.equal(error.code, "UNAVAILABLE");
      assert.match(
        error.message,
        new RegExp(`^cannot copy stdin to a temporary file in ${dir}: .*set TMPDIR`),
      );
      return true;
    });
  } finally {
    await Deno.remove(join(dir, ".."), { recursive: true });
  }
});

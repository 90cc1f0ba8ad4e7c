import assert from "node:assert/strict";
import { join } from "node:path";
import { BadInputError, ObentoError } from "../../errors.ts";
import { verifyManifest } from "../../bundle/manifest.ts";
import { writeTestBundle } from "../_testing.ts";
import { bundleArchive, unpackBundleArchive } from "./bundle_archive.ts";
import { BLOCK, writeTar } from "./tar.ts";
import { type RawEntry, rawTar } from "../../../tests/helpers/raw_tar.ts";
import { makeScratchDir, sweepScratchDirs } from "./scratch.ts";

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "obento-archive-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function archiveOf(dir: string): Promise<Uint8Array> {
  const { stream, size } = await bundleArchive(dir);
  const bytes = await bytesOf(stream);
  assert.equal(bytes.length, size);
  return bytes;
}

function entry(path: string, content: string | Uint8Array) {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  return { path, size: bytes.length, open: () => ReadableStream.from([bytes]) };
}

async function unpackError(bytes: Uint8Array, target: string, limits = {}): Promise<ObentoError> {
  try {
    await unpackBundleArchive(ReadableStream.from([bytes]), target, limits);
  } catch (error) {
    assert.ok(error instanceof ObentoError, String(error));
    return error;
  }
  throw new Error("unpack did not fail");
}

Deno.test("a bundle goes through an archive whole: same files, MANIFEST verifies, size known upfront", async () => {
  await withDir(async (dir) => {
    const src = await writeTestBundle(join(dir, "src"), { artifactBytes: 100_000 });
    const bytes = await archiveOf(src);
    await Deno.mkdir(join(dir, "out"));
    const result = await unpackBundleArchive(ReadableStream.from([bytes]), join(dir, "out"));
    assert.equal(result.files, 4);
    await verifyManifest(join(dir, "out"));
    assert.deepEqual(
      await Deno.readFile(join(dir, "out", "artifacts", "model.onnx")),
      await Deno.readFile(join(src, "artifacts", "model.onnx")),
    );
  });
});

Deno.test("the archive starts with MANIFEST and reads in one-byte chunks too", async () => {
  await withDir(async (dir) => {
    const src = await writeTestBundle(join(dir, "src"));
    const bytes = await archiveOf(src);
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 8)), "MANIFEST");
    await Deno.mkdir(join(dir, "out"));
    const oneByOne = ReadableStream.from((function* () {
      for (let i = 0; i < bytes.length; i++) yield bytes.subarray(i, i + 1);
    })());
    await unpackBundleArchive(oneByOne, join(dir, "out"));
    await verifyManifest(join(dir, "out"));
  });
});

Deno.test("a byte changed in transit is rejected with the file named (INTEGRITY, 422)", async () => {
  await withDir(async (dir) => {
    const src = await writeTestBundle(join(dir, "src"), { artifactBytes: 2000 });
    const bytes = await archiveOf(src);
    const text = new TextDecoder("latin1").decode(bytes);
    const at = text.indexOf("artifacts/model.onnx\0") + BLOCK + 100; // inside the artifact's content
    bytes[at] ^= 0xff;
    await Deno.mkdir(join(dir, "out"));
    const error = await unpackError(bytes, join(dir, "out"));
    assert.equal(error.code, "INTEGRITY");
    assert.equal(error.status, 422);
    assert.match(error.message, /^artifacts\/model\.onnx in the archive does not match its MANIFEST digest/);
  });
});

Deno.test("a bundle changed on disk after packing fails its own archive stream", async () => {
  await withDir(async (dir) => {
    const src = await writeTestBundle(join(dir, "src"));
    await Deno.writeTextFile(join(src, "service.js"), "export default {};\n//x");
    const { stream } = await bundleArchive(src);
    await assert.rejects(bytesOf(stream), /service\.js (was changed after packing|changed size)/);
  });
});

Deno.test("unpacking refuses .., absolute paths, links, devices, fifos and unlisted files, naming the entry", async () => {
  await withDir(async (dir) => {
    const src = await writeTestBundle(join(dir, "src"));
    const manifest = await Deno.readTextFile(join(src, "MANIFEST"));
    const cases: [RawEntry, RegExp][] = [
      [{ path: "../evil" }, /"\.\.\/evil" is refused: `\.\.` in its path/],
      [{ path: "/etc/passwd" }, /"\/etc\/passwd" is refused: an absolute path/],
      [
        { path: "link", type: "2", link: "/etc/passwd" },
        /"link" is refused: it is a symlink \(to \/etc\/passwd\); bundles hold plain files/,
      ],
      [{ path: "hard", type: "1", link: "MANIFEST" }, /"hard" is refused: it is a hardlink/],
      [{ path: "dev", type: "3" }, /"dev" is refused: it is a character-device/],
      [{ path: "blk", type: "4" }, /"blk" is refused: it is a block-device/],
      [{ path: "fifo", type: "6" }, /"fifo" is refused: it is a fifo/],
      [{ path: "extra.txt" }, /"extra\.txt" is refused: it is not listed in the MANIFEST/],
    ];
    for (const [i, [raw, message]] of cases.entries()) {
      const target = join(dir, `out-${i}`);
      await Deno.mkdir(target);
      const error = await unpackError(rawTar([{ path: "MANIFEST", body: manifest }, raw]), target);
      assert.ok(error instanceof BadInputError, error.message);
      assert.match(error.message, message);
      assert.deepEqual([...Deno.readDirSync(target)].map((e) => e.name), ["MANIFEST"]); // nothing else written
    }
  });
});

Deno.test("unpacking refuses an oversized entry before writing it, and a MANIFEST listing ..", async () => {
  await withDir(async (dir) => {
    const src = await writeTestBundle(join(dir, "src"), { artifactBytes: 5000 });
    const bytes = await archiveOf(src);
    await Deno.mkdir(join(dir, "a"));
    const big = await unpackError(bytes, join(dir, "a"), { maxEntryBytes: 4096 });
    assert.match(
      big.message,
      /"artifacts\/model\.onnx" is refused: it has 5000 bytes, more than the limit of 4096/,
    );
    await assert.rejects(Deno.stat(join(dir, "a", "artifacts", "model.onnx")), Deno.errors.NotFound);
    await Deno.mkdir(join(dir, "b"));
    const evil = writeTar([entry("MANIFEST", `${"0".repeat(64)}  a/../../x\n`)]);
    const error = await unpackError(await bytesOf(evil), join(dir, "b"));
    assert.match(error.message, /MANIFEST line 1 is malformed/);
  });
});

Deno.test("unpacking refuses an upload that is not tar, an empty one and a truncated one", async () => {
  await withDir(async (dir) => {
    const src = await writeTestBundle(join(dir, "src"));
    const bytes = await archiveOf(src);
    const cases: [Uint8Array, RegExp][] = [
      [
        new TextEncoder().encode("x".repeat(2000)),
        /^not a tar archive \(the first header's checksum does not match\)/,
      ],
      [new Uint8Array(0), /^not a tar archive: the upload is empty/],
      [bytes.subarray(0, bytes.length - 3 * BLOCK - 7), /^the archive is truncated: it ended inside/],
      [
        bytes.subarray(0, bytes.length - BLOCK),
        /^the archive is truncated: it ended inside the end-of-archive marker/,
      ],
    ];
    for (const [i, [b, message]] of cases.entries()) {
      await Deno.mkdir(join(dir, `o${i}`));
      const error = await unpackError(b, join(dir, `o${i}`));
      assert.equal(error.code, "BAD_INPUT");
      assert.match(error.message, message);
    }
  });
});

Deno.test("long paths go through a pax header", async () => {
  await withDir(async (dir) => {
    const long = "d/".repeat(70) + "file.bin";
    const stream = writeTar([entry(long, "abc")]);
    const { readTar } = await import("./tar.ts");
    const seen: string[] = [];
    for await (const e of readTar(stream)) {
      let text = "";
      for await (const c of e.body()) text += new TextDecoder().decode(c);
      seen.push(`${e.path}=${text}`);
    }
    assert.deepEqual(seen, [`${long}=abc`]);
    assert.ok(dir);
  });
});

Deno.test("scratch directories of dead owners are swept, live ones kept", async () => {
  await withDir(async (dir) => {
    const live = await makeScratchDir(dir, ".pull-");
    await Deno.mkdir(join(dir, ".pull-dead"));
    await Deno.writeTextFile(join(dir, ".pull-dead.lock"), "");
    await Deno.mkdir(join(dir, ".pull-nolock"));
    const removed = (await sweepScratchDirs(dir, ".pull-")).sort();
    assert.deepEqual(removed, [join(dir, ".pull-dead"), join(dir, ".pull-nolock")]);
    assert.ok((await Deno.stat(live.path)).isDirectory);
    await live.dispose();
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

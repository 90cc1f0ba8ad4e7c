/**
 * What a hostile client can push: crafted tar archives with `..`, absolute paths, links, devices, FIFOs and
 * a size bomb. Each is refused with 400 naming the entry, before anything is published, and leaves no
 * scratch directory in the store.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openRegistry } from "../registry/registry.ts";
import { type RawEntry, rawTar } from "../../tests/helpers/raw_tar.ts";
import { registryApp } from "./app.ts";
import { SqliteTokenStore } from "./sqlite_tokens.ts";
import { createToken } from "./tokens.ts";

const manifest: RawEntry = {
  path: "MANIFEST",
  body: `${"0".repeat(64)}  artifacts/model.onnx\n${"1".repeat(64)}  bento.yaml\n`,
};

const CASES: [string, RawEntry[], RegExp][] = [
  [
    "..",
    [{ path: "artifacts/../../../escaped", body: "x" }],
    /"artifacts\/\.\.\/\.\.\/\.\.\/escaped" is refused: `\.\.`/,
  ],
  ["absolute", [{ path: "/etc/cron.d/x", body: "x" }], /"\/etc\/cron\.d\/x" is refused: an absolute path/],
  [
    "symlink",
    [manifest, { path: "bento.yaml", type: "2", link: "/etc/passwd" }],
    /"bento\.yaml" is refused: it is a symlink/,
  ],
  ["block device", [{ path: "disk", type: "4" }], /"disk" is refused: it is a block-device/],
  ["fifo", [{ path: "pipe", type: "6" }], /"pipe" is refused: it is a fifo/],
  [
    "size bomb",
    [manifest, { path: "artifacts/model.onnx", body: "x", paxSize: 2 ** 40 }],
    /"artifacts\/model\.onnx" is refused: it has 1099511627776 bytes, more than the limit of 1048576/,
  ],
];

Deno.test("registry server: crafted pushes are refused with 400 naming the entry; nothing published or left", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-crafted-" });
  const registry = await openRegistry({ home: join(dir, "server") });
  const tokens = new SqliteTokenStore(join(dir, "server", "registry.db"));
  try {
    const write = (await createToken(tokens, "write", "w")).token;
    const storeDir = join(dir, "server", "bundles");
    await Deno.mkdir(storeDir, { recursive: true });
    const app = registryApp({
      registry,
      tokens,
      scratchRoot: storeDir,
      limits: { maxTotalBytes: 1024 * 1024 },
    });
    for (const [what, entries, pattern] of CASES) {
      const response = await app.fetch(
        new Request("http://registry/v1/bundles/Iris/1/archive", {
          method: "PUT",
          headers: { authorization: `Bearer ${write}`, "content-type": "application/x-tar" },
          body: rawTar(entries),
        }),
      );
      const body = await response.json() as { error: { code: string; message: string } };
      assert.equal(response.status, 400, `${what}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, "BAD_INPUT");
      assert.match(body.error.message, pattern, what);
      assert.deepEqual(await registry.list(), [], what);
      const left = [...Deno.readDirSync(storeDir)].map((e) => e.name);
      assert.deepEqual(left, [], `${what}: left ${left}`);
    }
    assert.equal((await registry.verify()).ok, true);
  } finally {
    registry.close();
    tokens.close();
    await Deno.remove(dir, { recursive: true });
  }
});

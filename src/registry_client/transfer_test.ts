/**
 * What a hostile registry server can send to `pull` and to `retrieve --registry`: crafted tar archives with
 * `..`, absolute paths, links, devices, FIFOs and a size bomb. Each is refused with the entry named
 * (BAD_INPUT, exit 65) before anything reaches the local registry or the target directory.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import { openRegistry } from "../registry/registry.ts";
import { testBento, testRecord } from "../registry/_testing.ts";
import { stringifyBento } from "../bundle/bento_yaml.ts";
import { type RawEntry, rawTar } from "../../tests/helpers/raw_tar.ts";
import { RemoteRegistry } from "./remote_registry.ts";
import { PULL_PREFIX, pullBundle } from "./transfer.ts";

const MANIFEST = `${"0".repeat(64)}  artifacts/model.onnx\n${"1".repeat(64)}  bento.yaml\n`;
const manifest: RawEntry = { path: "MANIFEST", body: MANIFEST };

/** A server that answers Iris:1's details and serves `archive` as its archive. */
function hostile(archive: Uint8Array): RemoteRegistry {
  const details = {
    bundle: testRecord({ createdAt: "2026-11-30T00:00:00Z" }),
    document: testBento(),
  };
  return new RemoteRegistry({
    url: "http://registry.invalid",
    fetch: (input) => {
      const url = String(input instanceof Request ? input.url : input);
      const body = url.endsWith("/archive") ? new Blob([archive as BlobPart]) : JSON.stringify(details);
      return Promise.resolve(new Response(body, { status: 200 }));
    },
  });
}

const CASES: [string, RawEntry[], RegExp][] = [
  [
    "..",
    [{ path: "../../escaped.txt", body: "x" }],
    /"\.\.\/\.\.\/escaped\.txt" is refused: `\.\.` in its path/,
  ],
  [
    "absolute",
    [{ path: "/tmp/obento-escaped.txt", body: "x" }],
    /"\/tmp\/obento-escaped\.txt" is refused: an absolute path/,
  ],
  [
    "symlink",
    [manifest, { path: "artifacts/model.onnx", type: "2", link: "/etc/passwd" }],
    /"artifacts\/model\.onnx" is refused: it is a symlink \(to \/etc\/passwd\)/,
  ],
  [
    "hardlink",
    [manifest, { path: "bento.yaml", type: "1", link: "MANIFEST" }],
    /"bento\.yaml" is refused: it is a hardlink/,
  ],
  [
    "device",
    [{ path: "artifacts/null", type: "3" }],
    /"artifacts\/null" is refused: it is a character-device/,
  ],
  ["fifo", [manifest, { path: "artifacts/pipe", type: "6" }], /"artifacts\/pipe" is refused: it is a fifo/],
  [
    "size bomb",
    [manifest, { path: "artifacts/model.onnx", body: "tiny", paxSize: 2 ** 50 }],
    /"artifacts\/model\.onnx" is refused: it has 1125899906842624 bytes, more than the limit of \d+/,
  ],
];

function assertRefused(pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof ObentoError, String(e));
    assert.equal(e.code, "BAD_INPUT", e.message);
    assert.equal(e.exitCode, 65);
    assert.match(e.message, pattern);
    assert.match(e.message, /nothing was saved$/);
    return true;
  };
}

Deno.test("pull and retrieve --registry refuse crafted archives before anything is saved or created", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-hostile-" });
  const home = join(dir, "home");
  const local = await openRegistry({ home });
  try {
    for (const [what, entries, pattern] of CASES) {
      const remote = hostile(rawTar(entries));
      await assert.rejects(pullBundle(remote, local, home, "Iris:1"), assertRefused(pattern), what);
      assert.deepEqual(await local.list(), [], what);
      const report = await local.verify();
      assert.deepEqual([report.problems, report.leftovers, report.inProgress], [[], [], []], what);
      const scratch = [...Deno.readDirSync(home)].filter((e) => e.name.startsWith(PULL_PREFIX));
      assert.deepEqual(scratch, [], `${what}: the pull's scratch directory is gone`);

      const target = join(dir, "copies", "iris");
      await assert.rejects(remote.retrieve("Iris:1", target), assertRefused(pattern), what);
      await assert.rejects(Deno.lstat(target), Deno.errors.NotFound);
      assert.deepEqual([...Deno.readDirSync(join(dir, "copies"))], [], `${what}: no scratch left beside it`);
    }
    await assert.rejects(Deno.lstat(join(dir, "escaped.txt")), Deno.errors.NotFound);
    await assert.rejects(Deno.lstat("/tmp/obento-escaped.txt"), Deno.errors.NotFound);
  } finally {
    local.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a pull whose archive is not a bundle at all is one clear error, and a real bundle still pulls", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-hostile-" });
  const home = join(dir, "home");
  const local = await openRegistry({ home });
  try {
    await assert.rejects(
      pullBundle(hostile(new TextEncoder().encode("<html>proxy error</html>")), local, home, "Iris:1"),
      (e) => e instanceof ObentoError && e.code === "BAD_INPUT" && /not a tar archive/.test(e.message),
    );
    const bento = stringifyBento(testBento());
    const sha = async (text: string) =>
      Array.from(
        new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
        (b) => b.toString(16).padStart(2, "0"),
      ).join("");
    const files: [string, string][] = [["artifacts/model.onnx", "onnx"], ["bento.yaml", bento], [
      "service.js",
      "export default {};\n",
    ]];
    const lines = (await Promise.all(files.map(async ([p, c]) => `${await sha(c)}  ${p}\n`))).join("");
    const good = rawTar([
      { path: "MANIFEST", body: lines },
      ...files.map(([path, body]) => ({ path, body })),
    ]);
    const pulled = await pullBundle(hostile(good), local, home, "Iris:1");
    assert.equal(pulled.name, "Iris");
    assert.equal((await local.verify()).ok, true);
  } finally {
    local.close();
    await Deno.remove(dir, { recursive: true });
  }
});

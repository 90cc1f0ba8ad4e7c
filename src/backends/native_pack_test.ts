import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { ObentoError } from "../errors.ts";
import { makeNativePack } from "../../scripts/native_pack.ts";
import { openDevice } from "./device.ts";
import {
  findNativePack,
  loadNativePack,
  NATIVE_PACK_MANIFEST,
  nativePackName,
  nodePlatform,
  readNativePack,
} from "./native_pack.ts";
import { NATIVE_PLATFORMS, platformName } from "./ort_node.ts";
import { WasmBackend } from "./ort_web.ts";

const PLATFORM = nodePlatform();
/** This machine has an onnxruntime-node build (the pack can be made and loaded here). */
const BUILT = NATIVE_PLATFORMS.includes(platformName());

function unavailable(pattern: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof ObentoError, String(e));
    assert.equal(e.code, "UNAVAILABLE");
    assert.match(e.message, pattern);
    return true;
  };
}

/** A pack folder with a manifest and small files of the given contents (no library: checks run first). */
async function fakePack(
  files: Record<string, string>,
  manifest: Record<string, unknown> = {},
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "obento-fake-pack-" });
  const listed: Record<string, { size: number; sha256: string }> = {};
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
    listed[path] = { size: new TextEncoder().encode(text).length, sha256: "" };
  }
  await Deno.writeTextFile(
    join(dir, NATIVE_PACK_MANIFEST),
    JSON.stringify({ format: 1, platform: PLATFORM, onnxruntime: "1.30.0", files: listed, ...manifest }),
  );
  return dir;
}

Deno.test("nodePlatform and nativePackName use Node's names", () => {
  assert.equal(nodePlatform("linux", "x86_64"), "linux-x64");
  assert.equal(nodePlatform("windows", "aarch64"), "win32-arm64");
  assert.equal(nodePlatform("darwin", "aarch64"), "darwin-arm64");
  assert.equal(nativePackName("linux-x64"), "obento-native-linux-x64");
});

Deno.test("findNativePack: a named folder as it is; else a pack beside the executable; else none", async () => {
  const bin = await Deno.makeTempDir({ prefix: "obento-bin-" });
  try {
    const exe = join(bin, "obento");
    assert.equal(findNativePack({ dir: "/opt/pack", execPath: exe }), "/opt/pack");
    assert.equal(findNativePack({ dir: "rel/pack" }), join(Deno.cwd(), "rel/pack"), "made absolute");
    assert.equal(findNativePack({ execPath: exe }), undefined);
    assert.equal(findNativePack({}), undefined);
    await Deno.mkdir(join(bin, nativePackName()));
    assert.equal(findNativePack({ execPath: exe }), undefined, "a folder without a manifest is no pack");
    await Deno.writeTextFile(join(bin, nativePackName(), NATIVE_PACK_MANIFEST), "{}");
    const real = Deno.realPathSync(join(bin, nativePackName()));
    assert.equal(findNativePack({ execPath: exe }), real);
    await Deno.symlink(join(bin, nativePackName()), join(bin, "link"));
    assert.equal(
      findNativePack({ dir: join(bin, "link") }),
      real,
      "links resolved: workers may read only the real path",
    );
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
});

Deno.test("bad packs: missing, another platform, incomplete, truncated, not JSON: each names the problem", async () => {
  await assert.rejects(
    Promise.resolve().then(() => readNativePack("/no/such/pack")),
    unavailable(
      new RegExp(
        `no native runtime pack for ${PLATFORM} at /no/such/pack .*not found.*--native-dir.*OBENTO_NATIVE_DIR`,
      ),
    ),
  );
  const dirs: string[] = [];
  try {
    const other = await fakePack({ "a.js": "x" }, { platform: "plan9-mips" });
    dirs.push(other);
    assert.throws(
      () => readNativePack(other),
      unavailable(
        new RegExp(`is for plan9-mips, and this machine is ${PLATFORM}: unpack ${nativePackName()}`),
      ),
    );
    const incomplete = await fakePack({ "lib/a.so": "abc" });
    dirs.push(incomplete);
    await Deno.remove(join(incomplete, "lib/a.so"));
    assert.throws(() => readNativePack(incomplete), unavailable(/is incomplete: lib\/a\.so is missing/));
    const truncated = await fakePack({ "lib/a.so": "abcdef" });
    dirs.push(truncated);
    await Deno.writeTextFile(join(truncated, "lib/a.so"), "abc");
    assert.throws(
      () => readNativePack(truncated),
      unavailable(/is damaged: lib\/a\.so is 3 bytes, the manifest says 6/),
    );
    const notJson = await fakePack({});
    dirs.push(notJson);
    await Deno.writeTextFile(join(notJson, NATIVE_PACK_MANIFEST), "{");
    assert.throws(() => readNativePack(notJson), unavailable(/obento-native\.json is not JSON/));
    const future = await fakePack({}, { format: 2 });
    dirs.push(future);
    assert.throws(() => readNativePack(future), unavailable(/has format 2; this obento reads format 1/));
  } finally {
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("native from a missing pack is an error naming the platform and where to put it; auto falls back", async () => {
  await assert.rejects(
    openDevice("native", { nativeDir: "/no/such/pack" }),
    unavailable(new RegExp(`${PLATFORM} at /no/such/pack.*beside the obento binary, or pass --native-dir`)),
  );
  const auto = await openDevice("auto", { nativeDir: "/no/such/pack" });
  assert.equal(auto.device, "wasm");
  assert.match(auto.fallback ?? "", /no native runtime pack .* at \/no\/such\/pack/);
  assert.equal(auto.nativeDir, undefined);
});

Deno.test({
  name:
    "a pack made from the npm package runs iris from its own folder, with WASM's answers; a corrupt one is refused",
  ignore: !BUILT,
  fn: async () => {
    const out = await Deno.makeTempDir({ prefix: "obento-pack-" });
    try {
      const dir = await makeNativePack({ platform: PLATFORM, out });
      assert.equal(dir, join(out, nativePackName()));
      const manifest = readNativePack(dir);
      assert.equal(manifest.platform, PLATFORM);
      // Only this platform's binaries: the linux-x64 pack is 46 MB, the npm package's bin/ 287 MB.
      const binaries = Object.keys(manifest.files).filter((f) => f.includes("/bin/"));
      assert.ok(
        binaries.every((f) => f.includes(`/bin/napi-v6/${PLATFORM.replace("-", "/")}/`)),
        String(binaries),
      );
      assert.ok(binaries.some((f) => f.endsWith("onnxruntime_binding.node")), String(binaries));

      // Loaded in a process of its own: this one may have the npm package's library mapped already.
      // --allow-all: Deno reads /proc/self/maps only with it.
      const rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.7, 1.5], [6.3, 3.3, 6.0, 2.5], [5.9, 3.0, 5.1, 1.8]];
      const probe = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          "--allow-all",
          "tests/helpers/native_pack_probe.ts",
          // Relative to the working directory, as `--native-dir pack` gives it: createRequire takes only
          // absolute paths, so loadNativePack resolves it.
          relative(Deno.cwd(), dir),
          JSON.stringify(rows),
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(probe.code, 0, new TextDecoder().decode(probe.stderr));
      const { outputs, libraries } = JSON.parse(new TextDecoder().decode(probe.stdout)) as {
        outputs: Record<string, number[]>;
        libraries: string[];
      };
      assert.ok(libraries.length >= 2, String(libraries));
      for (const library of libraries) assert.ok(library.startsWith(dir), `${library} is not from the pack`);

      const wasm = await new WasmBackend().createSession(
        await Deno.readFile("bundles/iris_classifier/iris_lr.onnx"),
      );
      const expected = await wasm.run({
        input: { type: "float32", dims: [rows.length, 4], data: new Float32Array(rows.flat()) },
      });
      assert.deepEqual(Object.keys(outputs).sort(), Object.keys(expected).sort());
      assert.deepEqual(outputs.label, Array.from(expected.label.data as BigInt64Array, Number));
      const probabilities = Array.from(expected.probabilities.data as Float32Array);
      outputs.probabilities.forEach((p, i) => assert.ok(Math.abs(p - probabilities[i]) < 1e-5, `${p} ${i}`));

      // A damaged binding of the right size passes the manifest check and is refused when it loads.
      const binding = join(dir, binaries.find((f) => f.endsWith("onnxruntime_binding.node"))!);
      await Deno.writeFile(binding, new Uint8Array((await Deno.stat(binding)).size));
      assert.throws(
        () => loadNativePack(dir),
        unavailable(new RegExp(`the native runtime pack at ${dir} does not load on ${PLATFORM}: .*unpack`)),
      );
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});

/**
 * What `obento serve` evaluates at start, checked on the static module graphs (`deno info --json`, dynamic
 * imports left out): the cuts measured in docs/benchmarks.md ("Cold start and idle RSS") stay cut. A static
 * import that brings one of these packages back fails here, naming the chain of modules.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier?: string }; isDynamic?: boolean }[];
}

/** Every module `entry` imports statically, each with the module that first imported it. */
async function staticGraph(entry: string): Promise<Map<string, string | undefined>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { roots: string[]; modules: InfoModule[] };
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const parent = new Map<string, string | undefined>([[info.roots[0], undefined]]);
  const queue = [info.roots[0]];
  while (queue.length > 0) {
    const at = queue.shift()!;
    for (const dep of modules.get(at)?.dependencies ?? []) {
      const to = dep.code?.specifier;
      if (to === undefined || dep.isDynamic || parent.has(to)) continue;
      parent.set(to, at);
      queue.push(to);
    }
  }
  return parent;
}

function chain(graph: Map<string, string | undefined>, from: string): string {
  const names: string[] = [];
  for (let at: string | undefined = from; at !== undefined; at = graph.get(at)) {
    names.push(at.replace(`file://${ROOT}`, ""));
  }
  return names.join(" <- ");
}

function assertNone(
  graph: Map<string, string | undefined>,
  packages: readonly string[],
  where: string,
): void {
  for (const specifier of graph.keys()) {
    const hit = packages.find((p) => specifier.startsWith(`npm:${p}@`) || specifier.startsWith(`npm:/${p}@`));
    assert.equal(hit, undefined, `${where} imports ${hit} statically: ${chain(graph, specifier)}`);
  }
}

/** Packages no part of `serve` needs at start: other commands', and the WASM runtime (loaded at its first session). */
const NOT_AT_START = [
  "onnxruntime-web",
  "@aws-sdk/client-s3",
  "@aws-sdk/lib-storage",
  "typescript",
  "esbuild-wasm",
  "hyparquet",
  "hyparquet-writer",
  "playwright-core",
  "postgres",
  "swagger-ui-dist",
  "kubernetes-models",
];

Deno.test("main.ts loads no command's module before the command is chosen", async () => {
  const graph = await staticGraph("main.ts");
  const commands = [...graph.keys()].filter((s) =>
    /\/src\/cli\/(serve|run|pack|registry_cmd|export)\.ts$/.test(s)
  );
  assert.deepEqual(commands, []);
  assertNone(graph, [...NOT_AT_START, "yaml", "hono", "onnxruntime-node"], "main.ts");
});

/**
 * The image decoders: imported when a service constructs an `ImageInput` or reads the SDK's `decodeImage`
 * (src/adapters/image_codecs.ts), not by every model worker.
 */
const IMAGE_CODECS = ["fast-png", "jpeg-js"];

Deno.test("serve's server thread and its model workers import none of the packages serve never needs at start", async () => {
  assertNone(await staticGraph("src/cli/serve.ts"), [...NOT_AT_START, ...IMAGE_CODECS], "src/cli/serve.ts");
  // A worker gets bento.yaml parsed and never needs the YAML parser.
  const worker = await staticGraph("src/worker/worker_main.ts");
  assertNone(worker, [...NOT_AT_START, ...IMAGE_CODECS, "yaml"], "src/worker/worker_main.ts");
  // Nor, in serve, `obento run`'s chunk runner (imported when the pool's items are chunks).
  const batch = [...worker.keys()].find((s) => s.startsWith(`file://${ROOT}src/batch/`));
  assert.equal(
    batch,
    undefined,
    `src/worker/worker_main.ts imports ${batch} statically: ${chain(worker, batch!)}`,
  );
});

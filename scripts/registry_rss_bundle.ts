/**
 * Saves a bundle `Big:<version>` whose artifact is `--mb` MiB of random bytes into the registry at `--home`,
 * without holding the artifact in memory: for measuring push/pull peak RSS (docs/registry.md).
 *
 *   deno run -A scripts/registry_rss_bundle.ts --home /tmp/rss-a --mb 400
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { writeManifest } from "../src/bundle/manifest.ts";
import { openRegistry } from "../src/registry/registry.ts";
import { writeTestBundle } from "../src/registry/_testing.ts";

const { values } = parseArgs({
  options: { home: { type: "string" }, mb: { type: "string" }, version: { type: "string" } },
});
const home = values.home ?? "/tmp/obento-rss";
const mb = Number(values.mb ?? "400");
const dir = await writeTestBundle(join(home, "src-big"), { name: "Big", version: values.version ?? "1" });
const file = await Deno.open(join(dir, "artifacts", "model.onnx"), { write: true, truncate: true });
const chunk = new Uint8Array(1024 * 1024);
for (let i = 0; i < mb; i++) {
  for (let o = 0; o < chunk.length; o += 65536) crypto.getRandomValues(chunk.subarray(o, o + 65536));
  let o = 0;
  while (o < chunk.length) o += await file.write(chunk.subarray(o));
}
file.close();
await writeManifest(dir);
const registry = await openRegistry({ home });
await registry.add(dir, { move: true });
registry.close();
console.log(`saved Big:${values.version ?? "1"} (${mb} MiB artifact) in ${home}`);

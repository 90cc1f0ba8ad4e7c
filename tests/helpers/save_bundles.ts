/**
 * Test helper process: writes small bundles and saves them into a registry through `openRegistry().add()`,
 * printing `ready` once the registry is open and `saved Name:version` after each save returns.
 *
 * Usage: deno run -A tests/helpers/save_bundles.ts --home DIR [--name N] [--count C (0 = forever)]
 *          [--version V] [--label k=v]... [--artifact-bytes B] [--created-at ISO]
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openRegistry } from "../../src/registry/mod.ts";
import { newVersion } from "../../src/registry/version.ts";
import { writeTestBundle } from "../../src/registry/_testing.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    home: { type: "string" },
    name: { type: "string", default: "Iris" },
    count: { type: "string", default: "1" },
    version: { type: "string" },
    label: { type: "string", multiple: true, default: [] },
    "artifact-bytes": { type: "string", default: "64" },
    "created-at": { type: "string" },
  },
});
if (!values.home) throw new Error("--home is required");
const labels = Object.fromEntries(values.label.map((pair) => pair.split("=", 2) as [string, string]));
const count = Number(values.count);
const work = await Deno.makeTempDir({ prefix: "obento-save-" });
const registry = await openRegistry({ home: values.home });
const encoder = new TextEncoder();
await Deno.stdout.write(encoder.encode("ready\n"));
try {
  for (let i = 0; count === 0 || i < count; i++) {
    const version = values.version ?? newVersion();
    const dir = await writeTestBundle(join(work, `b${i}`), {
      name: values.name,
      version,
      labels,
      createdAt: values["created-at"],
      artifactBytes: Number(values["artifact-bytes"]),
    });
    const saved = await registry.add(dir, { move: true });
    await Deno.stdout.write(encoder.encode(`saved ${saved.name}:${saved.version}\n`));
  }
} finally {
  registry.close();
  await Deno.remove(work, { recursive: true });
}

import assert from "node:assert/strict";
import { join } from "node:path";
import { type Checkpoint, checkpointPath, readCheckpoint, writeCheckpoint } from "./checkpoint.ts";

const checkpoint: Checkpoint = {
  version: 1,
  run: { bundle: "Iris:1", api: "predict", input: { path: "rows.csv", size: 10 } },
  position: 4096,
  rows: 4090,
  failed: 6,
  outputBytes: 40960,
  errorsBytes: 120,
  sink: { fields: ["label"], shape: "object" },
  complete: false,
};

Deno.test("a checkpoint written is read back as it was, replacing the previous one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = checkpointPath(join(dir, "out.csv"));
    assert.equal(path, join(dir, "out.csv.obento-resume.json"));
    assert.equal(await readCheckpoint(path), undefined);
    await writeCheckpoint(path, { ...checkpoint, position: 1 });
    await writeCheckpoint(path, checkpoint);
    assert.deepEqual(await readCheckpoint(path), checkpoint);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["out.csv.obento-resume.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a torn or foreign checkpoint reads as none (the run starts over rather than trusting it)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "c.json");
    await Deno.writeTextFile(path, JSON.stringify(checkpoint).slice(0, 40));
    assert.equal(await readCheckpoint(path), undefined);
    await Deno.writeTextFile(path, JSON.stringify({ ...checkpoint, version: 2 }));
    assert.equal(await readCheckpoint(path), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

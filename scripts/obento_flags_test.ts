import assert from "node:assert/strict";
import { RUN_FLAGS, SCRIPT_PERMISSIONS, TEST_PERMISSIONS } from "./obento_flags.ts";

Deno.test("deno.json's obento task runs with the shared flags", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.equal(config.tasks.obento, ["deno run", ...RUN_FLAGS, "main.ts"].join(" "), 'task "obento"');
});

Deno.test("deno.json's test task and the scripts that start obento take the shared permissions", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.equal(config.tasks.test, ["deno test --parallel", ...TEST_PERMISSIONS].join(" "), 'task "test"');
  for (
    const [task, script] of [
      ["bench:infer", "scripts/bench_infer.ts"],
      ["bench:batch", "scripts/bench_batch.ts"],
      ["bench:serve", "scripts/bench_serve.ts"],
      ["reliability:workers", "scripts/reliability_workers.ts"],
      ["fuzz:http", "scripts/fuzz_http.ts"],
      ["demo", "scripts/demo.ts"],
      ["faults", "scripts/faults.ts"],
    ]
  ) {
    assert.equal(config.tasks[task], ["deno run", ...SCRIPT_PERMISSIONS, script].join(" "), `task "${task}"`);
  }
});

import assert from "node:assert/strict";
import { RUN_FLAGS } from "./obento_flags.ts";

Deno.test("deno.json's obento and demo tasks run with the shared flags", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  for (const [task, entry] of [["obento", "main.ts"], ["demo", "scripts/demo.ts"]]) {
    const command: string = config.tasks[task];
    assert.equal(command, ["deno run", ...RUN_FLAGS, entry].join(" "), `task "${task}"`);
  }
});

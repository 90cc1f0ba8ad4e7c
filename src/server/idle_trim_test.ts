import assert from "node:assert/strict";
import { trimWhenIdle } from "./idle_trim.ts";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("trimWhenIdle: trims at once and at the start-up checks, then only after a burst of requests", async () => {
  let trims = 0;
  let requests = 0;
  const stop = trimWhenIdle(() => (trims++, true), () => requests, { intervalMs: 50, startUpTrims: 1 });
  try {
    assert.equal(trims, 1, "trims when called");
    await tick(75); // first check: a start-up trim
    assert.equal(trims, 2);
    await tick(150); // quiet checks: nothing freed since, no trim
    assert.equal(trims, 2);
    const busy = setInterval(() => requests++, 2);
    await tick(175); // requests keep arriving: never trims under traffic
    clearInterval(busy);
    assert.equal(trims, 2, "no trim while requests arrive");
    await tick(175); // the burst ended: one trim
    assert.equal(trims, 3);
    await tick(150);
    assert.equal(trims, 3, "one trim per burst");
  } finally {
    stop();
  }
});

Deno.test("trimWhenIdle: the returned function stops the checks", async () => {
  let trims = 0;
  const stop = trimWhenIdle(() => (trims++, true), () => 0, { intervalMs: 10, startUpTrims: 100 });
  stop();
  await tick(40);
  assert.equal(trims, 1);
});

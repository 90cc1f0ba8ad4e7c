/**
 * `obento run` survives runaway service code (issue 15, item 2): a chunk stuck in a busy loop is stopped at
 * `--timeout`, one whose worker hoards memory past `--worker-memory-limit` is stopped too (the timeout is
 * long enough, 4 s, that a loaded machine's hoarding worker reaches 64 MiB first); each time the
 * worker is replaced, that chunk's records fail with a message naming the limit, and the run goes on or
 * stops as `--max-errors` says, with the exit status of the worst failure (504: 75, 500: 70). One packed
 * bundle (tests/fixtures/services/unruly, API `choose`), two runs (tests/helpers/unruly_run.ts, which
 * `deno task reliability:run` runs with many rounds).
 */
import assert from "node:assert/strict";
import { runUnruly } from "./helpers/unruly_run.ts";

Deno.test("run: a stuck and a hoarding chunk fail alone, the worker is replaced, the run goes on", async () => {
  const home = await Deno.makeTempDir({ prefix: "obento-run-unruly-" });
  try {
    // Input: "ok-0-a", "spin", "ok-0-b", "hoard", "ok-end".
    const { tolerant, written, bad, tmpLeft, strict } = await runUnruly({ home, rounds: 1, timeoutMs: 4000 });

    // The error policy lets two records fail: the run goes on past both and exits 0. Its input is stdin:
    // each new worker reads the CLI's copy of it again, and the copy is gone at the end.
    assert.equal(tolerant.code, 0, tolerant.stderr);
    assert.deepEqual(written, ['"ok-0-a"', '"ok-0-b"', '"ok-end"']);
    assert.deepEqual(tmpLeft, [], "stdin's copy is removed after a run whose worker was replaced");
    assert.equal(bad[0], "row,status,message");
    assert.match(
      bad[1],
      /^2,504,"model worker 0 ran API ""choose"" for more than 4000 ms \(--timeout\); it was stopped/,
    );
    assert.match(
      bad[2],
      /^4,500,".*used \d+ MiB of JS heap, over the 64 MiB limit \(--worker-memory-limit\)"$/,
    );
    assert.equal(bad.length, 3, bad.join("\n"));
    assert.match(tolerant.stderr, /warning: model worker 0 ran API "choose" for more than 4000 ms/);
    assert.match(tolerant.stderr, /warning: model worker 0 used \d+ MiB of JS heap/);
    assert.ok(tolerant.ms < 60_000, `the run took ${tolerant.ms} ms`);

    // The default policy: the stuck record stops nothing, but the run's status is the timeout's (75).
    assert.equal(strict.code, 75, strict.stderr);
    assert.match(strict.stderr, /stopped after 1 failed records \(more than --max-errors 0\)/);
    assert.match(strict.stderr, / 2: .*for more than 4000 ms \(--timeout\)/);
    assert.equal(strict.stdout, "", "a stopped run writes nothing to stdout");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

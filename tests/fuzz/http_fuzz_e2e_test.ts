/**
 * The HTTP fuzzer at CI size against a real `obento serve` of the iris bundle: 300 generated requests, the
 * huge and deeply nested bodies once, and 2 raw TCP clients of each misbehaving kind. `deno task fuzz:http`
 * runs the long version.
 */
import assert from "node:assert/strict";
import { packIris } from "../helpers/cli.ts";
import { startServer } from "../helpers/server.ts";
import { fuzzHttp } from "./http_fuzzer.ts";

Deno.test("HTTP fuzz: no 5xx, every 4xx has a JSON error, the server stays healthy and its memory levels off", async () => {
  const home = await Deno.makeTempDir();
  const maxBody = 4 * 1024 * 1024;
  try {
    const bundle = await packIris(home);
    // The queue budget is out of reach: in a loaded full-suite run the batcher shed some of the 8 concurrent
    // fuzz requests with 503 "overloaded" (its design, not a fuzz finding); every other limit stays default.
    const server = await startServer(home, [
      bundle,
      "--workers",
      "1",
      "--max-body",
      String(maxBody),
      "--mb-max-latency",
      "300000",
    ]);
    try {
      const report = await fuzzHttp(server.url, {
        requests: 300,
        concurrency: 8,
        rawClients: 2,
        slowMs: 1000,
        hugeBytes: 3 * 1024 * 1024,
        maxBody,
        hugeRounds: 3,
        idleMs: 0,
        seed: 42,
      });
      assert.deepEqual(report.serverErrors, []);
      assert.deepEqual(report.badErrorBodies, []);
      assert.ok(report.healthyAfter, "the server did not answer /healthz, /readyz and /predict afterwards");
      assert.ok((report.statuses[400] ?? 0) > 50, `too few 400s: ${JSON.stringify(report.statuses)}`);
      assert.ok((report.statuses[200] ?? 0) > 0, `no request succeeded: ${JSON.stringify(report.statuses)}`);
      // Three rounds of the same huge bodies: the last round may not cost much more than the first.
      const [first, , last] = report.rss.afterRound;
      assert.ok(last < first + 256 * 2 ** 20, `RSS grew from ${first} to ${last} bytes over the rounds`);
    } finally {
      await server.stop();
      assert.doesNotMatch(server.log(), / 500 /);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

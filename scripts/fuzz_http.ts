/**
 * The long HTTP fuzz run: packs the iris bundle into a temporary home, starts `obento serve` on it, and runs
 * the HTTP fuzzer (tests/fuzz/http_fuzzer.ts): generated requests, huge and deeply nested JSON, raw TCP
 * clients that send garbage, stall, trickle or hang up. Prints the statuses, the 5xx (there must be none),
 * memory before/peak/after, and exits 1 on any 5xx, a 4xx without a JSON error, or an unhealthy server.
 *
 * Usage: deno task fuzz:http [--requests N] [--concurrency C] [--raw-clients K] [--slow-ms MS] [--huge-rounds R] [--seed S]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { packIris } from "../tests/helpers/cli.ts";
import { startServer } from "../tests/helpers/server.ts";
import { fuzzHttp } from "../tests/fuzz/http_fuzzer.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    requests: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "16" },
    "raw-clients": { type: "string", default: "50" },
    "slow-ms": { type: "string", default: "10000" },
    "huge-rounds": { type: "string", default: "5" },
    seed: { type: "string", default: String(Date.now() % 2 ** 31) },
  },
});
const MAX_BODY = 32 * 1024 * 1024;
const home = await Deno.makeTempDir({ prefix: "obento-fuzz-http-" });
const bundle = await packIris(home);
const server = await startServer(home, [bundle, "--workers", "1"]);
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
let failed = true;
try {
  const options = {
    requests: Number(values.requests),
    concurrency: Number(values.concurrency),
    rawClients: Number(values["raw-clients"]),
    slowMs: Number(values["slow-ms"]),
    hugeBytes: 24 * 1024 * 1024,
    maxBody: MAX_BODY,
    idleMs: 15_000,
    hugeRounds: Number(values["huge-rounds"]),
    seed: Number(values.seed),
  };
  console.log(`fuzz:http against ${server.url}: ${JSON.stringify(options)}`);
  const r = await fuzzHttp(server.url, options);
  const sent = Object.values(r.statuses).reduce((a, b) => a + b, 0);
  console.log(`responses: ${sent}; by status: ${JSON.stringify(r.statuses)}`);
  console.log(`no response (connection closed by the server or the client): ${JSON.stringify(r.noResponse)}`);
  console.log(`5xx: ${r.serverErrors.length}`);
  for (const e of r.serverErrors.slice(0, 20)) console.log(`  ${e}`);
  console.log(`4xx without a JSON error: ${r.badErrorBodies.length}`);
  for (const e of r.badErrorBodies.slice(0, 20)) console.log(`  ${e}`);
  console.log(
    `RSS: before ${mib(r.rss.before)}, peak ${mib(r.rss.peak)}, right after ${mib(r.rss.after)}, after ` +
      `${options.idleMs / 1000} s idle ${mib(r.rss.afterIdle)}; after each round of huge bodies: ` +
      r.rss.afterRound.map(mib).join(", "),
  );
  console.log(`healthy after: ${r.healthyAfter}; wall ${r.seconds.toFixed(1)} s`);
  failed = r.serverErrors.length > 0 || r.badErrorBodies.length > 0 || !r.healthyAfter;
} finally {
  const code = await server.stop();
  const errors = server.log().split("\n").filter((l) => / 500 |failed with 500|internal error/.test(l));
  if (errors.length > 0) console.log(`server log 500 lines:\n${errors.slice(0, 20).join("\n")}`);
  console.log(`server exited ${code}`);
  await Deno.remove(home, { recursive: true });
}
Deno.exit(failed ? 1 : 0);

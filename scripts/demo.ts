/**
 * `deno task demo [--port N]`: packs the example iris service into the local registry ($OBENTO_HOME, default
 * ~/.obento), shows predictions from the CLI, then serves it on 127.0.0.1 (port 3000 by default) and prints
 * a curl line to try — exactly what a user would do with the CLI. Ctrl-C stops the server.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { RUN_FLAGS } from "./obento_flags.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs one `obento` command as its own process, as `deno task obento` would: each command then starts as a user's
 * does (`serve` and `run` keep the FFI permission to open the native device where it loads; any other command
 * drops it at start, src/startup_heap_trimmer.ts), which one process running every step could not do.
 */
async function step(title: string, args: string[]): Promise<void> {
  console.log(`\n$ obento ${args.map((a) => (/[\s"'{[]/.test(a) ? `'${a}'` : a)).join(" ")}   # ${title}`);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...RUN_FLAGS, "main.ts", ...args],
    cwd: root,
  })
    .spawn();
  const { code } = await child.status;
  if (code !== 0) Deno.exit(code);
}

await step("pack the iris service with its model into the registry", [
  "pack",
  "bundles/iris_classifier/service.ts",
  "--artifact",
  "model=bundles/iris_classifier/iris_lr.onnx",
  "--label",
  "stage=demo",
  "--metadata",
  "accuracy=0.973",
]);
await step("predict one flower", [
  "run",
  "IrisClassifier:latest",
  "predict",
  "--input",
  '[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]',
]);
await step("predict a CSV file, as CSV", [
  "run",
  "IrisClassifier:latest",
  "predict_proba",
  "--input-file",
  "bundles/iris_classifier/iris_sample.csv",
  "--format",
  "csv",
]);

const { values } = parseArgs({ args: Deno.args, options: { port: { type: "string", default: "3000" } } });
const row = '[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]';
console.log(
  `\nServing on http://127.0.0.1:${values.port} — try it from another terminal:\n` +
    `  curl -s http://127.0.0.1:${values.port}/predict -H 'content-type: application/json' -d '${row}'\n` +
    `  open http://127.0.0.1:${values.port}/docs for the API docs. Ctrl-C stops the server.`,
);
// One model worker: for a 4-feature model the fastest setting (docs/multicore.md).
// Ctrl-C reaches the server too (same process group), which drains and exits; then so does the demo.
Deno.addSignalListener("SIGINT", () => {});
await step("serve it (one model worker: fastest for a tiny model)", [
  "serve",
  "IrisClassifier:latest",
  "--port",
  values.port!,
  "--workers",
  "1",
]);

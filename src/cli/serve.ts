/**
 * `obento serve`: loads a bundle, warms its models, and serves its APIs over HTTP with adaptive
 * micro-batching until SIGTERM/SIGINT, then drains in-flight work and exits 0.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { openRegistry } from "../registry/registry.ts";
import { resolveBundleRef } from "../registry/resolve_ref.ts";
import { type ServeOptions, startServer } from "../server/serve.ts";
import { intFlag, parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";

const HELP = `Usage:
  obento serve <bundle | NAME:VERSION | NAME:latest> [options]

Serves every API of a bundle: POST /<api>, plus GET /metadata, /healthz, /readyz, /metrics,
/docs (Swagger UI), /docs.json (OpenAPI 3.1), / (an index with try-it forms) and the Open Inference
Protocol v2 routes under /v2 for each ONNX model. Batch APIs are micro-batched adaptively.

Options:
  --port N                  port (default 3000; 0 picks a free one)
  --host H                  address to bind (default 127.0.0.1)
  --mb-max-batch-size N     largest batch (default 64; 1 turns batching off)
  --mb-max-latency MS       queue-wait budget (default 20): a batch is never held open past it, and
                            under load a request that would wait longer behind the work already
                            queued is refused at once with 503 + Retry-After (docs/batching.md)
  --timeout MS              end-to-end deadline per request, arrival to response (default 10000);
                            past it the request gets 504 naming the timer that fired
  --workers N               model workers, each on its own core (default: number of cores)
  --threads N               onnxruntime threads per worker (default 1)
  --max-body BYTES          largest request body (default 33554432); larger gets 413
  --max-queue N             queued requests per API before shedding with 503 (default 1024)
  --api-token-file F        API routes need "Authorization: Bearer <token in F>"; health,
                            readiness, metrics and docs stay open
  --cors ORIGINS            comma-separated allowed origins, or * (default: no CORS headers)
  -h, --help                show this help

Example:
  obento serve IrisClassifier:latest --port 3000
  curl -s localhost:3000/predict -H 'content-type: application/json' \\
    -d '[{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]'
`;

async function readToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ObentoError("NOT_FOUND", `--api-token-file ${path} not found`);
    }
    throw error;
  }
  const token = text.trim();
  if (token.length < 8 || /\s/.test(token)) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `--api-token-file ${path} must hold one token of at least 8 characters without spaces`,
    );
  }
  return token;
}

/** Parses flags into serve options, recording where each value came from. */
async function optionsFrom(args: string[], ctx: CliContext): Promise<{ ref: string; options: ServeOptions }> {
  const parsed = parseFlags("serve", args, {
    port: { type: "string" },
    host: { type: "string" },
    "mb-max-batch-size": { type: "string" },
    "mb-max-latency": { type: "string" },
    timeout: { type: "string" },
    workers: { type: "string" },
    threads: { type: "string" },
    "max-body": { type: "string" },
    "max-queue": { type: "string" },
    "api-token-file": { type: "string" },
    cors: { type: "string" },
  });
  if (parsed.positionals.length !== 1) {
    throw new ObentoError("BAD_ARGUMENT", "obento serve: give exactly one bundle; see `obento serve --help`");
  }
  const sources: Record<string, string> = {};
  const int = (flag: string, fallback: number, min = 1): number => {
    sources[flag] = stringFlag(parsed, flag) === undefined ? "default" : "flag";
    if (min === 0 && stringFlag(parsed, flag) === "0") return 0;
    return intFlag("serve", parsed, flag, fallback);
  };
  const tokenFile = stringFlag(parsed, "api-token-file");
  const cors = stringFlag(parsed, "cors");
  const host = stringFlag(parsed, "host") ?? "127.0.0.1";
  sources.host = stringFlag(parsed, "host") === undefined ? "default" : "flag";
  const options: ServeOptions = {
    port: int("port", 3000, 0),
    host,
    maxBatchSize: int("mb-max-batch-size", 64),
    maxLatencyMs: int("mb-max-latency", 20),
    timeoutMs: int("timeout", 10_000),
    workers: int("workers", navigator.hardwareConcurrency || 1),
    threads: int("threads", 1),
    maxBodyBytes: int("max-body", 32 * 1024 * 1024),
    maxQueue: int("max-queue", 1024),
    apiToken: tokenFile === undefined ? undefined : await readToken(tokenFile),
    corsOrigins: cors === undefined ? [] : cors.split(",").map((s) => s.trim()).filter(Boolean),
    sources: {
      ...sources,
      "api-token-file": tokenFile === undefined ? "default" : "flag",
      cors: cors === undefined ? "default" : "flag",
    },
    log: (line) => ctx.err(`${line}\n`),
    trimHeap: ctx.trimHeap,
  };
  return { ref: parsed.positionals[0], options };
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  const { ref, options } = await optionsFrom(args, ctx);
  const registry = await openRegistry({ home: ctx.home });
  let path: string;
  try {
    path = (await resolveBundleRef(ref, { cwd: ctx.cwd, registry })).path;
  } finally {
    registry.close();
  }
  const server = await startServer(path, options);
  let failure: unknown;
  server.ready.catch((error) => (failure = error));
  const stop = () => void server.shutdown();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  try {
    await server.finished;
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, stop);
  }
  if (failure !== undefined) throw failure;
  return 0;
}

/** The `serve` command. */
export const serveCommand: Command = {
  name: "serve",
  summary: "serve a bundle's APIs over HTTP with adaptive micro-batching",
  help: HELP,
  run,
};

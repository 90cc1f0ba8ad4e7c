/**
 * `obento serve`: loads a bundle, warms its models, and serves its APIs over HTTP with adaptive
 * micro-batching until SIGTERM/SIGINT, then drains in-flight work and exits 0.
 *
 * @module
 */
import { openDeviceForCli } from "./device_flag.ts";
import { ObentoError } from "../errors.ts";
import { openRegistry } from "../registry/registry.ts";
import { resolveBundleRef } from "../registry/resolve_ref.ts";
import {
  DEFAULT_LOAD_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_GRACE_MS,
  type ServeOptions,
  startServer,
} from "../server/serve.ts";
import { LOG_FORMATS, LOG_LEVELS } from "../server/logger.ts";
import { defaultBodyBudgetBytes } from "../server/body_budget.ts";
import { intFlag, parseFlags, stringFlag } from "./args.ts";
import { pullForUse, REGISTRY_FLAG } from "./registry_target.ts";
import type { CliContext, Command } from "./command.ts";

const HELP = `Usage:
  obento serve <bundle | NAME:VERSION | NAME:latest> [options]

Serves every API of a bundle: POST /<api>, plus GET /metadata, /healthz, /readyz, /metrics,
/docs (Swagger UI), /docs.json (OpenAPI 3.1), / (an index with try-it forms) and the Open Inference
Protocol v2 routes under /v2 for each ONNX model. Batch APIs are micro-batched adaptively. The port is
bound first; /healthz answers while models load and /readyz turns 200 once they are warm. SIGTERM or
SIGINT drains in-flight requests and exits 0.

Options:
  --port N                  port, 0 to 65535 (default 3000; 0 picks a free one, the log says which)
  --host H                  address to bind (default 127.0.0.1; 0.0.0.0 serves other machines)
  --mb-max-batch-size N     largest batch, in items (default 64; 1 turns batching off)
  --mb-max-latency MS       queue-wait budget in ms (default 20): a batch is never held open past it,
                            and under load a request that would wait longer behind the work already
                            queued is refused at once with 503 + Retry-After (docs/batching.md)
  --timeout MS              end-to-end deadline per request in ms, arrival to response (default
                            10000); past it the request gets 504 naming the timer that fired
  --workers N               model workers, each on its own core (default: number of cores); each is
                            supervised: one that crashes, ends itself, stops answering, or runs a
                            batch past --timeout plus a margin is stopped and replaced
  --in-process              run the service on the server's thread instead (a little faster for tiny
                            models, but nothing can stop an API that never returns)
  --device D                where models run: auto (default: wasm in supervised workers; with
                            --in-process, native onnxruntime where its library loads), native (on
                            the server's thread, unsupervised; not with --workers), wasm; the choice
                            and any fallback are logged. Native runs on the server's thread
  --threads N               onnxruntime threads per worker (default 1; native: cores - 1, at least 1)
  --load-timeout MS         how long loading and warming the bundle may take, in ms (default 60000)
  --shutdown-grace MS       on SIGTERM/SIGINT, how long in-flight requests may finish before stuck
                            workers are stopped, in ms (default 20000); a second signal exits at once
  --max-body BYTES          largest request body in bytes (default 33554432 = 32 MiB); larger gets 413
  --max-body-total BYTES    most bytes of request bodies held at once, read, queued or in inference
                            (default: a quarter of available memory, at most 536870912 = 512 MiB, at
                            least --max-body); past it a request gets 503 + Retry-After before its
                            body is read
  --max-queue N             queued requests per API before shedding with 503 (default 1024)
  --api-token-file F        API routes need "Authorization: Bearer <token in F>"; health,
                            readiness, metrics and docs stay open
  --cors ORIGINS            comma-separated allowed origins, or * (default: no CORS headers)
  --log-level L             debug, info (default), warn or error; a request's line is info (probes
                            debug), warn for 4xx, 503 and 504, error for 500
  --log-format F            text (default) or json (one JSON object per line)
  --registry URL            pull Name[:version] from this registry server into the local registry
                            first (a version already there is not downloaded; token: $OBENTO_TOKEN)
  -h, --help                show this help

Every response carries x-request-id (the client's, if it sent a sensible one); the log has one
line per request and, for a 500, the stack with that id.

Examples:
  obento serve IrisClassifier:latest                     # the latest version on port 3000
  obento serve ./IrisClassifier --port 0 --workers 1     # a bundle folder, a free port, one worker
  obento serve IrisClassifier:1.0.0 --host 0.0.0.0 --log-format json  # in a container
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

/** `--port`: an integer from 0 to 65535 (0 picks a free port); default 3000. */
function portFrom(raw: string | undefined): number {
  if (raw === undefined) return 3000;
  const port = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(port) || port > 65535) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento serve: --port must be an integer from 0 to 65535 (0 picks a free port), got "${raw}"`,
    );
  }
  return port;
}

/** A flag whose value must be one of `allowed`; undefined when not given. */
function oneOf<T extends string>(
  flag: string,
  raw: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  const found = allowed.find((a) => a === raw);
  if (found === undefined) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento serve: --${flag} must be one of ${allowed.join(", ")}, got "${raw}"`,
    );
  }
  return found;
}

/**
 * `--max-body-total`: `given` bytes (0 when the flag is absent: the default from this machine's memory); at
 * least `--max-body`, or no request could ever use its full allowance.
 */
function bodyTotalFrom(maxBodyBytes: number, given: number): number {
  if (given === 0) {
    const { total, available } = Deno.systemMemoryInfo();
    return defaultBodyBudgetBytes({ total, available }, maxBodyBytes);
  }
  if (given < maxBodyBytes) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento serve: --max-body-total ${given} is below --max-body ${maxBodyBytes}; give at least ` +
        `${maxBodyBytes}, or lower --max-body`,
    );
  }
  return given;
}

/** Parses flags into serve options, recording where each value came from. */
async function optionsFrom(
  args: string[],
  ctx: CliContext,
): Promise<{ ref: string; device: string | undefined; options: ServeOptions; registryUrl?: string }> {
  const parsed = parseFlags("serve", args, {
    ...REGISTRY_FLAG,
    port: { type: "string" },
    host: { type: "string" },
    "mb-max-batch-size": { type: "string" },
    "mb-max-latency": { type: "string" },
    timeout: { type: "string" },
    workers: { type: "string" },
    "in-process": { type: "boolean" },
    threads: { type: "string" },
    device: { type: "string" },
    "load-timeout": { type: "string" },
    "shutdown-grace": { type: "string" },
    "max-body": { type: "string" },
    "max-body-total": { type: "string" },
    "max-queue": { type: "string" },
    "api-token-file": { type: "string" },
    cors: { type: "string" },
    "log-level": { type: "string" },
    "log-format": { type: "string" },
  });
  if (parsed.positionals.length !== 1) {
    throw new ObentoError("BAD_ARGUMENT", "obento serve: give exactly one bundle; see `obento serve --help`");
  }
  const sources: Record<string, string> = {};
  const int = (flag: string, fallback: number): number => {
    sources[flag] = stringFlag(parsed, flag) === undefined ? "default" : "flag";
    return intFlag("serve", parsed, flag, fallback);
  };
  const tokenFile = stringFlag(parsed, "api-token-file");
  const cors = stringFlag(parsed, "cors");
  const host = stringFlag(parsed, "host") ?? "127.0.0.1";
  sources.host = stringFlag(parsed, "host") === undefined ? "default" : "flag";
  const logLevel = oneOf("log-level", stringFlag(parsed, "log-level"), LOG_LEVELS);
  const logFormat = oneOf("log-format", stringFlag(parsed, "log-format"), LOG_FORMATS);
  sources["log-level"] = logLevel === undefined ? "default" : "flag";
  sources["log-format"] = logFormat === undefined ? "default" : "flag";
  sources.port = stringFlag(parsed, "port") === undefined ? "default" : "flag";
  const maxBodyBytes = int("max-body", 32 * 1024 * 1024);
  const options: ServeOptions = {
    port: portFrom(stringFlag(parsed, "port")),
    host,
    maxBatchSize: int("mb-max-batch-size", 64),
    maxLatencyMs: int("mb-max-latency", 20),
    timeoutMs: int("timeout", 10_000),
    workers: int("workers", navigator.hardwareConcurrency || 1),
    inProcess: parsed.values["in-process"] === true,
    threads: int("threads", 1),
    loadTimeoutMs: int("load-timeout", DEFAULT_LOAD_TIMEOUT_MS),
    shutdownGraceMs: int("shutdown-grace", DEFAULT_SHUTDOWN_GRACE_MS),
    maxBodyBytes,
    maxBodyTotalBytes: bodyTotalFrom(maxBodyBytes, int("max-body-total", 0)),
    maxQueue: int("max-queue", 1024),
    apiToken: tokenFile === undefined ? undefined : await readToken(tokenFile),
    corsOrigins: cors === undefined ? [] : cors.split(",").map((s) => s.trim()).filter(Boolean),
    sources: {
      ...sources,
      "api-token-file": tokenFile === undefined ? "default" : "flag",
      cors: cors === undefined ? "default" : "flag",
      device: stringFlag(parsed, "device") === undefined ? "default" : "flag",
      workers: parsed.values["in-process"] === true ? "flag" : sources.workers,
    },
    log: (line) => ctx.err(`${line}\n`),
    logLevel,
    logFormat,
    trimHeap: ctx.trimHeap,
  };
  return {
    ref: parsed.positionals[0],
    device: stringFlag(parsed, "device"),
    options,
    registryUrl: stringFlag(parsed, "registry"),
  };
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  const { ref: given, device, options, registryUrl } = await optionsFrom(args, ctx);
  const ref = registryUrl === undefined ? given : await pullForUse(ctx, registryUrl, given);
  const registry = await openRegistry({ home: ctx.home });
  let path: string;
  try {
    path = (await resolveBundleRef(ref, { cwd: ctx.cwd, registry })).path;
  } finally {
    registry.close();
  }
  // Models run in supervised workers unless the operator chose the server's thread: --in-process, or
  // --device native without --workers. Native can only run there (src/cli/device_flag.ts says why), so `auto`
  // picks native only with --in-process and says why it picked wasm otherwise.
  const onThisThread = options.inProcess || (device === "native" && options.sources.workers !== "flag");
  options.device = await openDeviceForCli(device, onThisThread ? "this-thread" : "workers");
  if (options.device.device === "native") {
    options.inProcess = true;
    options.sources.workers = options.sources.workers === "flag" ? "flag" : "native";
    if (options.sources.threads === "default") {
      // One core stays with the JavaScript thread (HTTP, JSON, batching): on 2 cores, 2 intra-op threads
      // served the MLP at 0.45× of 1 thread in bench:serve (docs/benchmarks.md, "Devices").
      options.threads = Math.max(1, (navigator.hardwareConcurrency || 1) - 1);
      options.sources.threads = "native";
    }
  }
  const server = await startServer(path, options);
  let failure: unknown;
  server.ready.catch((error) => (failure = error));
  // The first signal drains (bounded by --shutdown-grace); a second one exits at once.
  let signalled = false;
  let exitNow: (code: number) => void = () => {};
  const forced = new Promise<number>((resolve) => (exitNow = resolve));
  const handlers = new Map<Deno.Signal, () => void>();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const signal of signals) {
    const handler = () => {
      if (!signalled) {
        signalled = true;
        void server.shutdown();
        return;
      }
      ctx.err(`obento: ${signal} again: exiting without waiting\n`);
      exitNow(signal === "SIGINT" ? 130 : 143);
    };
    handlers.set(signal, handler);
    Deno.addSignalListener(signal, handler);
  }
  try {
    const code = await Promise.race([server.finished.then(() => 0), forced]);
    if (code !== 0) return code;
  } finally {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
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

/**
 * `obento serve`: loads a bundle, warms its models, and serves its APIs over HTTP with adaptive
 * micro-batching until SIGTERM/SIGINT, then drains in-flight work and exits 0.
 *
 * @module
 */
import { flagName } from "./option_flags.ts";
import { openDeviceForCli } from "./device_flag.ts";
import { ObentoError } from "../errors.ts";
import { type ServeOptions, startServer } from "../server/serve.ts";
import { defaultWorkers, SERVE_DEFAULTS } from "../defaults.ts";
import { LOG_FORMATS, LOG_LEVELS } from "../server/logger.ts";
import { defaultBodyBudgetBytes } from "../server/body_budget.ts";
import { type ConnectionBounds, DEFAULT_CONNECTION_BOUNDS } from "../server/bounded_http.ts";
import { intFlag, parseFlags, stringFlag, wholeFlag } from "./args.ts";
import { pullForUse, REGISTRY_FLAG } from "./registry_target.ts";
import { bundlePathOf } from "./bundle_path.ts";
import type { CliContext, Command } from "./command.ts";

const D = SERVE_DEFAULTS;

const HELP = `Usage:
  obento serve <bundle | NAME:VERSION | NAME:latest> [options]

Serves every API of a bundle: POST /<api>, plus GET /metadata, /healthz, /readyz, /metrics,
/docs (Swagger UI), /docs.json (OpenAPI 3.1), / (an index with try-it forms) and the Open Inference
Protocol v2 routes under /v2 for each ONNX model. Batch APIs are micro-batched adaptively. The port is
bound first; /healthz answers while models load and /readyz turns 200 once they are warm. SIGTERM or
SIGINT drains connections (--shutdown-drain), then in-flight requests, and exits 0.

Options:
  --port N                  port, 0 to 65535 (default ${D.port}; 0 picks a free one, the log says which)
  --host H                  address to bind (default ${D.host}; 0.0.0.0 serves other machines)
  --mb-max-batch-size N     largest batch, in items (default ${D.maxBatchSize}; 1 turns batching off)
  --mb-max-latency MS       queue-wait budget in ms (default ${D.maxLatencyMs}): a batch is never held open past it,
                            and under load a request that would wait longer behind the work already
                            queued is refused at once with 503 + Retry-After (docs/batching.md)
  --mb-refusal-delay MS     how long such a 503 is held before it is sent, in ms per second of its
                            Retry-After (default: --mb-max-latency; 0 answers at once), so clients
                            retrying at once cannot make refusals the server's main load
  --timeout MS              end-to-end deadline per request in ms, arrival to response (default
                            ${D.timeoutMs}); past it the request gets 504 naming the timer that fired
  --workers N               model workers, each on its own core (default: number of cores); each is
                            supervised: one that crashes, ends itself, stops answering, or runs a
                            batch past --timeout plus a margin is stopped and replaced
  --in-process              run the service on the server's thread instead, without the sandbox: its
                            code gets every permission obento has (for trusted, tiny models: a
                            little faster, but nothing can stop an API that never returns)
  --bundle-permissions P    narrow what the bundle's code may do beyond reading its bundle: none, or
                            kind[=value],... from what its bento.yaml declares (kinds: read, write,
                            net, env); asking for more than it declares is an error (default: what
                            it declares; docs/serving.md, "Sandbox")
  --device D                where models run: auto (default: native onnxruntime where its library
                            loads, else wasm), native, wasm, webgpu (needs a WebGPU adapter;
                            --threads 1); the choice and any fallback are logged. Each model worker
                            opens it (native: FFI is dropped before bundle code)
  --native-dir DIR          the native runtime pack's folder (obento-native-<platform>, default
                            $OBENTO_NATIVE_DIR, else one beside the obento binary; docs/shipping.md)
  --worker-memory-limit BYTES
                            most JS heap a model worker may use (default ${D.workerMemoryLimitBytes} = 1 GiB;
                            models' WASM memory not counted); a worker past it is replaced and its
                            requests get 500 naming the limit (checked every 100 ms while the worker
                            is not running synchronous code; docs/serving.md)
  --threads N               onnxruntime threads per worker (default ${D.threads}; native --in-process: cores - 1)
  --load-timeout MS         how long loading and warming the bundle may take, in ms (default ${D.loadTimeoutMs})
  --shutdown-grace MS       on SIGTERM/SIGINT, how long in-flight requests may finish before stuck
                            workers are stopped, in ms (default ${D.shutdownGraceMs}); a second signal exits at once
  --shutdown-drain MS       on SIGTERM/SIGINT, first keep accepting for up to MS ms, answering every
                            request with Connection: close and /readyz with 503, so keep-alive clients
                            reconnect elsewhere and load balancers stop sending; over sooner once no
                            request comes for 250 ms (default ${D.shutdownDrainMs}; 0: stop accepting at once)
  --max-body BYTES          largest request body in bytes (default ${D.maxBodyBytes} = ${
  D.maxBodyBytes / 2 ** 20
} MiB); larger gets 413
  --max-body-total BYTES    most bytes of request bodies held at once, read, queued or in inference
                            (default: a quarter of available memory, at most 536870912 = 512 MiB, at
                            least --max-body); past it a request gets 503 + Retry-After before its
                            body is read
  --max-queue N             queued requests per API before shedding with 503 (default ${D.maxQueue})
  --transport T             deno (default) or bounded. deno is Deno.serve: fastest, but with no bound
                            on connections (idle and half-sent ones are held until the client
                            leaves); bounded serves through node:http with the three bounds below,
                            at a third to two thirds of the throughput (docs/serving.md,
                            "Connections")
  --header-timeout MS       (bounded) a connection that has not sent a request's headers within MS
                            of opening, or of its keep-alive idle time ending, is closed (default
                            ${D.headerTimeoutMs})
  --idle-timeout MS         (bounded) a keep-alive connection idle for MS after an answer is closed
                            (default ${D.idleTimeoutMs})
  --max-connections N       (bounded) most connections open at once; past it a new one is closed at
                            once, unanswered (default ${D.maxConnections})
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

/** `--port`: an integer from 0 to 65535 (0 picks a free port); default `SERVE_DEFAULTS.port`. */
function portFrom(raw: string | undefined): number {
  if (raw === undefined) return D.port;
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

/** `--transport`: how connections are served. */
const TRANSPORTS = ["bounded", "deno"] as const;
/** The default `--transport` (docs/serving.md, "Connections", gives the throughput figures behind it). */
const DEFAULT_TRANSPORT: (typeof TRANSPORTS)[number] = "deno";

/**
 * The connection bounds for `transport`: the bounds for `bounded`; none for `deno`, where giving one of the
 * bound flags is a usage error (Deno.serve cannot enforce it).
 */
function connectionsFrom(
  transport: (typeof TRANSPORTS)[number],
  bounds: ConnectionBounds,
  sources: Record<string, string>,
): ConnectionBounds | undefined {
  if (transport === "bounded") return bounds;
  const given = ["header-timeout", "idle-timeout", "max-connections"].filter((flag) =>
    sources[flag] === "flag"
  );
  if (given.length > 0) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento serve: --${given[0]} needs --transport bounded (Deno.serve has no bound on connections); ` +
        "add --transport bounded, or drop the bound",
    );
  }
  return undefined;
}

/** Parses flags into serve options, recording where each value came from. */
async function optionsFrom(
  args: string[],
  ctx: CliContext,
): Promise<
  { ref: string; device: string | undefined; nativeDir?: string; options: ServeOptions; registryUrl?: string }
> {
  const parsed = parseFlags("serve", args, {
    ...REGISTRY_FLAG,
    port: { type: "string" },
    host: { type: "string" },
    "mb-max-batch-size": { type: "string" },
    "mb-max-latency": { type: "string" },
    "mb-refusal-delay": { type: "string" },
    timeout: { type: "string" },
    workers: { type: "string" },
    "in-process": { type: "boolean" },
    "bundle-permissions": { type: "string" },
    threads: { type: "string" },
    "worker-memory-limit": { type: "string" },
    device: { type: "string" },
    "native-dir": { type: "string" },
    "load-timeout": { type: "string" },
    "shutdown-grace": { type: "string" },
    "shutdown-drain": { type: "string" },
    "max-body": { type: "string" },
    "max-body-total": { type: "string" },
    "max-queue": { type: "string" },
    transport: { type: "string" },
    "header-timeout": { type: "string" },
    "idle-timeout": { type: "string" },
    "max-connections": { type: "string" },
    "api-token-file": { type: "string" },
    cors: { type: "string" },
    "log-level": { type: "string" },
    "log-format": { type: "string" },
  });
  if (parsed.positionals.length !== 1) {
    throw new ObentoError("BAD_ARGUMENT", "obento serve: give exactly one bundle; see `obento serve --help`");
  }
  if (parsed.values["in-process"] === true && stringFlag(parsed, "bundle-permissions") !== undefined) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      "obento serve: --bundle-permissions narrows the sandbox, and --in-process runs without one; drop one",
    );
  }
  const sources: Record<string, string> = {};
  const int = (flag: string, fallback: number): number => {
    sources[flag] = stringFlag(parsed, flag) === undefined ? "default" : "flag";
    return intFlag("serve", parsed, flag, fallback);
  };
  const tokenFile = stringFlag(parsed, "api-token-file");
  const cors = stringFlag(parsed, "cors");
  const host = stringFlag(parsed, "host") ?? D.host;
  sources.host = stringFlag(parsed, "host") === undefined ? "default" : "flag";
  const logLevel = oneOf("log-level", stringFlag(parsed, "log-level"), LOG_LEVELS);
  const logFormat = oneOf("log-format", stringFlag(parsed, "log-format"), LOG_FORMATS);
  sources["log-level"] = logLevel === undefined ? "default" : "flag";
  sources["log-format"] = logFormat === undefined ? "default" : "flag";
  sources.port = stringFlag(parsed, "port") === undefined ? "default" : "flag";
  const maxBodyBytes = int("max-body", D.maxBodyBytes);
  const transport = oneOf("transport", stringFlag(parsed, "transport"), TRANSPORTS) ?? DEFAULT_TRANSPORT;
  sources.transport = stringFlag(parsed, "transport") === undefined ? "default" : "flag";
  const connections = connectionsFrom(transport, {
    headerTimeoutMs: int("header-timeout", DEFAULT_CONNECTION_BOUNDS.headerTimeoutMs),
    idleTimeoutMs: int("idle-timeout", DEFAULT_CONNECTION_BOUNDS.idleTimeoutMs),
    maxConnections: int("max-connections", DEFAULT_CONNECTION_BOUNDS.maxConnections),
  }, sources);
  const workersByDefault = defaultWorkers(navigator.hardwareConcurrency || 1);
  const options: ServeOptions = {
    port: portFrom(stringFlag(parsed, "port")),
    host,
    maxBatchSize: int("mb-max-batch-size", D.maxBatchSize),
    maxLatencyMs: int("mb-max-latency", D.maxLatencyMs),
    refusalDelayMs: wholeFlag("serve", parsed, "mb-refusal-delay"),
    timeoutMs: int("timeout", D.timeoutMs),
    workers: int("workers", workersByDefault.workers),
    inProcess: parsed.values["in-process"] === true,
    bundlePermissions: stringFlag(parsed, "bundle-permissions"),
    threads: int("threads", D.threads),
    workerMemoryLimitBytes: int("worker-memory-limit", D.workerMemoryLimitBytes),
    loadTimeoutMs: int("load-timeout", D.loadTimeoutMs),
    shutdownGraceMs: int("shutdown-grace", D.shutdownGraceMs),
    shutdownDrainMs: wholeFlag("serve", parsed, "shutdown-drain") ?? D.shutdownDrainMs,
    maxBodyBytes,
    maxBodyTotalBytes: bodyTotalFrom(maxBodyBytes, int("max-body-total", 0)),
    maxQueue: int("max-queue", D.maxQueue),
    connections,
    apiToken: tokenFile === undefined ? undefined : await readToken(tokenFile),
    corsOrigins: cors === undefined ? [] : cors.split(",").map((s) => s.trim()).filter(Boolean),
    sources: {
      ...sources,
      "api-token-file": tokenFile === undefined ? "default" : "flag",
      "mb-refusal-delay": stringFlag(parsed, "mb-refusal-delay") === undefined ? "default" : "flag",
      "shutdown-drain": stringFlag(parsed, "shutdown-drain") === undefined ? "default" : "flag",
      cors: cors === undefined ? "default" : "flag",
      device: stringFlag(parsed, "device") === undefined ? "default" : "flag",
      workers: parsed.values["in-process"] === true
        ? "flag"
        : sources.workers === "default"
        ? workersByDefault.reason
        : sources.workers,
      sandbox: parsed.values["in-process"] === true || stringFlag(parsed, "bundle-permissions") !== undefined
        ? "flag"
        : "bento.yaml",
    },
    log: (line) => ctx.err(`${line}\n`),
    logLevel,
    logFormat,
    trimHeap: ctx.trimHeap,
    optionName: flagName, // HTTP clients and the start-up errors see `--timeout`, not `timeoutMs`
  };
  return {
    ref: parsed.positionals[0],
    device: stringFlag(parsed, "device"),
    nativeDir: stringFlag(parsed, "native-dir") ?? ctx.nativeDir,
    options,
    registryUrl: stringFlag(parsed, "registry"),
  };
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  const { ref: given, device, nativeDir, options, registryUrl } = await optionsFrom(args, ctx);
  const ref = registryUrl === undefined ? given : await pullForUse(ctx, registryUrl, given);
  const path = await bundlePathOf(ref, ctx);
  // Models run in sandboxed, supervised workers unless the operator chose the server's thread
  // (--in-process). Each worker opens the device itself; for native, this thread keeps FFI to give it to
  // them (src/cli/device_flag.ts).
  options.device = await openDeviceForCli(device, options.inProcess ? "this-thread" : "workers", {
    dir: nativeDir,
    execPath: ctx.execPath,
  });
  if (options.device.device === "native" && options.inProcess) {
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

/**
 * Starts serving a bundle: binds the port first (a port in use fails at once, before any model is loaded), then
 * loads the executor (in-process or a worker pool) and warms the models while `/healthz` already answers and
 * `/readyz` says 503, then reports ready. `shutdown()` stops accepting connections, lets in-flight requests and
 * queued batches finish, and frees the models.
 *
 * @module
 */
import { sdkOptionName } from "../option_name.ts";
import { SERVE_DEFAULTS } from "../defaults.ts";
import { describeDevice, type DevicePlan } from "../backends/device.ts";
import { join } from "node:path";
import { parseBento } from "../bundle/bento_yaml.ts";
import { type BundlePermissions, describePermissions, narrowPermissions } from "../bundle/permissions.ts";
import { messageOf, ObentoError } from "../errors.ts";
import { type HeapTrimmer, revokeFfi } from "../heap_trim.ts";
import { trimWhenIdle } from "./idle_trim.ts";
import { openFullGc } from "../full_gc.ts";
import type { Executor, RawItem, RawOutcome } from "../runtime/executor.ts";
import { InProcessExecutor } from "../runtime/executor.ts";
import {
  DEFAULT_QUEUED_BATCHES,
  loadTimeoutMessage,
  type OpenedDevice,
  WorkerPoolExecutor,
} from "../runtime/worker_pool.ts";
import { warmUpModels } from "../runtime/warm_up.ts";
import type { ReadBento } from "../runtime/load.ts";
import { createApp, type ServeConfig } from "./app.ts";
import { createServerMetrics, type ServerMetrics } from "./metrics.ts";
import { Registry } from "./prometheus.ts";
import { type ConnectionBounds, serveBounded } from "./bounded_http.ts";
import { ConnectionDrain, DRAIN_QUIET_MS } from "./drain.ts";
import { createLogger, type LogFormat, type Logger, type LogLevel } from "./logger.ts";

/** Options for {@link startServer}. */
export interface ServeOptions extends ServeConfig {
  /** Port (0 picks a free one). */
  port: number;
  /** Address to bind. */
  host: string;
  /** Model workers, each a supervised Web Worker with its own copy of the bundle. */
  workers: number;
  /**
   * Run the service on the server's own thread instead of in supervised workers: a little faster for tiny
   * models, but an API that never returns stops the whole server. Default false.
   */
  inProcess?: boolean;
  /** How long loading and warming the bundle may take, in ms (default 60000). */
  loadTimeoutMs?: number;
  /**
   * On shutdown, how long in-flight requests may take to finish, in ms, before stuck workers are stopped
   * (default 20000).
   */
  shutdownGraceMs?: number;
  /**
   * On shutdown, how long to keep accepting and answering every request with `Connection: close` (and
   * `/readyz` 503) before stopping accepting, in ms; ends early once no request has come for 250 ms; 0: stop
   * accepting at once (src/server/drain.ts; default 1000).
   */
  shutdownDrainMs?: number;
  /**
   * Most bytes of JS heap a model worker may use before it is replaced (restart cause `memory`); 0 or absent:
   * no limit. See `WorkerPoolOptions.memoryLimitBytes`.
   */
  workerMemoryLimitBytes?: number;
  /** onnxruntime threads per worker. */
  threads: number;
  /**
   * The device the models run on (src/backends/device.ts). Default: WASM. In-process, it is opened by the
   * caller (`openDevice`) and its backend used as it is. Model workers open it themselves, so a plan is
   * enough (`planWorkerDevice`; native and `auto`: the caller keeps the FFI permission, which each worker
   * gets and drops before the bundle's code loads); under `auto` the first worker ready says what it got,
   * which is then logged and shown on /metadata and /metrics.
   */
  device?: DevicePlan;
  /**
   * `--bundle-permissions`: narrows what the bundle's bento.yaml declares (src/bundle/permissions.ts);
   * absent: everything it declares. Ignored in-process, where the service has every permission obento has.
   */
  bundlePermissions?: string;
  /** Where each option's value came from ("flag", "default"), logged at start and shown in /metadata. */
  sources: Record<string, string>;
  /** Where log lines go (one line per call, without its newline). */
  log: (line: string) => void;
  /** Lines below this level are not logged (default `info`; see src/server/access_log.ts for request lines). */
  logLevel?: LogLevel;
  /** Plain text (default) or JSON lines. */
  logFormat?: LogFormat;
  /**
   * Returns freed native memory to the OS (src/heap_trim.ts): called once models are warm, a few times while
   * V8 finishes compiling in the background, and whenever traffic stops (src/server/idle_trim.ts).
   */
  trimHeap?: HeapTrimmer;
  /**
   * Bounds on connections (src/server/bounded_http.ts); when given, the server runs on the bounded transport
   * (`node:http` with our timers) instead of `Deno.serve`, which has no such bounds. docs/serving.md
   * ("Connections") says what each costs.
   */
  connections?: ConnectionBounds;
}

/** A running server. */
export interface RunningServer {
  /** The base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Resolves when models are loaded and warmed (rejects when loading failed). */
  ready: Promise<void>;
  /**
   * Drains connections (keeps accepting, answers with `Connection: close`, `/readyz` 503) for up to
   * `shutdownDrainMs` unless `drain` is false, then stops accepting, finishes in-flight requests, frees;
   * resolves when done. Idempotent (the first call's `drain` holds).
   */
  shutdown(options?: { drain?: boolean }): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/** How long after ready the first heap trim runs, in ms (see `startServer`). */
const FIRST_TRIM_DELAY_MS = 2000;

/** An executor whose real one arrives later; batches wait for it. */
class DeferredExecutor implements Executor {
  readonly concurrency: number;
  readonly queuedBatches: number;
  readonly #executor: Promise<Executor>;

  constructor(concurrency: number, queuedBatches: number, executor: Promise<Executor>) {
    this.concurrency = concurrency;
    this.queuedBatches = queuedBatches;
    this.#executor = executor;
    this.#executor.catch(() => {});
  }

  async run(api: string, items: readonly RawItem[], signal?: AbortSignal): Promise<RawOutcome[]> {
    return await (await this.#executor).run(api, items, signal);
  }

  async close(waitMs?: number): Promise<void> {
    await (await this.#executor.catch(() => undefined))?.close(waitMs);
  }
}

/** The margin a batch may overrun the request timeout by before its worker is stopped and replaced. */
export function batchTimeoutFor(timeoutMs: number): number {
  return timeoutMs + Math.max(1000, Math.round(timeoutMs / 4));
}

async function openExecutor(
  path: string,
  options: ServeOptions,
  logger: Logger,
  metrics: ServerMetrics,
  permissions: BundlePermissions,
  bento: ReadBento,
  onDevice: (opened: OpenedDevice) => void,
): Promise<Executor> {
  const loadTimeoutMs = options.loadTimeoutMs ?? SERVE_DEFAULTS.loadTimeoutMs;
  const name = options.optionName ?? sdkOptionName;
  if (!options.inProcess) {
    const pool = await WorkerPoolExecutor.open(path, {
      permissions,
      bento, // read above: not parsed again
      device: options.device?.device ?? "wasm",
      onDevice,
      nativeDir: options.device?.nativeDir,
      workers: options.workers,
      queuedBatches: DEFAULT_QUEUED_BATCHES,
      threads: options.threads,
      loadTimeoutMs,
      batchTimeoutMs: batchTimeoutFor(options.timeoutMs),
      memoryLimitBytes: options.workerMemoryLimitBytes,
      // The pool's `memoryLimitBytes` is serve's `workerMemoryLimitBytes`.
      optionName: (option) => name(option === "memoryLimitBytes" ? "workerMemoryLimitBytes" : option),
      hostApis: ["v2"], // the v2 routes (src/v2/routes.ts) call each model's `v2:<model>` API
      onRestart: ({ worker, cause, message }) => {
        metrics.observeRestart(cause);
        logger.warn(`obento: model worker ${worker} replaced (${cause}): ${message}`);
      },
      onRestartFailed: ({ worker, message }) => {
        logger.error(
          `obento: model worker ${worker} could not be restarted, it stays out of service: ${message}`,
        );
      },
    });
    metrics.watchWorkers(() => pool.health().ready);
    return pool;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() =>
      reject(
        new ObentoError("TIMEOUT", loadTimeoutMessage(loadTimeoutMs, options.optionName)),
      ), loadTimeoutMs);
  });
  try {
    // Imported here: with model workers (the default) this thread never loads a bundle, so it does not
    // evaluate the service SDK, the adapters and their image codecs (cold start and idle RSS:
    // docs/benchmarks.md, "Devices").
    const [{ openBundle }, { v2Apis }] = await Promise.all([
      import("../runtime/host_parts.ts"),
      import("../v2/infer_api.ts"),
    ]);
    const service = await Promise.race([
      openBundle(path, {
        threads: options.threads,
        backend: options.device?.backend,
        hostApis: v2Apis,
        bento,
      }),
      timedOut,
    ]);
    for (const warning of await warmUpModels(service.artifacts)) logger.warn(`warning: ${warning}`);
    metrics.watchWorkers(() => 1);
    return new InProcessExecutor(service);
  } finally {
    clearTimeout(timer);
  }
}

/** What serve.ts needs of the HTTP server, whichever transport runs it. */
interface HttpServer {
  shutdown(): Promise<void>;
  finished: Promise<void>;
}

/** The code of a node-style error (`EADDRINUSE`), if any. */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Binds `host:port`, turning the OS's refusals into one actionable {@link ObentoError} each. */
async function bind(
  options: ServeOptions,
  onListen: (addr: { hostname: string; port: number }) => void,
  handler: (request: Request) => Response | Promise<Response>,
): Promise<HttpServer> {
  const where = `${options.host}:${options.port}`;
  const option = options.optionName ?? sdkOptionName;
  try {
    if (options.connections !== undefined) {
      return await serveBounded({
        hostname: options.host,
        port: options.port,
        onListen,
        ...options.connections,
      }, handler);
    }
    return Deno.serve({ hostname: options.host, port: options.port, onListen }, handler);
  } catch (error) {
    const code = codeOf(error);
    if (error instanceof Deno.errors.AddrInUse || code === "EADDRINUSE") {
      throw new ObentoError(
        "UNAVAILABLE",
        `port ${options.port} on ${options.host} is already in use; stop what listens there, or pick another ` +
          `with ${option("port")} N (${option("port")} 0 picks a free one)`,
      );
    }
    // Deno's node:http reports an address of another machine as EINVAL.
    if (error instanceof Deno.errors.AddrNotAvailable || code === "EADDRNOTAVAIL" || code === "EINVAL") {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `cannot bind ${where}: ${options.host} is not an address of this machine; use ${option("host")} ` +
          `127.0.0.1 or ${option("host")} 0.0.0.0`,
      );
    }
    if (error instanceof Deno.errors.PermissionDenied || code === "EACCES") {
      throw new ObentoError(
        "UNAVAILABLE",
        `not allowed to bind ${where}${options.port < 1024 ? " (ports below 1024 need privileges)" : ""}; ` +
          `use ${option("port")} 1024 or above`,
      );
    }
    throw new ObentoError("UNAVAILABLE", `cannot listen on ${where}: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * The start-up table's `sandbox` line: what the service's code may do. Anything beyond reading its bundle is
 * named; in-process there is no sandbox.
 */
export function sandboxLine(inProcess: boolean, granted: BundlePermissions): string {
  if (inProcess) return "off (in-process: the service has every permission obento has)";
  const extra = describePermissions(granted);
  return extra === "" ? "read its bundle only" : `read its bundle; ${extra}`;
}

/** A knob's value as the start-up table shows it, with its unit. */
function shown(key: string, value: unknown): string {
  switch (key) {
    case "mb-max-latency":
    case "timeout":
    case "load-timeout":
    case "shutdown-grace":
    case "shutdown-drain":
    case "header-timeout":
    case "idle-timeout":
      return typeof value === "number" ? `${value} ms` : String(value);
    case "max-connections":
      return typeof value === "number" ? `${value}` : String(value);
    case "mb-refusal-delay":
      return `${value} ms per second of Retry-After`;
    case "max-body":
    case "worker-memory-limit":
    case "max-body-total": {
      const bytes = Number(value);
      return bytes % 2 ** 20 === 0 ? `${bytes / 2 ** 20} MiB` : `${bytes} bytes`;
    }
    case "mb-max-batch-size":
      return `${value} items`;
    case "max-queue":
      return `${value} requests`;
    case "workers":
      return typeof value === "number" ? `${value} ${value === 1 ? "worker" : "workers"}` : String(value);
    case "threads":
      return `${value} per worker`;
    default:
      return String(value);
  }
}

/**
 * Serves the bundle at `path`.
 * @throws ObentoError when bento.yaml cannot be read or the port cannot be bound.
 */
export async function startServer(path: string, options: ServeOptions): Promise<RunningServer> {
  const started = performance.now();
  const logger = createLogger({ level: options.logLevel, format: options.logFormat, write: options.log });
  const yamlPath = join(path, "bento.yaml");
  const yamlText = await Deno.readTextFile(yamlPath);
  const document = parseBento(yamlText, yamlPath);
  const declared = document.env.permissions;
  const granted = options.bundlePermissions === undefined
    ? declared
    : narrowPermissions(declared, options.bundlePermissions);
  const config: Record<string, { value: unknown; source: string }> = {};
  const knobs: Record<string, unknown> = {
    host: options.host,
    port: options.port,
    "mb-max-batch-size": options.maxBatchSize,
    "mb-max-latency": options.maxLatencyMs,
    "mb-refusal-delay": options.refusalDelayMs ?? options.maxLatencyMs,
    timeout: options.timeoutMs,
    device: options.device?.device ?? "wasm",
    workers: options.inProcess ? "in-process" : options.workers,
    sandbox: sandboxLine(options.inProcess === true, granted),
    threads: options.threads,
    "worker-memory-limit": options.workerMemoryLimitBytes ?? "(none)",
    "load-timeout": options.loadTimeoutMs ?? SERVE_DEFAULTS.loadTimeoutMs,
    "shutdown-grace": options.shutdownGraceMs ?? SERVE_DEFAULTS.shutdownGraceMs,
    "shutdown-drain": options.shutdownDrainMs ?? SERVE_DEFAULTS.shutdownDrainMs,
    "max-body": options.maxBodyBytes,
    "max-body-total": options.maxBodyTotalBytes ?? "(none)",
    "max-queue": options.maxQueue,
    transport: options.connections === undefined ? "deno" : "bounded",
    "header-timeout": options.connections?.headerTimeoutMs ?? "(none)",
    "idle-timeout": options.connections?.idleTimeoutMs ?? "(none)",
    "max-connections": options.connections?.maxConnections ?? "(none)",
    "api-token-file": options.apiToken === undefined ? "(none)" : "(set)",
    cors: options.corsOrigins.length ? options.corsOrigins.join(",") : "(none)",
    "log-level": options.logLevel ?? "info",
    "log-format": options.logFormat ?? "text",
  };
  if (options.device?.fallback !== undefined) knobs["device-fallback"] = options.device.fallback;
  if (options.device?.adapter !== undefined) knobs["device-adapter"] = options.device.adapter;
  for (const [key, value] of Object.entries(knobs)) {
    config[key] = { value, source: options.sources[key] ?? "default" };
  }

  let ready = false;
  // Models load only once the port is bound (below), so a port conflict fails before any loading.
  const registry = new Registry({
    constLabels: { service: document.name, service_version: document.version },
  });
  const metrics = createServerMetrics(registry);
  // The device as an info series (value 1), so queries on the other series keep their label sets.
  const deviceInfo = registry.gauge({
    name: "obento_device_info",
    help: "Where the models run: the device in use and the one asked for (auto, native, wasm, webgpu).",
    labelNames: ["device", "requested"],
  });
  const requested = options.device?.requested ?? "wasm";
  // Under `auto` with model workers, the first worker ready tells the device (set then, in onDevice).
  if (knobs.device !== "auto") deviceInfo.set({ device: String(knobs.device), requested }, 1);
  /** What `auto` resolved to in the workers: logged once, shown on /metadata and /metrics from then on. */
  const onDevice = ({ device, fallback }: OpenedDevice) => {
    if (knobs.device !== "auto") return;
    config.device = { value: device, source: config.device.source };
    if (fallback !== undefined) {
      config["device-fallback"] = {
        value: fallback,
        source: options.sources["device-fallback"] ?? "default",
      };
    }
    deviceInfo.set({ device, requested }, 1);
    logger.info(`obento: ${describeDevice({ requested, device, fallback })}`);
    // The workers started from now on open this device: without native, nothing here needs FFI any more.
    if (device !== "native") revokeFfi();
  };
  let startLoading = () => {};
  let pool: WorkerPoolExecutor | undefined;
  const executorPromise = new Promise<Executor>((resolve, reject) => {
    startLoading = () =>
      openExecutor(path, options, logger, metrics, granted, { document, text: yamlText }, onDevice).then(
        (opened) => {
          if (opened instanceof WorkerPoolExecutor) pool = opened;
          resolve(opened);
        },
        reject,
      );
  });
  const executor = options.inProcess
    ? new DeferredExecutor(1, 0, executorPromise)
    : new DeferredExecutor(options.workers, DEFAULT_QUEUED_BATCHES, executorPromise);
  const app = createApp(options, {
    document,
    executor,
    // Not ready from the first signal on, so load balancers stop sending while the drain lasts.
    isReady: () => stopping === undefined && ready && (pool === undefined || pool.health().ready > 0),
    notReadyReason:
      () => (stopping !== undefined ? "shutting down" : ready ? pool?.health().reason : undefined),
    metrics,
    effectiveConfig: config,
    staticDir: document.web_static_content ? join(path, document.web_static_content) : undefined,
    logger,
    modulePath: join(path, document.service.module),
  });
  const drainMs = options.shutdownDrainMs ?? SERVE_DEFAULTS.shutdownDrainMs;
  const connectionDrain = new ConnectionDrain({ drainMs });
  let requests = 0;
  const fetch = (request: Request): Response | Promise<Response> => {
    requests++;
    connectionDrain.arrived();
    // Checked when the answer is ready: one that started before the signal closes its connection too.
    const answer = app.fetch(request);
    return answer instanceof Response
      ? connectionDrain.answer(answer)
      : answer.then((response) => connectionDrain.answer(response));
  };

  const shutdownController = new AbortController();
  let resolveListening: (url: string) => void;
  const listening = new Promise<string>((resolve) => (resolveListening = resolve));
  const server = await bind(
    options,
    ({ hostname, port }) =>
      resolveListening(`http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`),
    fetch,
  );
  const url = await listening;
  // After binding: a port in use is one error line, not a table and then an error.
  logger.info(`obento: serving ${document.name}:${document.version} from ${path}`);
  if (logger.format === "json") {
    const fields = Object.fromEntries(
      Object.entries(config).map(([key, { value }]) => [key, shown(key, value)]),
    );
    logger.info("obento: configuration", fields);
  } else {
    const width = Math.max(...Object.keys(config).map((key) => key.length));
    for (const [key, { value, source }] of Object.entries(config)) {
      logger.info(`  ${key.padEnd(width)} ${shown(key, value).padEnd(14)} (${source})`);
    }
  }
  if (options.device?.fallback !== undefined || options.device?.adapter !== undefined) {
    logger.info(`obento: ${describeDevice(options.device)}`);
  }
  logger.info(`obento: listening on ${url}`);
  startLoading();

  let stopTrimming = () => {};
  let firstTrim: ReturnType<typeof setTimeout> | undefined;
  const readyPromise = executorPromise.then(() => {
    ready = true;
    logger.info(`obento: ready in ${Math.round(performance.now() - started)} ms (models loaded and warmed)`);
    const trimHeap = options.trimHeap;
    // The first trim waits a little: its full collection and malloc_trim take ~90 ms on this thread, and the
    // workers' collections it asks for keep both cores busy meanwhile; run at once, the first 200 on /readyz
    // (and the first requests) queued behind them, 90–150 ms (docs/benchmarks.md, "Cold start and idle RSS").
    if (trimHeap !== undefined) {
      firstTrim = setTimeout(() => (stopTrimming = startTrimming(trimHeap)), FIRST_TRIM_DELAY_MS);
    }
  });
  /** Gives freed memory back now and whenever traffic stops; returns what stops it. */
  function startTrimming(trimHeap: HeapTrimmer): () => void {
    const before = Deno.memoryUsage().rss;
    // Dead request bodies are freed only by a collection, and an idle isolate does not collect.
    const gc = openFullGc();
    const stop = trimWhenIdle(() => {
      gc?.();
      pool?.collectGarbage();
      // Again once the workers have collected (they answer nothing; a second is ample when idle).
      Deno.unrefTimer(setTimeout(trimHeap, 1000));
      return trimHeap();
    }, () => requests);
    const after = Deno.memoryUsage().rss;
    const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
    logger.info(
      `obento: gave ${mib(before - after)} MiB of freed memory back to the OS (RSS ${mib(after)} MiB); ` +
        "again whenever traffic stops",
    );
    return stop;
  }
  readyPromise.catch((error) => {
    logger.error(`error: could not load ${path}: ${messageOf(error)}`);
    void shutdown({ drain: false }); // nothing was served: no connection to drain
  });

  let stopping: Promise<void> | undefined;
  function shutdown({ drain = true }: { drain?: boolean } = {}): Promise<void> {
    stopping ??= (async () => {
      const graceMs = options.shutdownGraceMs ?? SERVE_DEFAULTS.shutdownGraceMs;
      clearTimeout(firstTrim);
      stopTrimming();
      if (drain && drainMs > 0) {
        logger.info(
          `obento: shutting down: draining connections for up to ${drainMs} ms (answers close their ` +
            `connection, /readyz says 503; over sooner once no request comes for ${DRAIN_QUIET_MS} ms)`,
        );
      }
      const drainStarted = performance.now();
      const ended = await connectionDrain.start(drain);
      const drainedFor = ended === "skipped"
        ? "shutting down"
        : `drained connections for ${Math.round(performance.now() - drainStarted)} ms` +
          (ended === "quiet" ? ` (no request for ${DRAIN_QUIET_MS} ms)` : "");
      logger.info(
        `obento: ${drainedFor}: no new connections, finishing in-flight requests (at most ${graceMs} ms)`,
      );
      shutdownController.abort();
      // The batchers close once the HTTP server has finished what it took in: closed earlier, a request read
      // just before the server stopped accepting would get 503 "shutting down" instead of its answer.
      const drained = server.shutdown().then(() => app.drain());
      let timer: ReturnType<typeof setTimeout> | undefined;
      const graceOver = new Promise<"grace over">((
        resolve,
      ) => (timer = setTimeout(resolve, graceMs, "grace over")));
      const how = await Promise.race([drained.then(() => "drained" as const), graceOver]);
      clearTimeout(timer);
      if (how === "grace over") {
        logger.warn(`obento: requests still running after ${graceMs} ms; stopping the model workers`);
      }
      // Closing the executor stops stuck workers (at once when the grace is over); their requests are
      // answered, so the server can finish.
      await executor.close(how === "grace over" ? 0 : undefined);
      await drained;
      logger.info("obento: stopped");
    })();
    return stopping;
  }
  const finished = server.finished.then(() => stopping ?? Promise.resolve());
  return { url, ready: readyPromise, shutdown, finished };
}

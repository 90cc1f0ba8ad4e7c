/**
 * Starts serving a bundle: listens at once (health answers while models load), loads the executor (in-process
 * or a worker pool), warms the models, then reports ready. `shutdown()` stops accepting connections, lets
 * in-flight requests and queued batches finish, and frees the models.
 *
 * @module
 */
import { join } from "node:path";
import { parseBento } from "../bundle/bento_yaml.ts";
import { messageOf } from "../errors.ts";
import type { HeapTrimmer } from "../heap_trim.ts";
import { trimWhenIdle } from "./idle_trim.ts";
import type { Executor, RawItem, RawOutcome } from "../runtime/executor.ts";
import { InProcessExecutor } from "../runtime/executor.ts";
import { WorkerPoolExecutor } from "../runtime/worker_pool.ts";
import { warmUpModels } from "../runtime/warm_up.ts";
import { load } from "../../mod.ts";
import { createApp, type ServeConfig } from "./app.ts";
import { createServerMetrics } from "./metrics.ts";

/** Options for {@link startServer}. */
export interface ServeOptions extends ServeConfig {
  /** Port (0 picks a free one). */
  port: number;
  /** Address to bind. */
  host: string;
  /** Model workers (1 = in-process). */
  workers: number;
  /** onnxruntime threads per worker. */
  threads: number;
  /** Where each option's value came from ("flag", "default"), logged at start and shown in /metadata. */
  sources: Record<string, string>;
  /** Where log lines go. */
  log: (line: string) => void;
  /**
   * Returns freed native memory to the OS (src/heap_trim.ts): called once models are warm, a few times while
   * V8 finishes compiling in the background, and whenever traffic stops (src/server/idle_trim.ts).
   */
  trimHeap?: HeapTrimmer;
}

/** A running server. */
export interface RunningServer {
  /** The base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** Resolves when models are loaded and warmed (rejects when loading failed). */
  ready: Promise<void>;
  /** Stops accepting, drains, frees; resolves when done. Idempotent. */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
}

/** An executor whose real one arrives later; batches wait for it. */
class DeferredExecutor implements Executor {
  readonly concurrency: number;
  readonly #executor: Promise<Executor>;

  constructor(concurrency: number, executor: Promise<Executor>) {
    this.concurrency = concurrency;
    this.#executor = executor;
    this.#executor.catch(() => {});
  }

  async run(api: string, items: readonly RawItem[], signal?: AbortSignal): Promise<RawOutcome[]> {
    return await (await this.#executor).run(api, items, signal);
  }

  async close(): Promise<void> {
    await (await this.#executor.catch(() => undefined))?.close();
  }
}

async function openExecutor(path: string, options: ServeOptions): Promise<Executor> {
  if (options.workers > 1) {
    return await WorkerPoolExecutor.open(path, { workers: options.workers, threads: options.threads });
  }
  const service = await load(path, { threads: options.threads });
  for (const warning of await warmUpModels(service.artifacts)) options.log(`warning: ${warning}`);
  return new InProcessExecutor(service);
}

/**
 * Serves the bundle at `path`.
 * @throws ObentoError when bento.yaml cannot be read or the port cannot be bound.
 */
export async function startServer(path: string, options: ServeOptions): Promise<RunningServer> {
  const started = performance.now();
  const yamlPath = join(path, "bento.yaml");
  const document = parseBento(await Deno.readTextFile(yamlPath), yamlPath);
  const config: Record<string, { value: unknown; source: string }> = {};
  const knobs: Record<string, unknown> = {
    host: options.host,
    port: options.port,
    "mb-max-batch-size": options.maxBatchSize,
    "mb-max-latency": options.maxLatencyMs,
    timeout: options.timeoutMs,
    workers: options.workers,
    threads: options.threads,
    "max-body": options.maxBodyBytes,
    "max-queue": options.maxQueue,
    "api-token-file": options.apiToken === undefined ? "(none)" : "(set)",
    cors: options.corsOrigins.length ? options.corsOrigins.join(",") : "(none)",
  };
  for (const [key, value] of Object.entries(knobs)) {
    config[key] = { value, source: options.sources[key] ?? "default" };
  }
  options.log(`obento: serving ${document.name}:${document.version} from ${path}`);
  for (const [key, { value, source }] of Object.entries(config)) {
    options.log(`  ${key.padEnd(18)} ${String(value).padEnd(12)} (${source})`);
  }

  let ready = false;
  const executorPromise = openExecutor(path, options);
  const pooled = options.workers > 1;
  const executor = new DeferredExecutor(pooled ? options.workers : 1, executorPromise);
  const metrics = createServerMetrics();
  const app = createApp(options, {
    document,
    executor,
    isReady: () => ready,
    metrics,
    effectiveConfig: config,
    staticDir: document.web_static_content ? join(path, document.web_static_content) : undefined,
  });
  let requests = 0;
  const fetch = options.trimHeap === undefined ? app.fetch : (request: Request) => {
    requests++;
    return app.fetch(request);
  };

  const shutdownController = new AbortController();
  let resolveListening: (url: string) => void;
  const listening = new Promise<string>((resolve) => (resolveListening = resolve));
  const server = Deno.serve({
    hostname: options.host,
    port: options.port,
    onListen: ({ hostname, port }) =>
      resolveListening(`http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`),
  }, fetch);
  const url = await listening;
  options.log(`obento: listening on ${url}`);

  let stopTrimming = () => {};
  const readyPromise = executorPromise.then(() => {
    ready = true;
    options.log(`obento: ready in ${Math.round(performance.now() - started)} ms (models loaded and warmed)`);
    if (options.trimHeap !== undefined) {
      const before = Deno.memoryUsage().rss;
      stopTrimming = trimWhenIdle(options.trimHeap, () => requests);
      const after = Deno.memoryUsage().rss;
      const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
      options.log(
        `obento: gave ${mib(before - after)} MiB of freed memory back to the OS (RSS ${mib(after)} MiB); ` +
          "again whenever traffic stops",
      );
    }
  });
  readyPromise.catch((error) => {
    options.log(`error: could not load ${path}: ${messageOf(error)}`);
    void shutdown();
  });

  let stopping: Promise<void> | undefined;
  function shutdown(): Promise<void> {
    stopping ??= (async () => {
      options.log("obento: shutting down: no new connections, finishing in-flight requests");
      shutdownController.abort();
      stopTrimming();
      await Promise.all([server.shutdown(), app.drain()]);
      await executor.close();
      options.log("obento: stopped");
    })();
    return stopping;
  }
  const finished = server.finished.then(() => stopping ?? Promise.resolve());
  return { url, ready: readyPromise, shutdown, finished };
}

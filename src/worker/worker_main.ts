/**
 * The entry module of a model worker started by `WorkerPoolExecutor`: loads the bundle once (its own
 * onnxruntime-web WASM instance), then answers `run` messages with `runRawItems`, one batch at a time in
 * the order they came, and posts the encoded outcomes back packed (src/runtime/batch_wire.ts: one transferred
 * buffer and one string per batch, large byte bodies moved). Protocol: `ToWorker` / `FromWorker` in
 * `worker_pool.ts`.
 *
 * Not meant to be imported: it installs a message handler on the worker's global scope.
 *
 * @module
 */
import { type FullGc, openFullGc } from "../full_gc.ts";
import { warmUpModels } from "../runtime/warm_up.ts";
import { revokeFfi } from "../heap_trim.ts";
import { type DeviceChoice, openDevice } from "../backends/device.ts";
import { openBundle } from "../runtime/host_parts.ts";
import { ObentoError } from "../errors.ts";
import { runRawItems } from "../runtime/executor.ts";
import type { RawItem, RawOutcome } from "../runtime/executor.ts";
import { packOutcomes, unpackItems } from "../runtime/batch_wire.ts";
import type { LoadedService } from "../runtime/loaded_service.ts";
import {
  type FromWorker,
  type HostApiSet,
  serializeError,
  type ToWorker,
  type WorkerDevice,
} from "../runtime/worker_pool.ts";
import type { HostApis } from "../runtime/load.ts";
import { v2Apis } from "../v2/infer_api.ts";

/**
 * The host's API sets by the name the pool sends (a function cannot cross a worker message). This entry point
 * is the host's side of the worker, so it, not the loader, names the protocol modules.
 */
const HOST_API_SETS: Readonly<Record<HostApiSet, HostApis>> = { v2: v2Apis };

/** The hooks named by `sets`, as one {@link HostApis}; undefined when there are none. */
function hostApisOf(sets: readonly HostApiSet[]): HostApis | undefined {
  if (sets.length === 0) return undefined;
  const hooks = sets.map((set) => HOST_API_SETS[set]);
  return (context) => hooks.flatMap((hook) => [...hook(context)]);
}

/** The parts of a dedicated worker's global scope this module uses. */
interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToWorker>) => void): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
let service: LoadedService | undefined;
/** How this worker answers its items: as HTTP request bodies (serve) or as `obento run`'s chunks. */
let runItems: (service: LoadedService, api: string, items: readonly RawItem[]) => Promise<RawOutcome[]> =
  runRawItems;
/** The full collection, bound at the first `collect` (binding it makes a V8 context: not at start-up). */
let fullGc: FullGc | undefined | null = null;
const running = new Set<Promise<void>>();
/**
 * Batches in the order they came, each run after the one before it ends: the pool posts the next batch
 * before the running one ends (WorkerPoolOptions.queuedBatches), so this worker never waits for the pool's
 * thread between two batches, and the pool can tell which batch was running when anything goes wrong.
 */
let lastBatch: Promise<void> = Promise.resolve();
/** Batches received and not started yet, by id (a `cancel` drops one of them). */
const waiting = new Set<number>();
reportSelfExit();

scope.addEventListener("message", (event) => {
  const message = event.data;
  if (message.kind === "open") {
    void open(message);
    reportMemory(message.memoryReportMs);
  } else if (message.kind === "run") {
    queueBatch(message.id, message.api, unpackItems(message.items));
  } else if (message.kind === "cancel") {
    cancelBatch(message.id);
  } else if (message.kind === "ping") {
    scope.postMessage({ kind: "pong", id: message.id });
  } else if (message.kind === "collect") {
    if (fullGc === null) fullGc = openFullGc();
    fullGc?.();
  } else if (message.kind === "close") {
    void close();
  }
});

/**
 * Posts this worker's JS heap every `everyMs` (0: never), for the pool's memory limit. Runs whenever the event
 * loop is free, so between the awaits of an API that keeps allocating too.
 */
function reportMemory(everyMs: number): void {
  if (everyMs <= 0) return;
  const timer = setInterval(
    () => scope.postMessage({ kind: "memory", heapUsed: Deno.memoryUsage().heapUsed }),
    everyMs,
  );
  Deno.unrefTimer(timer);
}

/**
 * A worker that ends itself (`Deno.exit()` or `close()` in a service's code) fires no event in the pool, so
 * both are wrapped to tell the pool first; it then replaces the worker at once instead of waiting for a
 * heartbeat or a batch timeout.
 */
function reportSelfExit(): void {
  const exit = Deno.exit;
  const close = scope.close.bind(scope);
  const wrap = (how: string, end: () => never | void) => () => {
    scope.postMessage({ kind: "exiting", how });
    end();
  };
  Object.defineProperty(Deno, "exit", {
    value: (code?: number): never => {
      wrap(`Deno.exit(${code ?? ""})`, () => exit(code))();
      throw new Error("unreachable: Deno.exit returned");
    },
    configurable: true,
    writable: true,
  });
  Object.defineProperty(globalThis, "close", {
    value: wrap("close()", close),
    configurable: true,
    writable: true,
  });
}

/**
 * Opens the worker's device with the worker's own permissions (src/runtime/sandbox.ts): native (and `auto`,
 * which falls back to wasm where the library does not load) loads onnxruntime-node's library, which needs
 * FFI (wasm and webgpu need none); then FFI is revoked (in this worker only), before any of the bundle's code
 * is evaluated.
 */
async function openWorkerDevice(
  device: WorkerDevice,
  threads: number,
  nativeDir: string | undefined,
): Promise<DeviceChoice> {
  try {
    return await openDevice(device, { threads, nativeDir });
  } finally {
    revokeFfi();
  }
}

async function open(message: Extract<ToWorker, { kind: "open" }>): Promise<void> {
  const { path, threads, verify, bento } = message;
  try {
    // `obento run`'s chunk runner (28 modules of batch/) is imported only by its workers, not serve's.
    if (message.items === "chunks") runItems = (await import("../batch/chunk_items.ts")).chunkItems();
    const choice = await openWorkerDevice(message.device, threads, message.nativeDir);
    const backend = choice.backend;
    // bento.yaml was read on the pool's thread: no YAML parser (which looks at env variables) runs here.
    service = await openBundle(path, {
      backend,
      threads,
      verify,
      bento,
      hostApis: hostApisOf(message.hostApis),
    });
    // Ready means warmed: one inference per model on zeros, so the first request pays no lazy set-up.
    await warmUpModels(service.artifacts);
    const { device, fallback } = choice;
    scope.postMessage({ kind: "ready", device: fallback === undefined ? { device } : { device, fallback } });
  } catch (error) {
    scope.postMessage({ kind: "open-failed", error: serializeError(error) });
  }
}

/** Runs a batch once every batch received before it has been answered. */
function queueBatch(id: number, api: string, items: readonly RawItem[]): void {
  waiting.add(id);
  const behind = running.size > 0;
  const task = lastBatch.then(async () => {
    // One event-loop turn first, so a `cancel` posted while the batch before ran synchronously is read.
    if (behind) await new Promise((resolve) => setTimeout(resolve, 0));
    if (!waiting.delete(id)) return; // cancelled while it waited
    return run(id, api, items);
  });
  lastBatch = task;
  running.add(task);
  void task.finally(() => running.delete(task));
}

/** Drops a batch that has not started (its caller gave up), answering `cancelled`; a started one runs on. */
function cancelBatch(id: number): void {
  if (waiting.delete(id)) scope.postMessage({ kind: "cancelled", id });
}

async function run(id: number, api: string, items: readonly RawItem[]): Promise<void> {
  try {
    if (service === undefined) throw new ObentoError("UNAVAILABLE", "the model worker has no bundle loaded");
    const { wire, transfer } = packOutcomes(await runItems(service, api, items));
    send({ kind: "done", id, outcomes: wire, endedAt: Date.now() }, transfer);
  } catch (error) {
    scope.postMessage({ kind: "failed", id, error: serializeError(error), endedAt: Date.now() });
  }
}

async function close(): Promise<void> {
  await Promise.allSettled(running);
  await service?.close().catch(() => {});
  scope.postMessage({ kind: "closed" });
}

/**
 * Posts with a transfer list, copying instead if a buffer cannot be transferred; with nothing to transfer,
 * without a second argument (Deno's cheaper path, see `postBatch` in worker_pool.ts).
 */
function send(message: FromWorker, transfer: Transferable[]): void {
  if (transfer.length === 0) return scope.postMessage(message);
  try {
    scope.postMessage(message, transfer);
  } catch {
    scope.postMessage(message);
  }
}

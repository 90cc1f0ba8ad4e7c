/**
 * The entry module of the Worker `obento run` runs a bundle in (src/cli/run.ts): the worker is started with
 * the bundle's sandbox (src/runtime/sandbox.ts) plus read access to the run's input and write access to its
 * output files. It opens the device (native: with FFI, which it then revokes), runs the {@link RunPlan} with
 * `executeRun`, writing stdout and stderr itself, and posts the exit status or the error back.
 *
 * Not meant to be imported: it installs a message handler on the worker's global scope.
 *
 * @module
 */
import { openDevice } from "../backends/device.ts";
import type { InferenceBackend } from "../sdk/backend.ts";
import { revokeFfi } from "../heap_trim.ts";
import { type SerializedError, serializeError, type WorkerDevice } from "../runtime/worker_pool.ts";
import { executeRun, type RunPlan } from "./run_job.ts";

/** A message from `run` to its worker. */
export type ToRunWorker =
  | { kind: "run"; plan: RunPlan; device: WorkerDevice; revokeEnv: string[] }
  | { kind: "abort" };

/** A message from the worker to `run`. */
export type FromRunWorker = { kind: "done"; code: number } | { kind: "failed"; error: SerializedError };

interface RunWorkerScope {
  postMessage(message: FromRunWorker): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToRunWorker>) => void): void;
}

const scope = globalThis as unknown as RunWorkerScope;
const abort = new AbortController();
const encoder = new TextEncoder();
reportSelfExit();

/**
 * A worker that ends itself (`Deno.exit()` or `close()` in the service's code) fires no event in `run`, which
 * would wait forever: both are wrapped to report the failure first.
 */
function reportSelfExit(): void {
  const fail = (how: string) =>
    scope.postMessage({
      kind: "failed",
      error: { code: "INTERNAL", message: `the service's code ended its worker (${how})`, status: 500 },
    });
  const exit = Deno.exit;
  const close = (globalThis as unknown as { close(): void }).close.bind(globalThis);
  Object.defineProperty(Deno, "exit", {
    value: (code?: number): never => {
      fail(`Deno.exit(${code ?? ""})`);
      exit(code);
      throw new Error("unreachable: Deno.exit returned");
    },
    configurable: true,
    writable: true,
  });
  Object.defineProperty(globalThis, "close", {
    value: () => {
      fail("close()");
      close();
    },
    configurable: true,
    writable: true,
  });
}

/** Writes all of `text` (a single write may take only part of it on a pipe). */
function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let offset = 0;
  while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
}

async function openBackend(device: WorkerDevice, threads: number): Promise<InferenceBackend | undefined> {
  try {
    return device === "native" ? (await openDevice("native", { threads })).backend : undefined;
  } finally {
    revokeFfi();
  }
}

scope.addEventListener("message", async (event) => {
  const message = event.data;
  if (message.kind === "abort") {
    abort.abort();
    return;
  }
  try {
    const backend = await openBackend(message.device, message.plan.threads);
    const code = await executeRun(message.plan, {
      out: (text) => writeAll(Deno.stdout, text),
      err: (text) => writeAll(Deno.stderr, text),
    }, {
      backend,
      signal: abort.signal,
      onLoaded: () => {
        for (const variable of message.revokeEnv) Deno.permissions.revokeSync({ name: "env", variable });
      },
    });
    scope.postMessage({ kind: "done", code });
  } catch (error) {
    scope.postMessage({ kind: "failed", error: serializeError(error) });
  }
});

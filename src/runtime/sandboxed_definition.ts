/**
 * `pack` without trusting the service: its bundled module is evaluated in a Worker
 * (src/runtime/definition_worker.ts) that may read the service's own folder and nothing else — no other file,
 * no variable, no network, no writes, no programs, no native libraries — and its definition comes back as
 * plain data (docs/bundling.md, "Permissions"). Its artifact types' `inspect` run there too. Needs
 * `--unstable-worker-options` (the CLI runs with it; without it, a Worker with its own permissions ends the
 * process), which is why the library's `pack` evaluates in its own process unless asked.
 *
 * @module
 */
import { resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import { hostReadPaths } from "./sandbox.ts";
import { deserializeError, type SerializedError } from "./worker_pool.ts";
import { WebWorker } from "../web_worker.ts";
import type { DefinitionSource, Inspection, ServiceDefinition } from "../bundle/service_definition.ts";

const WORKER_URL = new URL("./definition_worker.ts", import.meta.url);

/** A message from `pack` to its worker. */
export type ToDefinitionWorker =
  | { kind: "define"; code: string; filename: string }
  | { kind: "inspect"; name: string; bytes: Uint8Array; metadata: Record<string, JsonValue> };

/** A message from the worker to `pack`. */
export type FromDefinitionWorker =
  | { kind: "defined"; definition: ServiceDefinition }
  | { kind: "inspected"; inspection: Inspection }
  | { kind: "failed"; error: SerializedError };

/** Options for {@link sandboxedDefinition}. */
export interface SandboxedDefinitionOptions {
  /** The service's folder: the one place its code may read. */
  root: string;
  /** The module's name in errors. */
  filename: string;
  /**
   * How long evaluating the module may take, in ms (top-level code that never finishes). Default 60000.
   * Inspecting an artifact has no limit, as in-process: a large model takes what it takes.
   */
  timeoutMs?: number;
}

/**
 * The permissions of the definition worker: read the service's folder and onnxruntime-web's files (ONNX
 * artifacts are inspected with it), nothing else.
 *
 * @example
 * ```ts
 * import { definitionPermissions } from "./sandboxed_definition.ts";
 * console.log(definitionPermissions("/src/iris").env); // false
 * ```
 */
export function definitionPermissions(root: string): Deno.PermissionOptionsObject {
  return {
    read: [resolve(root), ...hostReadPaths(false)],
    write: false,
    net: false,
    env: false,
    ffi: false,
    run: false,
    sys: false,
    import: false,
  };
}

/**
 * Evaluates the bundled module `code` in a sandboxed Worker and returns its definition.
 *
 * @throws {ObentoError} BAD_SERVICE when the code throws while loading (a refused permission says so),
 *   exports no service or does not finish within the timeout; INTERNAL when the worker dies
 */
export async function sandboxedDefinition(
  code: string,
  options: SandboxedDefinitionOptions,
): Promise<DefinitionSource> {
  if (WebWorker === undefined) throw new ObentoError("INTERNAL", "the Web Worker constructor is gone");
  const timeoutMs = options.timeoutMs ?? 60_000;
  const worker = new WebWorker(WORKER_URL, {
    type: "module",
    name: "obento-pack-definition",
    deno: { permissions: definitionPermissions(options.root) },
  });
  const ask = (message: ToDefinitionWorker, what: string, limitMs?: number): Promise<FromDefinitionWorker> =>
    new Promise((resolvePromise, reject) => {
      const timer = limitMs === undefined ? undefined : setTimeout(() => {
        worker.terminate();
        reject(
          new ObentoError(
            "BAD_SERVICE",
            `${options.filename} did not finish ${what} within ${limitMs} ms (top-level code that never ends?)`,
          ),
        );
      }, limitMs);
      worker.onmessage = (event: MessageEvent<FromDefinitionWorker>) => {
        clearTimeout(timer);
        if (event.data.kind === "failed") reject(deserializeError(event.data.error));
        else resolvePromise(event.data);
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        clearTimeout(timer);
        worker.terminate();
        reject(
          new ObentoError(
            "BAD_SERVICE",
            `${options.filename} failed while ${what}: ${event.message || "uncaught error"}`,
          ),
        );
      };
      worker.postMessage(message);
    });
  try {
    const defined = await ask({ kind: "define", code, filename: options.filename }, "loading", timeoutMs);
    if (defined.kind !== "defined") {
      throw new ObentoError("INTERNAL", "the definition worker answered out of turn");
    }
    return {
      definition: defined.definition,
      async inspect(name, bytes, metadata) {
        const answer = await ask({ kind: "inspect", name, bytes, metadata }, `inspecting artifact "${name}"`);
        if (answer.kind !== "inspected") {
          throw new ObentoError("INTERNAL", "the definition worker answered out of turn");
        }
        return answer.inspection;
      },
      close: () => worker.terminate(),
    };
  } catch (error) {
    worker.terminate();
    throw error;
  }
}

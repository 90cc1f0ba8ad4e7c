/**
 * `obento run` in a sandbox: the bundle's code runs in a Worker (src/cli/run_worker.ts) with the permissions
 * a model worker of `serve` gets (src/runtime/sandbox.ts) plus what the run itself reads and writes — its
 * input file or folder, and its output and errors files with their `.partial` and checkpoint files — and
 * nothing else. The bundle's code can therefore read the input it is given and write the output it makes,
 * and no other file, variable or host than its bento.yaml declares (docs/serving.md, "Sandbox").
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { parseBento } from "../bundle/bento_yaml.ts";
import { type BundlePermissions, narrowPermissions } from "../bundle/permissions.ts";
import { checkpointPath } from "../batch/checkpoint.ts";
import { partialPath } from "../batch/partial_file.ts";
import { ObentoError } from "../errors.ts";
import { hostEnvToRevoke, workerPermissions } from "../runtime/sandbox.ts";
import { deserializeError, type WorkerDevice } from "../runtime/worker_pool.ts";
import { WebWorker } from "../web_worker.ts";
import type { RunPlan } from "./run_job.ts";
import type { FromRunWorker, ToRunWorker } from "./run_worker.ts";

const RUN_WORKER_URL = new URL("./run_worker.ts", import.meta.url);

/**
 * The bundle's declared permissions (bento.yaml), narrowed by `--bundle-permissions` when given.
 *
 * @throws {ObentoError} BAD_BUNDLE for a bad bento.yaml; BAD_ARGUMENT when the flag asks for more
 */
export async function grantedPermissions(
  bundlePath: string,
  spec: string | undefined,
): Promise<BundlePermissions> {
  const yamlPath = join(bundlePath, "bento.yaml");
  const declared = parseBento(await Deno.readTextFile(yamlPath), yamlPath).env.permissions;
  return spec === undefined ? declared : narrowPermissions(declared, spec);
}

/** The files a run reads and writes besides the bundle: its input, and its outputs with their helpers. */
export function runFiles(plan: RunPlan): { read: string[]; write: string[] } {
  const read: string[] = [];
  const file = plan.inputFlags.inputFile;
  if (file !== undefined && file !== "-") {
    const path = resolve(plan.cwd, file);
    read.push(/[*?]/.test(basename(path)) ? dirname(path) : path);
  }
  const write: string[] = [];
  if (plan.outputPath !== undefined) {
    const checkpoint = checkpointPath(plan.outputPath);
    write.push(plan.outputPath, partialPath(plan.outputPath), checkpoint, `${checkpoint}.tmp`);
  }
  if (plan.errorsPath !== undefined) write.push(plan.errorsPath, partialPath(plan.errorsPath));
  return { read: [...read, ...write], write };
}

/** Options for {@link runSandboxed}. */
export interface RunSandboxedOptions {
  /** What the bundle may do beyond reading itself (already narrowed). */
  permissions: BundlePermissions;
  /** The device the worker opens (native: this thread must still hold FFI). */
  device: WorkerDevice;
  /** Aborting it stops the run at the next chunk (SIGINT). */
  signal?: AbortSignal;
}

/**
 * Runs `plan` in a sandboxed Worker and returns its exit status.
 *
 * @throws {ObentoError} what the run threw in the worker (same code and message), or INTERNAL if the worker
 *   died
 */
export function runSandboxed(plan: RunPlan, options: RunSandboxedOptions): Promise<number> {
  if (WebWorker === undefined) throw new ObentoError("INTERNAL", "the Web Worker constructor is gone");
  const base = workerPermissions({
    root: plan.bundlePath,
    permissions: options.permissions,
    native: options.device === "native",
  });
  const files = runFiles(plan);
  const permissions: Deno.PermissionOptionsObject = {
    ...base,
    read: base.read === true ? true : [...(base.read as string[]), ...files.read],
    write: base.write === true
      ? true
      : [...(base.write === false ? [] : base.write as string[]), ...files.write],
  };
  if (Array.isArray(permissions.write) && permissions.write.length === 0) permissions.write = false;
  const worker = new WebWorker(RUN_WORKER_URL, {
    type: "module",
    name: "obento-run-worker",
    deno: { permissions },
  });
  const post = (message: ToRunWorker) => worker.postMessage(message);
  return new Promise<number>((resolvePromise, reject) => {
    const onAbort = () => post({ kind: "abort" });
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = () => {
      options.signal?.removeEventListener("abort", onAbort);
      worker.terminate();
    };
    worker.onmessage = (event: MessageEvent<FromRunWorker>) => {
      finish();
      const message = event.data;
      if (message.kind === "done") resolvePromise(message.code);
      else reject(deserializeError(message.error));
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      finish();
      reject(
        new ObentoError("INTERNAL", `the bundle's worker crashed: ${event.message || "uncaught error"}`),
      );
    };
    post({
      kind: "run",
      plan,
      device: options.device,
      revokeEnv: hostEnvToRevoke(options.permissions),
    });
  });
}

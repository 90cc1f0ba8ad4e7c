/**
 * The permissions a model worker runs with: what its bundle may do (src/bundle/permissions.ts: by default,
 * read its own directory and nothing else) plus what obento's own code in the worker needs, and nothing
 * more. Given to `new Worker(url, { deno: { permissions } })`, which needs `--unstable-worker-options`; a
 * worker's permissions are its own, so a revoke inside one (FFI once native onnxruntime is loaded) leaves the
 * other workers and the server as they were.
 *
 * What obento's code needs, found by running a worker with nothing else (docs/serving.md, "Sandbox"):
 * - read onnxruntime-web's `dist/` folder (its `.wasm` is read from disk when the first session starts);
 * - no environment variable: the `yaml` package looks at `LOG_TOKENS` and `LOG_STREAM` on every parse, so
 *   bento.yaml is parsed on the server's thread and the document passed to the worker (src/runtime/load.ts);
 * - on the native device, read onnxruntime-node's package (the addon and `libonnxruntime`) and FFI to load
 *   it: the worker opens the device, then revokes FFI before the bundle's code is evaluated.
 * The worker's own modules (src/, the npm packages it imports) load whatever the permissions say: Deno
 * checks static and dynamic imports of code against `import`, not `read`, and needs neither for modules
 * already in the module graph.
 *
 * @module
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BundlePermissions } from "../bundle/permissions.ts";

/** Options for {@link workerPermissions}. */
export interface WorkerPermissionsOptions {
  /** The bundle directory (made absolute). */
  root: string;
  /** What the bundle may do beyond reading its directory (already narrowed by the operator). */
  permissions: BundlePermissions;
  /** Whether the worker loads native onnxruntime (read its package, FFI until the device is open). */
  native: boolean;
  /** With `native`, the runtime pack it is loaded from (src/backends/native_pack.ts): read instead of the npm package. */
  nativeDir?: string;
}

/** The folder of the file an npm specifier resolves to, or undefined where it cannot be resolved. */
function packageFileDir(specifier: string, up = 0): string | undefined {
  try {
    const url = import.meta.resolve(specifier);
    if (!url.startsWith("file:")) return undefined;
    let dir = dirname(fileURLToPath(url));
    for (let i = 0; i < up; i++) dir = dirname(dir);
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * Folders obento's code in a worker reads: onnxruntime-web's `dist/`, and with `native` onnxruntime-node's
 * package root, or the runtime pack's folder when native loads from one (`nativeDir`).
 *
 * @example
 * ```ts
 * import { hostReadPaths } from "./sandbox.ts";
 * console.log(hostReadPaths(false)); // [".../onnxruntime-web/1.30.0/dist"]
 * ```
 */
export function hostReadPaths(native: boolean, nativeDir?: string): string[] {
  const paths = [packageFileDir("onnxruntime-web")];
  if (native) {
    paths.push(nativeDir === undefined ? packageFileDir("onnxruntime-node", 1) : resolve(nativeDir));
  }
  return paths.filter((p): p is string => p !== undefined);
}

/** A declared list of paths, relative ones inside `root`. */
function paths(root: string, value: true | readonly string[] | undefined): string[] | true {
  if (value === true) return true;
  return (value ?? []).map((p) => (isAbsolute(p) ? p : resolve(root, p)));
}

/**
 * The permissions of a model worker for a bundle: read its directory, the folders {@link hostReadPaths}
 * names and what the bundle declares; write, net and env only as declared; FFI only
 * for native; never run, sys or import.
 *
 * @example
 * ```ts
 * import { workerPermissions } from "./sandbox.ts";
 * const p = workerPermissions({ root: "/b/Iris/1", permissions: { net: ["api.example.com"] }, native: false });
 * console.log(p.net, p.write, p.ffi); // ["api.example.com"] false false
 * ```
 */
export function workerPermissions(options: WorkerPermissionsOptions): Deno.PermissionOptionsObject {
  const root = resolve(options.root);
  const declared = options.permissions;
  const read = paths(root, declared.read);
  const write = paths(root, declared.write);
  const env = declared.env === true ? true : declared.env?.length ? [...new Set(declared.env)] : false;
  return {
    read: read === true ? true : [root, ...hostReadPaths(options.native, options.nativeDir), ...read],
    write: write === true ? true : write.length > 0 ? write : false,
    net: declared.net === true ? true : declared.net?.length ? [...declared.net] : false,
    env,
    ffi: options.native,
    run: false,
    sys: false,
    import: false,
  };
}

/**
 * Chooses an inference backend by name with fallback, as onnxruntime's JavaScript API picks execution
 * providers: the first name in the preference list that can be made wins, and every name passed over is
 * reported with the reason, so the caller can log what it chose and why.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { InferenceBackend } from "../sdk/backend.ts";
import { WasmBackend, type WasmBackendOptions } from "./ort_web.ts";

/** Makes a backend, or throws to say why it cannot be used here. */
export type BackendFactory = () => InferenceBackend | Promise<InferenceBackend>;

/** Options for {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Options for the "wasm" backend. Default: `{}` (1 thread). */
  wasm?: WasmBackendOptions;
  /**
   * Extra or replacement factories by name (lower case); they take precedence over the built-in ones.
   * Default: none.
   */
  factories?: Readonly<Record<string, BackendFactory>>;
}

/** A backend name passed over, and why. */
export interface SkippedBackend {
  /** The name as given in the preference list. */
  readonly name: string;
  /** Why it was not used, e.g. "not available in this build". */
  readonly reason: string;
}

/** What {@link selectBackend} chose. */
export interface BackendSelection {
  /** The backend to use. */
  readonly backend: InferenceBackend;
  /** Its name. */
  readonly chosen: string;
  /** Names tried before it, in order, with reasons. */
  readonly skipped: readonly SkippedBackend[];
}

/** Backend names this build knows, in the order they are listed in messages. */
export const KNOWN_BACKENDS: readonly string[] = ["wasm", "native", "webgpu"];

/** Backends obento may support later; naming them falls through with this reason. */
const NOT_BUILT = "not available in this build";

/**
 * Picks the first backend of `preference` that can be made.
 *
 * @param preference backend names in order of preference, e.g. `["webgpu", "wasm"]`; empty means `["wasm"]`
 * @throws {ObentoError} UNAVAILABLE when no name in the list yields a backend; the message lists each reason
 * @example
 * ```ts
 * import { selectBackend } from "./select.ts";
 * const { backend, chosen, skipped } = await selectBackend(["native", "wasm"], { wasm: { threads: 1 } });
 * console.log(chosen, skipped); // wasm [ { name: "native", reason: "not available in this build" } ]
 * console.log(backend.name); // wasm
 * ```
 */
export async function selectBackend(
  preference: readonly string[],
  options: SelectBackendOptions = {},
): Promise<BackendSelection> {
  const factories: Record<string, BackendFactory> = {
    wasm: () => new WasmBackend(options.wasm),
    ...options.factories,
  };
  const names = preference.length === 0 ? ["wasm"] : preference;
  const skipped: SkippedBackend[] = [];
  for (const name of names) {
    const key = name.trim().toLowerCase();
    const factory = Object.hasOwn(factories, key) ? factories[key] : undefined;
    if (factory === undefined) {
      const known = [...new Set([...KNOWN_BACKENDS, ...Object.keys(factories)])];
      skipped.push({
        name,
        reason: known.includes(key) ? NOT_BUILT : `unknown backend (known: ${known.join(", ")})`,
      });
      continue;
    }
    try {
      return { backend: await factory(), chosen: key, skipped };
    } catch (error) {
      skipped.push({ name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new ObentoError(
    "UNAVAILABLE",
    `no inference backend could be used: ${skipped.map((s) => `${s.name}: ${s.reason}`).join("; ")}`,
  );
}

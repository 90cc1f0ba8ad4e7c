/**
 * The PNG and JPEG decoders (fast-png, and jpeg-js: a CommonJS package), imported only by services that
 * decode images. Every model worker evaluated both at start for every bundle before (~30–70 ms and ~1 MiB of
 * heap per isolate, docs/benchmarks.md "Cold start and idle RSS"); now constructing an `ImageInput`, or a
 * bundle reading the SDK's `decodeImage`, starts the import, and whatever loads a service waits for it
 * ({@link imageCodecsSettled}) before the service answers anything. `decodeImage` stays synchronous.
 *
 * @module
 */
import type { convertIndexedToRgb, decode } from "fast-png";
import type jpeg from "jpeg-js";
import { ObentoError } from "../errors.ts";

/** The decoders {@link decodeImage} calls. */
export interface ImageCodecs {
  /** fast-png's `decode`. */
  readonly decodePng: typeof decode;
  /** fast-png's `convertIndexedToRgb`. */
  readonly convertIndexedToRgb: typeof convertIndexedToRgb;
  /** jpeg-js's `decode`. */
  readonly decodeJpeg: typeof jpeg.decode;
}

// The import's result, kept as the module map keeps the modules themselves.
let loading: Promise<ImageCodecs> | undefined;
let loaded: ImageCodecs | undefined;

/**
 * Imports the decoders (once per isolate; later calls return the same promise).
 *
 * @example
 * ```ts
 * import { loadImageCodecs } from "./image_codecs.ts";
 * const { decodePng } = await loadImageCodecs();
 * console.log(typeof decodePng); // function
 * ```
 */
export function loadImageCodecs(): Promise<ImageCodecs> {
  loading ??= Promise.all([import("fast-png"), import("jpeg-js")]).then(([png, jpegJs]) =>
    loaded = {
      decodePng: png.decode,
      convertIndexedToRgb: png.convertIndexedToRgb,
      decodeJpeg: jpegJs.default.decode,
    }
  );
  return loading;
}

/**
 * Settles once an import started by {@link loadImageCodecs} has (at once when none was started): what a
 * service loader awaits after evaluating the service's module, so a service that uses images has its
 * decoders before its first request.
 *
 * @throws what the import threw (a broken installation)
 */
export async function imageCodecsSettled(): Promise<void> {
  if (loading !== undefined) await loading;
}

/**
 * The decoders, once loaded.
 *
 * @throws {ObentoError} INTERNAL when they were never loaded: the caller decodes outside a loaded service
 *   without `await loadImageCodecs()` first
 */
export function imageCodecs(): ImageCodecs {
  if (loaded === undefined) {
    throw new ObentoError(
      "INTERNAL",
      "the image decoders are not loaded: decode images inside a loaded service (ImageInput, or the SDK's " +
        "decodeImage), or `await loadImageCodecs()` first",
    );
  }
  return loaded;
}

/**
 * The SDK namespace `sdk` as bundles see it: reading its `decodeImage` starts {@link loadImageCodecs}, as
 * constructing an `ImageInput` does, so the loader's {@link imageCodecsSettled} covers both.
 */
export function sdkLoadingImageCodecs<T extends object>(sdk: T): T {
  return new Proxy(sdk, {
    get(target, key, receiver) {
      if (key === "decodeImage") void loadImageCodecs().catch(() => {});
      return Reflect.get(target, key, receiver);
    },
  });
}

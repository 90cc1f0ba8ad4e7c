/**
 * The Web Worker constructor, taken when this module is first evaluated.
 *
 * onnxruntime-web's Emscripten glue runs `global.Worker = require("worker_threads").Worker` when its WASM
 * starts (the first session made in a thread); after that, `new Worker(…)` makes a Node worker whose
 * messages never reach `onmessage`. obento's static imports evaluate this module before any session exists,
 * so modules that start Workers (the model pool, the pack-time bundler) take the constructor from here.
 *
 * @module
 */

const CAPTURED: typeof Worker | undefined = globalThis.Worker;

/** Whether `ctor` is the Web Worker (Node's Worker has no `addEventListener`). */
function isWebWorker(ctor: typeof Worker | undefined): ctor is typeof Worker {
  return typeof ctor === "function" && typeof ctor.prototype?.addEventListener === "function";
}

/**
 * The Web Worker constructor, or `undefined` when this module was first imported after onnxruntime-web
 * had already replaced the global one (import it statically to avoid that).
 */
export const WebWorker: typeof Worker | undefined = isWebWorker(CAPTURED) ? CAPTURED : undefined;

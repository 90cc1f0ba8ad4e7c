/**
 * The pack-time bundling worker: bundles one service module with esbuild's WebAssembly build, answers, and is
 * terminated by {@link bundleServiceModule} (src/bundle/module_bundler.ts), which is what makes a Worker worth
 * it: the isolate's end cancels V8's background optimisation of esbuild's 14 MB module.
 *
 * Not meant to be imported: it installs a message handler on the worker's global scope.
 *
 * @module
 */
import { messageOf, ObentoError } from "../errors.ts";
import { bundleInThisThread, type BundleReply, type BundleRequest } from "./module_bundler.ts";

/** The parts of a dedicated worker's global scope this module uses. */
interface WorkerScope {
  postMessage(message: BundleReply): void;
  addEventListener(type: "message", listener: (event: MessageEvent<BundleRequest>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.addEventListener("message", async (event) => {
  const { entry, options } = event.data;
  let reply: BundleReply;
  try {
    reply = { result: await bundleInThisThread(entry, options) };
  } catch (error) {
    reply = {
      error: { code: error instanceof ObentoError ? error.code : "INTERNAL", message: messageOf(error) },
    };
  }
  scope.postMessage(reply);
});

/**
 * The pack-time type-checking worker: checks one service with the TypeScript compiler, answers, and is
 * terminated by {@link typescriptChecker} (src/bundle/type_check.ts). Ending the isolate frees the compiler's
 * heap (~140 MB for the SDK's program) before pack inspects the models, and cancels V8's background
 * optimisation of TypeScript's 9 MB module.
 *
 * Not meant to be imported: it installs a message handler on the worker's global scope.
 *
 * @module
 */
import { messageOf, ObentoError } from "../errors.ts";
import { checkInThisThread, type TypeCheckReply, type TypeCheckRequest } from "./type_check.ts";

/** The parts of a dedicated worker's global scope this module uses. */
interface WorkerScope {
  postMessage(message: TypeCheckReply): void;
  addEventListener(type: "message", listener: (event: MessageEvent<TypeCheckRequest>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.addEventListener("message", async (event) => {
  let reply: TypeCheckReply;
  try {
    reply = { outcome: await checkInThisThread(event.data.entry, { sdkEntry: event.data.sdkEntry }) };
  } catch (error) {
    reply = {
      error: { code: error instanceof ObentoError ? error.code : "INTERNAL", message: messageOf(error) },
    };
  }
  scope.postMessage(reply);
});

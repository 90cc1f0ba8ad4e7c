/**
 * The Worker `pack` evaluates a service module in (src/bundle/sandboxed_definition.ts): it is started with no
 * permission but reading the service's folder (and onnxruntime-web's files, to inspect ONNX artifacts), loads
 * the bundled code, posts its definition back as plain data, and runs artifact inspections on request.
 *
 * Not meant to be imported: it installs a message handler on the worker's global scope.
 *
 * @module
 */
import { WasmBackend } from "../backends/ort_web.ts";
import { JsonOutput } from "../adapters/json_output.ts";
import * as serviceSdk from "./service_sdk.ts";
import { serializeError } from "./worker_pool.ts";
import type { ArtifactSpecs } from "../sdk/artifact.ts";
import type { Service } from "../sdk/service.ts";
import { loadServiceModule } from "../bundle/module_loader.ts";
import type { FromDefinitionWorker, ToDefinitionWorker } from "./sandboxed_definition.ts";
import { definitionOf, inspectArtifact } from "../bundle/service_definition.ts";

interface WorkerScope {
  postMessage(message: FromDefinitionWorker): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ToDefinitionWorker>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
let service: Service<ArtifactSpecs> | undefined;
let backend: WasmBackend | undefined;

scope.addEventListener("message", async (event) => {
  const message = event.data;
  try {
    if (message.kind === "define") {
      service = await loadServiceModule(message.code, serviceSdk as unknown as Record<string, unknown>, {
        filename: message.filename,
        refusal: "pack",
      }) as Service<ArtifactSpecs>;
      scope.postMessage({ kind: "defined", definition: definitionOf(service, new JsonOutput()) });
    } else {
      if (service === undefined) throw new Error("no service module was evaluated");
      backend ??= new WasmBackend();
      const inspection = await inspectArtifact(
        service,
        backend,
        message.name,
        message.bytes,
        message.metadata,
      );
      scope.postMessage({ kind: "inspected", inspection });
    }
  } catch (error) {
    scope.postMessage({ kind: "failed", error: serializeError(error) });
  }
});

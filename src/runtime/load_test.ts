import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { JsonInput } from "../adapters/json_input.ts";
import { JsonOutput } from "../adapters/json_output.ts";
import { OnnxModelArtifact } from "../artifacts/onnx_model_artifact.ts";
import { WasmBackend } from "../backends/ort_web.ts";
import { ObentoError } from "../errors.ts";
import type { ApiSpec } from "../sdk/service.ts";
import { defineService, type Service } from "../sdk/service.ts";
import type { ArtifactSpecs } from "../sdk/artifact.ts";
import { type HostApiContext, loadService } from "./load.ts";

const IRIS = fileURLToPath(new URL("../../bundles/iris_classifier/iris_lr.onnx", import.meta.url));

const service = defineService({
  name: "Iris",
  artifacts: { model: new OnnxModelArtifact() },
}).api("echo", { input: new JsonInput() }, (value) => value) as unknown as Service<ArtifactSpecs>;

Deno.test("the loader adds no host API of its own; a hostApis hook gets the ONNX models and the version", async () => {
  const parts = { backend: new WasmBackend(), defaultOutput: new JsonOutput() };
  const plain = await loadService(service, { ...parts, artifacts: { model: IRIS } });
  try {
    assert.throws(() => plain.api("v2:model"), (error: unknown) => {
      assert.ok(error instanceof ObentoError);
      assert.equal(error.code, "NOT_FOUND");
      return true;
    });
  } finally {
    await plain.close();
  }

  const seen: HostApiContext[] = [];
  const extra: ApiSpec<ArtifactSpecs> = {
    name: "host:ping",
    input: new JsonInput(),
    doc: "",
    batch: false,
    handler: () => "pong",
  };
  const hooked = await loadService(service, {
    ...parts,
    artifacts: { model: IRIS },
    hostApis: (context) => {
      seen.push(context);
      return [extra];
    },
  });
  try {
    assert.equal(seen.length, 1);
    assert.equal(seen[0].version, "source");
    assert.deepEqual([...seen[0].models.keys()], ["model"]);
    assert.equal(seen[0].models.get("model"), hooked.artifacts.model);
    assert.equal(hooked.api("host:ping"), extra);
    assert.equal(hooked.api("echo").name, "echo");
  } finally {
    await hooked.close();
  }
});

Deno.test("a hostApis hook that throws fails the load and unloads the models it was given", async () => {
  let closed = 0;
  const backend = new WasmBackend();
  const counting = Object.create(backend) as WasmBackend;
  counting.createSession = async (...args: Parameters<WasmBackend["createSession"]>) => {
    const session = await backend.createSession(...args);
    const close = session.close.bind(session);
    session.close = async () => {
      closed++;
      await close();
    };
    return session;
  };
  await assert.rejects(
    loadService(service, {
      backend: counting,
      defaultOutput: new JsonOutput(),
      artifacts: { model: IRIS },
      hostApis: () => {
        throw new ObentoError("BAD_MODEL", "no host API for this model");
      },
    }),
    (error: unknown) => error instanceof ObentoError && error.message === "no host API for this model",
  );
  assert.equal(closed, 1);
});

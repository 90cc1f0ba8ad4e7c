import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import type { ArtifactContext, ArtifactSpec, ArtifactSpecs } from "../sdk/artifact.ts";
import type { InferenceBackend } from "../sdk/backend.ts";
import { defineService, type Service } from "../sdk/service.ts";
import { loadArtifacts } from "./load_artifacts.ts";

const backend = { name: "none" } as unknown as InferenceBackend;

/** An artifact whose value is its bytes' length, or whose load throws; it records what it saw. */
function artifact(log: string[], fails = false): ArtifactSpec<number> {
  return {
    type: "TestArtifact",
    extension: ".bin",
    inspect: () => Promise.resolve({}),
    load: (bytes: Uint8Array, ctx: ArtifactContext) => {
      log.push(`load ${ctx.name} threads=${ctx.sessionOptions.threads} meta=${JSON.stringify(ctx.metadata)}`);
      return fails
        ? Promise.reject(new ObentoError("BAD_MODEL", `${ctx.name} is broken`))
        : Promise.resolve(bytes.length);
    },
    unload: (value: number) => {
      log.push(`unload ${value}`);
      return Promise.resolve();
    },
  };
}

function serviceOf(artifacts: ArtifactSpecs): Service<ArtifactSpecs> {
  return defineService({ name: "Test", artifacts }) as unknown as Service<ArtifactSpecs>;
}

const entry = (name: string, length: number) => ({
  name,
  bytes: new Uint8Array(length),
  metadata: { k: name },
});

Deno.test("loadArtifacts: frozen artifacts and metadata in order; unload aborts the signal and unloads each", async () => {
  const log: string[] = [];
  const service = serviceOf({ a: artifact(log), b: artifact(log) });
  const loaded = await loadArtifacts(service, [entry("a", 2), entry("b", 3)], {
    backend,
    sessionOptions: { threads: 1 },
  });
  const { artifacts, metadata, signal } = loaded.context;
  assert.deepEqual(artifacts, { a: 2, b: 3 });
  assert.deepEqual(metadata, { a: { k: "a" }, b: { k: "b" } });
  assert.ok(Object.isFrozen(artifacts) && Object.isFrozen(metadata) && Object.isFrozen(metadata.a));
  assert.deepEqual(log, ['load a threads=1 meta={"k":"a"}', 'load b threads=1 meta={"k":"b"}']);
  assert.equal(signal.aborted, false);
  await loaded.unload();
  assert.ok(signal.reason instanceof ObentoError && signal.reason.code === "UNAVAILABLE");
  assert.deepEqual(log.slice(2), ["unload 2", "unload 3"]);
});

Deno.test("loadArtifacts: an artifact that fails to load unloads those loaded before it, and its error goes on", async () => {
  const log: string[] = [];
  const service = serviceOf({ a: artifact(log), b: artifact(log, true), c: artifact(log) });
  await assert.rejects(
    loadArtifacts(service, [entry("a", 2), entry("b", 3), entry("c", 4)], { backend, sessionOptions: {} }),
    (error: unknown) =>
      error instanceof ObentoError && error.code === "BAD_MODEL" && error.message === "b is broken",
  );
  assert.deepEqual(log, [
    'load a threads=undefined meta={"k":"a"}',
    'load b threads=undefined meta={"k":"b"}',
    "unload 2",
  ]);
});

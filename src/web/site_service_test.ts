import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { testBento } from "../registry/_testing.ts";
import { hostParts } from "../runtime/host_parts.ts";
import { loadSiteService } from "./site_service.ts";

const CODE = `const sdk = globalThis[Symbol.for("obento.sdk.v1")];
export default sdk.defineService({ name: "Words", artifacts: { vocab: new sdk.JsonArtifact() } })
  .api("lookup", { input: new sdk.JsonInput() }, (word, { artifacts }) => artifacts.vocab[word] ?? null);
`;
const VOCAB = new TextEncoder().encode(JSON.stringify({ cat: 1, dog: 2 }));

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function document() {
  const doc = testBento({ name: "Words" });
  doc.service.apis = [];
  doc.artifacts = [{
    name: "vocab",
    type: "JsonArtifact",
    file: "artifacts/vocab.json",
    sha256: await sha256(VOCAB),
    size: VOCAB.length,
    metadata: {},
    info: {},
  }];
  return doc;
}

Deno.test("loadSiteService loads a service from its code and artifact bytes and answers its APIs", async () => {
  const service = await loadSiteService({
    ...hostParts(),
    document: await document(),
    code: CODE,
    artifacts: { vocab: VOCAB },
  });
  try {
    assert.deepEqual(service.apiNames, ["lookup"]);
    assert.equal(await service.call("lookup", "dog"), 2);
  } finally {
    await service.close();
  }
});

Deno.test("loadSiteService refuses an artifact whose bytes are not the packed ones, or a missing one", async () => {
  const doc = await document();
  await assert.rejects(
    loadSiteService({
      ...hostParts(),
      document: doc,
      code: CODE,
      artifacts: { vocab: VOCAB.slice(1) },
      where: "http://x/",
    }),
    (error: unknown) =>
      error instanceof ObentoError && error.code === "INTEGRITY" &&
      /^http:\/\/x\/: artifacts\/vocab\.json does not match its sha256 in bento\.yaml/.test(error.message),
  );
  await assert.rejects(
    loadSiteService({ ...hostParts(), document: doc, code: CODE, artifacts: {} }),
    (error: unknown) =>
      error instanceof ObentoError && error.code === "BAD_BUNDLE" &&
      error.message === `Words:1: artifact "vocab" (artifacts/vocab.json) is missing`,
  );
});

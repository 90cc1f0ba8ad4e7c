import assert from "node:assert/strict";
import type { ArtifactContext, ArtifactSpec } from "./artifact.ts";
import type { InputAdapter } from "./adapter.ts";
import { defineService } from "./service.ts";

const text: InputAdapter<string, string[]> = {
  type: "Text",
  contentTypes: ["text/plain"],
  config: () => ({}),
  fromJson: (v) => String(v),
  fromBytes: (b) => new TextDecoder().decode(b),
  rows: () => 1,
  merge: (items) => [...items],
  schema: () => ({ type: "string" }),
};

class Vocabulary implements ArtifactSpec<Map<string, number>> {
  readonly type = "Vocabulary";
  readonly extension = ".json";
  inspect(): Promise<Record<string, never>> {
    return Promise.resolve({});
  }
  load(bytes: Uint8Array, _ctx: ArtifactContext): Promise<Map<string, number>> {
    return Promise.resolve(new Map(Object.entries(JSON.parse(new TextDecoder().decode(bytes)))));
  }
}

Deno.test("artifacts reach API code with their loaded types, and a misspelt name does not compile", () => {
  const svc = defineService({ name: "Typed", artifacts: { vocab: new Vocabulary() } })
    .api("lookup", { input: text }, (word, { artifacts }) => {
      const id: number | undefined = artifacts.vocab.get(word);
      // @ts-expect-error: there is no artifact "vocabulary" (deno check fails if this line compiles)
      artifacts.vocabulary;
      return id ?? -1;
    })
    .api("lookup_all", { input: text, batch: true }, (words, { artifacts }) =>
      // Batch handlers get the merged batch (string[] here) and return a list.
      words.map((w) => artifacts.vocab.get(w) ?? -1));
  assert.deepEqual([...svc.apis.keys()], ["lookup", "lookup_all"]);
  assert.equal(svc.apis.get("lookup_all")!.batch, true);
});

Deno.test("a batch handler must return a list: returning one value does not compile", () => {
  const svc = defineService({ name: "Typed" })
    // @ts-expect-error: a batch API returns one result per row, not a single value
    .api("bad", { input: text, batch: true }, (words) => words.length);
  assert.equal(svc.apis.size, 1);
});

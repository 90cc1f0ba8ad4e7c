import assert from "node:assert/strict";
import { didYouMean, editDistance, suggest } from "./suggest.ts";

Deno.test("editDistance counts insertions, deletions, substitutions and neighbour swaps as one edit each", () => {
  assert.equal(editDistance("", ""), 0);
  assert.equal(editDistance("output", "output"), 0);
  assert.equal(editDistance("ouput", "output"), 1); // deletion
  assert.equal(editDistance("outptu", "output"), 1); // swap
  assert.equal(editDistance("sevre", "serve"), 1); // swap
  assert.equal(editDistance("lsit", "list"), 1);
  assert.equal(editDistance("get", "set"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("abc", ""), 3);
});

Deno.test("suggest picks the closest known word within a third of its length, else a unique prefix", () => {
  const runFlags = ["input", "input-file", "output", "overwrite", "format", "errors", "max-errors", "quiet"];
  assert.equal(suggest("ouput", runFlags), "output");
  assert.equal(suggest("OUTPUT", runFlags), "output");
  assert.equal(suggest("input-fiel", runFlags), "input-file");
  assert.equal(suggest("max-error", runFlags), "max-errors");
  assert.equal(suggest("erors", runFlags), "errors");
  assert.equal(suggest("quite", runFlags), "quiet");
  assert.equal(suggest("over", runFlags), "overwrite"); // the only one starting with "over"
  assert.equal(suggest("in", runFlags), undefined); // "input" and "input-file" both start with it
  assert.equal(suggest("bogus", runFlags), undefined);
  assert.equal(suggest("", runFlags), undefined);
  const commands = ["pack", "run", "serve", "list", "get", "delete", "retrieve", "registry"];
  assert.equal(suggest("sevre", commands), "serve");
  assert.equal(suggest("lst", commands), "list");
  assert.equal(suggest("retreive", commands), "retrieve");
  assert.equal(suggest("regsitry", commands), "registry");
  assert.equal(suggest("frobnicate", commands), undefined);
  assert.equal(suggest("x", commands), undefined);
});

Deno.test("didYouMean words the suggestion, or says nothing", () => {
  assert.equal(didYouMean("ouput", ["output"], "--"), "; did you mean --output?");
  assert.equal(didYouMean("sevre", ["serve"]), "; did you mean serve?");
  assert.equal(didYouMean("zzz", ["serve"]), "");
});

import assert from "node:assert/strict";
import { nothingMatched } from "./delete.ts";

Deno.test("nothingMatched names the bundles and the selector that matched nothing", () => {
  assert.equal(nothingMatched([], "stage=qa"), "no bundle matches --labels stage=qa");
  assert.equal(nothingMatched(["Iris"], "stage=qa"), "no version of Iris matches --labels stage=qa");
  assert.equal(nothingMatched(["Iris:2"], "stage=qa"), "Iris:2 does not match --labels stage=qa");
  assert.equal(
    nothingMatched(["Iris", "Mnist:1"], "team Exists"),
    "none of Iris, Mnist:1 matches --labels team Exists",
  );
  assert.equal(nothingMatched(["Iris"], undefined), "no version of Iris matches");
});

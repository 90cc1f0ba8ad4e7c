import assert from "node:assert/strict";
import { oneLine } from "./errors.ts";

Deno.test("oneLine writes CR and LF as escapes and leaves other text alone", () => {
  assert.equal(
    oneLine("Unexpected token 'a', \"a\r\nb\" is not valid JSON"),
    "Unexpected token 'a', \"a\\r\\nb\" is not valid JSON",
  );
  assert.equal(oneLine("tab\there"), "tab\there");
});

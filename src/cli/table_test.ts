import assert from "node:assert/strict";
import { formatAge, formatTable } from "./table.ts";

Deno.test("formatTable pads columns to the widest cell and trims line ends", () => {
  assert.equal(
    formatTable(["BUNDLE", "AGE", "LABELS"], [["Iris:1", "3 minutes", ""], [
      "LongerName:20",
      "1 day",
      "a=b",
    ]]),
    "BUNDLE         AGE        LABELS\nIris:1         3 minutes\nLongerName:20  1 day      a=b\n",
  );
});

Deno.test("formatAge uses the largest whole unit", () => {
  const now = new Date("2024-01-03T01:00:00Z");
  assert.equal(formatAge("2024-01-01T00:00:00Z", now), "2 days");
  assert.equal(formatAge("2024-01-03T00:00:00Z", now), "1 hour");
  assert.equal(formatAge("2024-01-03T00:58:30Z", now), "1 minute");
  assert.equal(formatAge("2024-01-03T00:59:59Z", now), "1 second");
  assert.equal(formatAge("2024-01-03T02:00:00Z", now), "0 seconds");
  assert.equal(formatAge("not a date", now), "?");
});

import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { diskFullError, isDiskFull } from "./disk_full.ts";

Deno.test("a full disk (ENOSPC, SQLite's SQLITE_FULL, as a cause) becomes 507 naming the server's disk", () => {
  const enospc = Object.assign(
    new Error("No space left on device (os error 28): write '/srv/x/.upload-1/a'"),
    {
      code: "ENOSPC",
    },
  );
  const sqlite = new ObentoError(
    "UNAVAILABLE",
    "registry index /srv/obento/registry.db: database or disk is full; free some space and run the command again",
  );
  const wrapped = new Error("could not store the bundle", { cause: enospc });
  for (const error of [enospc, sqlite, wrapped]) {
    assert.ok(isDiskFull(error), String(error));
    const answer = diskFullError(error)!;
    assert.equal(answer.status, 507);
    assert.equal(answer.code, "UNAVAILABLE");
    assert.match(answer.message, /^the registry server's disk is full .*nothing was stored or changed/);
    assert.doesNotMatch(answer.message, /\/srv/, "no server path reaches the client");
  }
});

Deno.test("other errors are not taken for a full disk", () => {
  for (
    const error of [
      new Error("Permission denied (os error 13)"),
      new ObentoError("CONFLICT", "Iris:1 is already in the registry; push another version"),
      new ObentoError("UNAVAILABLE", "registry index is locked (database is locked)"),
      "a string",
      undefined,
    ]
  ) {
    assert.equal(isDiskFull(error), false, String(error));
    assert.equal(diskFullError(error), undefined);
  }
});

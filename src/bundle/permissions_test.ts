import assert from "node:assert/strict";
import { ObentoError } from "../errors.ts";
import { describePermissions, narrowPermissions, parsePermissions } from "./permissions.ts";

function refused(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ObentoError && e.code === code && pattern.test(e.message));
}

Deno.test("parsePermissions: canonical form, the old list form, and the default", () => {
  assert.deepEqual(parsePermissions(undefined, "w"), {});
  assert.deepEqual(parsePermissions([], "w"), {});
  assert.deepEqual(parsePermissions(["net", "env"], "w"), { net: true, env: true });
  assert.deepEqual(
    parsePermissions(
      { env: ["A", "A"], net: ["api.example.com:443", "[::1]:80"], read: ["data", "/srv/x"] },
      "w",
    ),
    { read: ["data", "/srv/x"], net: ["api.example.com:443", "[::1]:80"], env: ["A"] },
  );
  assert.deepEqual(parsePermissions({ write: false, net: [] }, "w"), {});
});

Deno.test("parsePermissions names the bad key or value", () => {
  const where = "bento.yaml env.permissions";
  refused(() => parsePermissions({ ffi: true }, where), "BAD_BUNDLE", /permission "ffi" \(native libraries/);
  refused(() => parsePermissions(["run"], where), "BAD_BUNDLE", /"run" \(running programs\) is never given/);
  refused(() => parsePermissions({ disk: true }, where), "BAD_BUNDLE", /unknown permission "disk"/);
  refused(
    () => parsePermissions({ read: ["../x"] }, where),
    "BAD_BUNDLE",
    /permissions\.read "\.\.\/x" leaves/,
  );
  refused(() => parsePermissions({ net: ["http://x"] }, where), "BAD_BUNDLE", /"http:\/\/x" is not a host/);
  refused(() => parsePermissions({ env: ["A-B"] }, where), "BAD_BUNDLE", /"A-B" is not an environment/);
  refused(() => parsePermissions({ env: "A" }, where), "BAD_BUNDLE", /env must be true or a list/);
  refused(() => parsePermissions({ env: [""] }, where), "BAD_BUNDLE", /must be a non-empty string/);
  refused(() => parsePermissions("net", where), "BAD_BUNDLE", /must be a mapping/);
  refused(
    () => parsePermissions({ net: [1] }, "s", "BAD_SERVICE"),
    "BAD_SERVICE",
    /^s: permissions\.net holds 1/,
  );
});

Deno.test("narrowPermissions only takes away", () => {
  const declared = { read: ["data"], net: ["a.example", "b.example"], env: true as const };
  assert.deepEqual(narrowPermissions(declared, "none"), {});
  assert.deepEqual(narrowPermissions(declared, "net=b.example,env"), { net: ["b.example"], env: true });
  assert.deepEqual(narrowPermissions(declared, "env=HOME"), { env: ["HOME"] });
  assert.deepEqual(narrowPermissions(declared, "read"), { read: ["data"] });
  refused(
    () => narrowPermissions(declared, "net=c.example"),
    "BAD_ARGUMENT",
    /net=c\.example, which the bundle/,
  );
  refused(
    () => narrowPermissions(declared, "write"),
    "BAD_ARGUMENT",
    /asks for write, which the bundle does not/,
  );
  refused(() => narrowPermissions(declared, "ffi"), "BAD_ARGUMENT", /unknown permission "ffi"/);
  refused(() => narrowPermissions({}, "net"), "BAD_ARGUMENT", /declares: nothing beyond reading itself/);
  refused(() => narrowPermissions(declared, "net,,env"), "BAD_ARGUMENT", /empty entry/);
});

Deno.test("describePermissions", () => {
  assert.equal(describePermissions({}), "");
  assert.equal(describePermissions({ env: ["A", "B"], read: true }), "read all; env A, B");
});

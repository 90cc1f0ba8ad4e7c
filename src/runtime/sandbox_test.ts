import assert from "node:assert/strict";
import { explainRefusal } from "../bundle/permission_refusal.ts";
import { hostReadPaths, workerPermissions } from "./sandbox.ts";

Deno.test("workerPermissions: the bundle, onnxruntime-web's files and nothing else by default", () => {
  const p = workerPermissions({ root: "/b/Iris/1", permissions: {}, native: false });
  assert.deepEqual(p, {
    read: ["/b/Iris/1", ...hostReadPaths(false)],
    write: false,
    net: false,
    env: false,
    ffi: false,
    run: false,
    sys: false,
    import: false,
  });
  assert.match(hostReadPaths(false)[0], /onnxruntime-web.*dist$/);
});

Deno.test("workerPermissions: declared paths resolve inside the bundle; native adds FFI and its package", () => {
  const p = workerPermissions({
    root: "/b/Iris/1",
    permissions: { read: ["data", "/srv/shared"], write: ["out"], net: ["api.example.com"], env: ["TOKEN"] },
    native: true,
  });
  assert.deepEqual(p.read, ["/b/Iris/1", ...hostReadPaths(true), "/b/Iris/1/data", "/srv/shared"]);
  assert.match(hostReadPaths(true)[1], /onnxruntime-node/);
  assert.deepEqual(p.write, ["/b/Iris/1/out"]);
  assert.deepEqual(p.net, ["api.example.com"]);
  assert.deepEqual(p.env, ["TOKEN"]);
  assert.equal(p.ffi, true);
  assert.equal(
    workerPermissions({ root: "/b", permissions: { net: true, env: true }, native: false }).net,
    true,
  );
});

Deno.test("explainRefusal says where the refusal comes from", () => {
  assert.equal(
    explainRefusal('Requires read access to "/etc/passwd", run again with the --allow-read flag'),
    'Requires read access to "/etc/passwd": refused by the service\'s sandbox (its code may only read its ' +
      'bundle and do what bento.yaml\'s env.permissions declares; docs/bundling.md, "Permissions")',
  );
  assert.equal(explainRefusal("boom"), "boom");
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { ObentoError } from "../errors.ts";
import { bundleArchive } from "../registry/archive/bundle_archive.ts";
import { openRegistry, type Registry } from "../registry/registry.ts";
import { writeTestBundle } from "../registry/_testing.ts";
import { RemoteRegistry } from "../registry_client/remote_registry.ts";
import { pullBundle, pushBundle } from "../registry_client/transfer.ts";
import { registryApp } from "./app.ts";
import { SqliteTokenStore } from "./sqlite_tokens.ts";
import { createToken } from "./tokens.ts";

interface Fixture {
  url: string;
  server: Registry;
  storeDir: string;
  tokens: { read: string; write: string; admin: string };
  local: Registry;
  home: string;
}

/** One in-process registry server (SQLite + directory) over real HTTP, plus a local registry with Iris:1. */
async function withServer(publicRead: boolean, fn: (f: Fixture) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "obento-rs-" });
  const server = await openRegistry({ home: join(dir, "server") });
  const tokenStore = new SqliteTokenStore(join(dir, "server", "registry.db"));
  const tokens = {
    read: (await createToken(tokenStore, "read", "r")).token,
    write: (await createToken(tokenStore, "write", "w")).token,
    admin: (await createToken(tokenStore, "admin", "a")).token,
  };
  const storeDir = join(dir, "server", "bundles");
  const app = registryApp({ registry: server, tokens: tokenStore, scratchRoot: storeDir, publicRead });
  const controller = new AbortController();
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen() {} },
    app.fetch,
  );
  const home = join(dir, "local");
  const local = await openRegistry({ home });
  await local.add(
    await writeTestBundle(join(dir, "src"), { name: "Iris", version: "1", artifactBytes: 300_000 }),
  );
  try {
    await fn({ url: `http://127.0.0.1:${http.addr.port}`, server, storeDir, tokens, local, home });
  } finally {
    controller.abort();
    await http.finished;
    local.close();
    server.close();
    tokenStore.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function status(url: string, init: RequestInit = {}, token?: string): Promise<[number, string]> {
  const headers = new Headers(init.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  const response = await fetch(url, { ...init, headers });
  return [response.status, await response.text()];
}

/** What the store directory holds besides published bundles (scratch and staging leftovers). */
async function leftovers(storeDir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(storeDir)) if (e.name.startsWith(".")) names.push(e.name);
  return names;
}

Deno.test("registry server: 401 without or with a bad token, 403 for a weak scope, before any lookup", async () => {
  await withServer(false, async ({ url, tokens, local }) => {
    const missing = await fetch(`${url}/v1/bundles/Nope/1`);
    assert.equal(missing.status, 401); // not 404: a refused request does not reveal what exists
    assert.equal(missing.headers.get("www-authenticate"), 'Bearer realm="obento"');
    assert.match((await missing.json()).error.message, /this registry needs a token for reading/);
    assert.equal((await status(`${url}/v1/bundles`, {}, "obt_bad"))[0], 401);
    assert.equal((await status(`${url}/v1/bundles`, {}, tokens.read.slice(0, -2) + "xx"))[0], 401);
    assert.equal((await status(`${url}/v1/bundles`, {}, tokens.read))[0], 200);
    const [code, body] = await status(
      `${url}/v1/bundles/Nope/1/archive`,
      { method: "PUT", body: "x" },
      tokens.read,
    );
    assert.equal(code, 403);
    assert.match(body, /has scope read; pushing needs write/);
    assert.equal((await status(`${url}/v1/bundles/Nope/1`, { method: "DELETE" }, tokens.write))[0], 403);
    assert.equal((await status(`${url}/healthz`))[0], 200);
    // the client turns them into exit-77 errors
    await assert.rejects(
      pushBundle(new RemoteRegistry({ url }), local, "Iris:1"),
      (e: unknown) => e instanceof ObentoError && e.code === "UNAUTHORIZED" && e.exitCode === 77,
    );
  });
});

Deno.test("registry server: push, list, get, pull and delete by scope; re-push is 409", async () => {
  await withServer(false, async ({ url, tokens, local, home, storeDir }) => {
    const writer = new RemoteRegistry({ url, token: tokens.write });
    const pushed = await pushBundle(writer, local, "Iris:latest");
    assert.equal(pushed.name, "Iris");
    assert.ok(pushed.bytes > 300_000);
    await assert.rejects(
      pushBundle(writer, local, "Iris:1"),
      (e: unknown) => e instanceof ObentoError && e.code === "CONFLICT",
    );
    // the server refuses a second upload itself too (a client that skips the check)
    const { stream } = await bundleArchive((await local.resolve("Iris:1")).path);
    assert.equal(
      (await status(`${url}/v1/bundles/Iris/1/archive`, { method: "PUT", body: stream }, tokens.write))[0],
      409,
    );
    const reader = new RemoteRegistry({ url, token: tokens.read });
    assert.deepEqual((await reader.list()).map((b) => `${b.name}:${b.version}`), ["Iris:1"]);
    assert.equal((await reader.get("Iris")).document.artifacts[0].size, 300_000);
    // pull into a second local registry
    const other = await openRegistry({ home: join(home, "..", "other") });
    try {
      const pulled = await pullBundle(reader, other, join(home, "..", "other"), "Iris");
      assert.equal(pulled.bytes, pushed.bytes);
      assert.deepEqual(
        await Deno.readFile(join((await other.resolve("Iris:1")).path, "artifacts", "model.onnx")),
        await Deno.readFile(join((await local.resolve("Iris:1")).path, "artifacts", "model.onnx")),
      );
      assert.equal((await pullBundle(reader, other, join(home, "..", "other"), "Iris:1")).bytes, 0);
    } finally {
      other.close();
    }
    await assert.rejects(
      reader.deleteSelected([{ name: "Iris", version: "1", path: "" }]),
      (e: unknown) => e instanceof ObentoError && e.code === "FORBIDDEN",
    );
    const admin = new RemoteRegistry({ url, token: tokens.admin });
    assert.equal((await admin.deleteSelected([{ name: "Iris", version: "1", path: "" }])).length, 1);
    assert.deepEqual(await reader.list(), []);
    assert.deepEqual(await leftovers(storeDir), []);
  });
});

Deno.test("registry server: --public-read lets anonymous reads in, never anonymous writes", async () => {
  await withServer(true, async ({ url, tokens, local }) => {
    await pushBundle(new RemoteRegistry({ url, token: tokens.write }), local, "Iris:1");
    const anonymous = new RemoteRegistry({ url });
    assert.equal((await anonymous.list()).length, 1);
    assert.equal((await status(`${url}/v1/bundles/Iris/1/archive`))[0], 200);
    assert.equal((await status(`${url}/v1/bundles/Iris/2/archive`, { method: "PUT", body: "x" }))[0], 401);
    assert.equal((await status(`${url}/v1/bundles/Iris/1`, { method: "DELETE" }))[0], 401);
    assert.equal((await status(`${url}/v1/bundles`, {}, "obt_wrong"))[0], 401); // a wrong token is still wrong
  });
});

Deno.test("registry server: a tampered, truncated, foreign or misnamed upload is refused and leaves nothing", async () => {
  await withServer(false, async ({ url, tokens, local, storeDir }) => {
    const bytes = new Uint8Array(
      await new Response((await bundleArchive((await local.resolve("Iris:1")).path)).stream).arrayBuffer(),
    );
    const put = (body: BodyInit, name = "Iris") =>
      status(`${url}/v1/bundles/${name}/1/archive`, { method: "PUT", body }, tokens.write);
    const tampered = bytes.slice();
    tampered[bytes.length - 4096] ^= 1; // inside the last file's content (service.js or the artifact)
    const cases: [BodyInit, string, number, RegExp][] = [
      [tampered, "Iris", 422, /does not match its MANIFEST digest/],
      [bytes.slice(0, 200_000), "Iris", 400, /the archive is truncated/],
      ["hello, not tar".repeat(100), "Iris", 400, /not a tar archive/],
      [bytes, "Other", 400, /the archive holds Iris:1, not Other:1/],
    ];
    for (const [body, name, code, message] of cases) {
      const [got, text] = await put(body, name);
      assert.equal(got, code, text);
      assert.match(text, message);
      assert.deepEqual(await new RemoteRegistry({ url, token: tokens.read }).list(), []);
      assert.deepEqual(await leftovers(storeDir), []);
    }
    // a client that dies mid-stream: the body errors after 100 kB
    const dying = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 100_000));
        setTimeout(() => controller.error(new Error("client died")), 50);
      },
    });
    await fetch(`${url}/v1/bundles/Iris/1/archive`, {
      method: "PUT",
      body: dying,
      headers: { authorization: `Bearer ${tokens.write}` },
    }).then((r) => r.body?.cancel(), () => {});
    for (let i = 0; i < 50 && (await leftovers(storeDir)).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(await leftovers(storeDir), []);
    // and the push can be run again
    assert.equal((await put(bytes))[0], 201);
  });
});

Deno.test("registry client: a bundle changed on the server is refused on pull and nothing is saved", async () => {
  await withServer(false, async ({ url, tokens, local, server, home }) => {
    await pushBundle(new RemoteRegistry({ url, token: tokens.write }), local, "Iris:1");
    const stored = join((await server.resolve("Iris:1")).path, "artifacts", "model.onnx");
    const data = await Deno.readFile(stored);
    data[1000] ^= 1;
    await Deno.writeFile(stored, data);
    const otherHome = join(home, "..", "other");
    const other = await openRegistry({ home: otherHome });
    try {
      await assert.rejects(
        pullBundle(new RemoteRegistry({ url, token: tokens.read }), other, otherHome, "Iris:1"),
        (e: unknown) => e instanceof ObentoError && e.code === "INTEGRITY" && /model\.onnx/.test(e.message),
      );
      assert.deepEqual(await other.list(), []);
      assert.deepEqual(
        [...Deno.readDirSync(otherHome)].map((e) => e.name).filter((n) => n.startsWith(".")),
        [],
      );
    } finally {
      other.close();
    }
  });
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { openRegistry } from "../registry/registry.ts";
import { writeTestBundle } from "../registry/_testing.ts";
import { registryApp } from "../registry_server/app.ts";
import { SqliteTokenStore } from "../registry_server/sqlite_tokens.ts";
import type { CliContext } from "./command.ts";
import { pullForUse } from "./registry_target.ts";

Deno.test("serve/run --registry: a remote Name:latest is pulled once into the local registry, paths pass through", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-pfu-" });
  const server = await openRegistry({ home: join(dir, "server") });
  await server.add(await writeTestBundle(join(dir, "src"), { name: "Iris", version: "7" }));
  const tokens = new SqliteTokenStore(join(dir, "server", "registry.db"));
  const app = registryApp({
    registry: server,
    tokens,
    scratchRoot: join(dir, "server", "bundles"),
    publicRead: true,
  });
  const controller = new AbortController();
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen() {} },
    app.fetch,
  );
  const url = `http://127.0.0.1:${http.addr.port}`;
  const err: string[] = [];
  const ctx: CliContext = {
    home: join(dir, "local"),
    cwd: dir,
    isTerminal: false,
    out() {},
    err: (t) => err.push(t),
  };
  try {
    assert.equal(await pullForUse(ctx, url, "Iris:latest"), "Iris:7");
    assert.match(err.join(""), /^pulled Iris:7 from http:\/\/127\.0\.0\.1:\d+ \(\d+ bytes\)\n$/);
    assert.equal(await pullForUse(ctx, url, "Iris"), "Iris:7"); // there already: nothing downloaded
    assert.equal(err.length, 1);
    assert.equal(await pullForUse(ctx, url, "./some/dir"), "./some/dir");
    const local = await openRegistry({ home: ctx.home });
    assert.deepEqual((await local.list()).map((b) => `${b.name}:${b.version}`), ["Iris:7"]);
    local.close();
  } finally {
    controller.abort();
    await http.finished;
    server.close();
    tokens.close();
    await Deno.remove(dir, { recursive: true });
  }
});

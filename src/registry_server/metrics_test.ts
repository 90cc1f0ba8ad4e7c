import assert from "node:assert/strict";
import { join } from "node:path";
import { openRegistry } from "../registry/registry.ts";
import { writeTestBundle } from "../registry/_testing.ts";
import { RemoteRegistry } from "../registry_client/remote_registry.ts";
import { pullBundle, pushBundle } from "../registry_client/transfer.ts";
import { registryApp } from "./app.ts";
import { RegistryMetrics } from "./metrics.ts";
import { countedStream } from "./request_metrics.ts";
import { SqliteTokenStore } from "./sqlite_tokens.ts";
import { createToken } from "./tokens.ts";

/** The value of the sample `name{labels}` in a Prometheus text exposition (undefined when absent). */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

Deno.test("countedStream passes chunks through, counts them, and says how the stream ended", async () => {
  const ends: string[] = [];
  let bytes = 0;
  const counting = { onBytes: (n: number) => bytes += n, onEnd: (o: string) => ends.push(o) };
  const text = await new Response(countedStream(new Response("hello, world").body!, counting)).text();
  assert.equal(text, "hello, world");
  assert.equal(bytes, 12);
  let reads = 0;
  const failing = new ReadableStream<Uint8Array>({
    pull(c) {
      if (reads++ === 0) c.enqueue(new Uint8Array(3));
      else c.error(new Error("disk gone"));
    },
  });
  await assert.rejects(new Response(countedStream(failing, counting)).arrayBuffer(), /disk gone/);
  const endless = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(10)) });
  const reader = countedStream(endless, counting).getReader();
  await reader.read();
  await reader.cancel();
  assert.deepEqual(ends, ["ok", "error", "aborted"]);
  assert.equal(bytes, 12 + 3 + 10);
});

Deno.test("registry /metrics: requests by route, method and status; bytes in and out; push and pull durations", async () => {
  const dir = await Deno.makeTempDir({ prefix: "obento-rsm-" });
  const server = await openRegistry({ home: join(dir, "server") });
  const tokenStore = new SqliteTokenStore(join(dir, "server", "registry.db"));
  const token = (await createToken(tokenStore, "write", "w")).token;
  const metrics = new RegistryMetrics();
  const app = registryApp({
    registry: server,
    tokens: tokenStore,
    scratchRoot: join(dir, "server", "bundles"),
    metrics,
  });
  const controller = new AbortController();
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: controller.signal, onListen() {} },
    app.fetch,
  );
  const url = `http://127.0.0.1:${http.addr.port}`;
  const local = await openRegistry({ home: join(dir, "local") });
  const other = await openRegistry({ home: join(dir, "other") });
  try {
    // 8 MB, so a pull cancelled after its first chunk is still streaming when the client goes away
    await local.add(
      await writeTestBundle(join(dir, "src"), { name: "Iris", version: "1", artifactBytes: 8e6 }),
    );
    const remote = new RemoteRegistry({ url, token });
    const pushed = await pushBundle(remote, local, "Iris:1");
    const pulled = await pullBundle(remote, other, join(dir, "other"), "Iris:1");
    assert.equal(pulled.bytes, pushed.bytes);
    assert.equal((await remote.list()).length, 1);
    assert.equal((await fetch(`${url}/v1/bundles`)).status, 401);
    await (await fetch(`${url}/v1/bundles`)).body?.cancel();
    assert.equal((await fetch(`${url}/no/such/path`)).status, 404);
    // a pull the client abandons after its first chunk
    const abandoned = await fetch(`${url}/v1/bundles/Iris/1/archive`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const reader = abandoned.body!.getReader();
    await reader.read();
    await reader.cancel();

    const archive = "/v1/bundles/:name/:version/archive";
    let text = "";
    for (let i = 0; i < 100; i++) {
      const response = await fetch(`${url}/metrics`);
      assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      text = await response.text();
      if (sample(text, "obento_registry_pull_duration_seconds_count", 'outcome="aborted"') === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const requests = "obento_registry_requests_total";
    assert.equal(sample(text, requests, `route="${archive}",method="PUT",status="201"`), 1);
    assert.equal(sample(text, requests, `route="${archive}",method="GET",status="200"`), 2);
    assert.equal(sample(text, requests, 'route="/v1/bundles",method="GET",status="200"'), 1);
    assert.equal(sample(text, requests, 'route="/v1/bundles",method="GET",status="401"'), 2);
    assert.equal(sample(text, requests, 'route="unmatched",method="GET",status="404"'), 1);
    // the request path (which names a bundle) never becomes a label value
    assert.ok(!text.includes("Iris"), "a bundle name leaked into the metrics");
    assert.equal(sample(text, "obento_registry_received_bytes_total", `route="${archive}"`), pushed.bytes);
    const sent = sample(text, "obento_registry_sent_bytes_total", `route="${archive}"`)!;
    assert.ok(
      sent >= pulled.bytes && sent < 2 * pulled.bytes,
      `sent ${sent} for one whole pull + a cancelled one`,
    );
    assert.ok(sample(text, "obento_registry_sent_bytes_total", 'route="/v1/bundles"')! > 0);
    assert.equal(sample(text, "obento_registry_push_duration_seconds_count", 'outcome="ok"'), 1);
    assert.equal(sample(text, "obento_registry_pull_duration_seconds_count", 'outcome="ok"'), 1);
    assert.equal(sample(text, "obento_registry_pull_duration_seconds_count", 'outcome="aborted"'), 1);
    assert.equal(sample(text, "obento_registry_push_duration_seconds_bucket", 'outcome="ok",le="+Inf"'), 1);
    assert.ok(
      sample(text, "obento_registry_request_duration_seconds_count", `route="${archive}",method="PUT"`),
    );
    assert.match(text, /^process_resident_memory_bytes \d+/m);
  } finally {
    controller.abort();
    await http.finished;
    local.close();
    other.close();
    server.close();
    tokenStore.close();
    await Deno.remove(dir, { recursive: true });
  }
});

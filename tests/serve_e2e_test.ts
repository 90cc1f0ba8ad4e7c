/**
 * End-to-end serving: the real `obento serve` subprocess on 127.0.0.1 with real bundles.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { packBundle, packIris, ROOT, runObento } from "./helpers/cli.ts";
import { startServer } from "./helpers/server.ts";

const ROW = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

/**
 * Packs the synthetic bundle (an API whose batch costs a·n + b ms) into `<home>/<name>`; `cost` is written
 * to `<home>/cost.json` (default: the fixture's cost file).
 */
async function packSynthetic(
  home: string,
  name: string,
  cost?: { a_ms: number; b_ms: number },
): Promise<string> {
  let costFile = "tests/fixtures/synthetic/cost.json";
  if (cost !== undefined) {
    costFile = join(home, "cost.json");
    await Deno.writeTextFile(costFile, JSON.stringify(cost));
  }
  return await packBundle(
    home,
    "tests/fixtures/synthetic/service.ts",
    [`cost=${costFile}`],
    join(home, name),
  );
}

async function post(url: string, body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return await fetch(url, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
}

Deno.test("serves APIs, metadata, health, metrics, docs and v2; errors are JSON with the right status", async () => {
  const home = await Deno.makeTempDir();
  const bundle = await packIris(home);
  const tokenFile = join(home, "token");
  await Deno.writeTextFile(tokenFile, "s3cret-token\n");
  const server = await startServer(home, [
    bundle,
    "--workers",
    "1",
    "--max-body",
    "4096",
    "--api-token-file",
    tokenFile,
    "--cors",
    "https://app.example",
  ]);
  const auth = { authorization: "Bearer s3cret-token" };
  try {
    const { url } = server;
    assert.match(server.log(), /mb-max-batch-size\s+64 items\s+\(default\)/);
    assert.match(server.log(), /max-body\s+4096 bytes\s+\(flag\)/);

    let r = await post(`${url}/predict`, JSON.stringify([ROW]), auth);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), ["setosa"]);

    r = await post(
      `${url}/predict`,
      "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n",
      { ...auth, "content-type": "text/csv" },
    );
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), ["setosa", "virginica"]);

    r = await post(`${url}/predict`, JSON.stringify([ROW]));
    assert.equal(r.status, 401);
    assert.match((await r.json()).error, /bearer token/);

    r = await post(`${url}/predict`, "[{", auth);
    assert.equal(r.status, 400);
    assert.match((await r.json()).error, /JSON/);

    r = await post(`${url}/predict`, "hello", { ...auth, "content-type": "text/plain" });
    assert.equal(r.status, 415);
    await r.body?.cancel();

    r = await post(`${url}/predict`, JSON.stringify(Array(200).fill(ROW)), auth);
    assert.equal(r.status, 413);
    assert.match((await r.json()).error, /max-body 4096/);

    r = await fetch(`${url}/nope`);
    assert.equal(r.status, 404);
    assert.match((await r.json()).error, /POST \/predict/);

    r = await fetch(`${url}/healthz`, { headers: { origin: "https://app.example" } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("access-control-allow-origin"), "https://app.example");
    // A browser page may read the request id of a response (to quote it in a bug report).
    assert.equal(r.headers.get("access-control-expose-headers"), "x-request-id");
    await r.body?.cancel();
    r = await fetch(`${url}/healthz`, { headers: { origin: "https://evil.example" } });
    assert.equal(r.headers.get("access-control-allow-origin"), null);
    await r.body?.cancel();
    const meta = await (await fetch(`${url}/metadata`)).json();
    assert.equal(meta.name, "IrisClassifier");
    assert.equal(meta.serving["max-body"].value, 4096);
    assert.equal(meta.serving["max-body"].source, "flag");

    const metrics = await (await fetch(`${url}/metrics`)).text();
    // Every sample carries the served bundle's name and version.
    const labels = `service="IrisClassifier",service_version="[^"]+"`;
    assert.match(metrics, new RegExp(`obento_requests_total\\{${labels},api="predict",status="200"\\} 2`));
    assert.match(metrics, /obento_batch_size_bucket/);
    assert.match(metrics, new RegExp(`^process_resident_memory_bytes\\{${labels}\\} [1-9]\\d{6,}$`, "m"));

    const openapi = await (await fetch(`${url}/docs.json`)).json();
    assert.equal(openapi.openapi, "3.1.0");
    assert.ok(openapi.paths["/predict"].post);
    const docs = await (await fetch(`${url}/docs`)).text();
    assert.match(docs, /swagger/i);
    const index = await (await fetch(`${url}/`)).text();
    assert.match(index, /predict_proba/);

    const model = await (await fetch(`${url}/v2/models/model`)).json();
    assert.deepEqual(model.inputs, [{ name: "input", datatype: "FP32", shape: [-1, 4] }]);
    r = await post(
      `${url}/v2/models/model/infer`,
      JSON.stringify({
        id: "r1",
        inputs: [{ name: "input", shape: [1, 4], datatype: "FP32", data: [5.1, 3.5, 1.4, 0.2] }],
      }),
      auth,
    );
    assert.equal(r.status, 200);
    const v2 = await r.json();
    assert.equal(v2.id, "r1");
    assert.deepEqual(v2.outputs.find((o: { name: string }) => o.name === "label").data, [0]);
    r = await post(`${url}/v2/models/nope/infer`, "{}", auth);
    assert.equal(r.status, 404);
    await r.body?.cancel();
    r = await post(
      `${url}/v2/models/model/infer`,
      JSON.stringify({ inputs: [{ name: "input", shape: [1, 3], datatype: "FP32", data: [1, 2, 3] }] }),
      auth,
    );
    assert.equal(r.status, 400);
    await r.body?.cancel();

    // The CLI bound glibc's malloc_trim at start (Linux) and the server used it once the model was warm
    // (2 s after ready, off the ready path: src/server/serve.ts).
    if (Deno.build.os === "linux") {
      const trimmed = /gave \d+ MiB of freed memory back to the OS/;
      for (let waited = 0; !trimmed.test(server.log()) && waited < 10_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.match(server.log(), trimmed);
    }
  } finally {
    assert.equal(await server.stop(), 0);
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a bundle's web static content is served under /static/, and nothing outside it", async () => {
  const home = await Deno.makeTempDir();
  const web = join(home, "web");
  await Deno.mkdir(join(web, "js"), { recursive: true });
  await Deno.writeTextFile(join(web, "index.html"), "<h1>iris</h1>");
  await Deno.writeTextFile(join(web, "js", "app.js"), "console.log(1);");
  const out = join(home, "iris");
  const packed = await runObento({ home, cwd: ROOT }, [
    "pack",
    "bundles/iris_classifier/service.ts",
    "--artifact",
    "model=bundles/iris_classifier/iris_lr.onnx",
    "--static",
    web,
    "--output",
    out,
  ]);
  assert.equal(packed.code, 0, packed.stderr);
  const server = await startServer(home, [out, "--workers", "1"]);
  try {
    let r = await fetch(`${server.url}/static/`);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), "<h1>iris</h1>");
    r = await fetch(`${server.url}/static/js/app.js`);
    assert.equal(r.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(await r.text(), "console.log(1);");
    for (const path of ["/static/%2e%2e/bento.yaml", "/static/../bento.yaml", "/static/nope.txt"]) {
      r = await fetch(`${server.url}${path}`);
      assert.equal(r.status, 404, path);
      await r.body?.cancel();
    }
  } finally {
    assert.equal(await server.stop(), 0);
    await Deno.remove(home, { recursive: true });
  }
});

/** Reads `conn` until `done(text)` or the server closes it; whatever arrived after 10 s. */
async function readUntil(conn: Deno.Conn, done: (text: string) => boolean): Promise<string> {
  const timer = setTimeout(() => conn.close(), 10_000);
  const buffer = new Uint8Array(16 * 1024);
  let text = "";
  try {
    for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
      text += new TextDecoder().decode(buffer.subarray(0, n));
      if (done(text)) break;
    }
  } catch { /* closed by the timer */ }
  clearTimeout(timer);
  return text;
}

// The drain (src/server/drain.ts), seen by a raw keep-alive client: after the signal the server still
// answers on a connection it had kept alive, with Connection: close (and /readyz 503), then finishes the
// request in flight and exits. --transport bounded also closes the connection after such an answer:
// src/server/bounded_http_test.ts.
Deno.test("SIGTERM drains: answers say Connection: close, /readyz 503; in-flight requests finish; exit 0", async () => {
  const home = await Deno.makeTempDir();
  const bundle = await packSynthetic(home, "slow", { a_ms: 0, b_ms: 700 });
  const server = await startServer(home, [bundle, "--workers", "1", "--shutdown-drain", "5000"]);
  const { hostname, port } = new URL(server.url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  try {
    const get = async (path: string) => {
      await conn.write(new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`));
      return await readUntil(conn, (t) => t.endsWith("}"));
    };
    const before = await get("/readyz");
    assert.match(before, /^HTTP\/1\.1 200 [\s\S]*\{"status":"ready"\}$/, before);
    assert.doesNotMatch(before, /connection: close/i);
    const inFlight = post(`${server.url}/work`, JSON.stringify({ x: 1 }));
    await new Promise((r) => setTimeout(r, 150));
    const exit = server.stop("SIGTERM");
    for (let i = 0; i < 200 && !/draining connections/.test(server.log()); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    // The same keep-alive connection, after the signal: answered, told to close, not ready.
    const during = await get("/readyz");
    assert.match(
      during,
      /^HTTP\/1\.1 503 [\s\S]*\{"status":"unavailable","reason":"shutting down"\}$/,
      during,
    );
    assert.match(during, /connection: close/i);
    const r = await inFlight;
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("connection"), "close", "the answer in flight when the drain began");
    assert.deepEqual(await r.json(), { echo: { x: 1 }, batch: 1 });
    assert.equal(await exit, 0);
    assert.match(server.log(), /shutting down: draining connections for up to 5000 ms/);
    // Over before its 5000 ms: no request came for 250 ms.
    assert.match(
      server.log(),
      /drained connections for \d+ ms \(no request for 250 ms\): no new connections/,
    );
    assert.equal(await readUntil(conn, () => false), "", "the connection ends with the server, unused");
  } finally {
    try {
      conn.close();
    } catch { /* closed already */ }
    await server.stop("SIGKILL");
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a client that disconnects mid-request neither crashes the server nor stalls the batcher", async () => {
  const home = await Deno.makeTempDir();
  const bundle = await packSynthetic(home, "slow", { a_ms: 0, b_ms: 200 });
  const server = await startServer(home, [bundle, "--workers", "1"]);
  try {
    const controllers = Array.from({ length: 5 }, () => new AbortController());
    const aborted = controllers.map((c, i) =>
      fetch(`${server.url}/work`, {
        method: "POST",
        body: JSON.stringify({ i }),
        headers: { "content-type": "application/json" },
        signal: c.signal,
      }).then(() => "answered", () => "aborted")
    );
    await new Promise((r) => setTimeout(r, 50));
    controllers.forEach((c) => c.abort());
    assert.deepEqual(await Promise.all(aborted), Array(5).fill("aborted"));
    // A query string does not change the route.
    const r = await post(`${server.url}/work?after=1`, JSON.stringify({ after: true }));
    assert.equal(r.status, 200);
    assert.deepEqual((await r.json()).echo, { after: true });
    // The first request ran alone (200 ms); the four queued behind it were dropped when their clients left,
    // so the model saw only that one and the last request.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(
      metrics,
      /^obento_batch_size_sum\{service="Synthetic",service_version="[^"]+",api="work"\} 2$/m,
    );
  } finally {
    assert.equal(await server.stop(), 0);
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("per-item errors go to the right request; a wrong-length batch fails loudly; raw tensor bodies", async () => {
  const home = await Deno.makeTempDir();
  const bundle = await packSynthetic(home, "synthetic");
  const server = await startServer(home, [bundle, "--workers", "1", "--mb-max-latency", "50"]);
  try {
    const bodies = [{ n: 1 }, { fail: true }, { n: 3 }, { discard: true }, { n: 5 }];
    const responses = await Promise.all(bodies.map((b) => post(`${server.url}/work`, JSON.stringify(b))));
    const results = await Promise.all(
      responses.map(async (r) => ({ status: r.status, body: await r.json() })),
    );
    assert.deepEqual(results.map((r) => r.status), [200, 422, 200, 409, 200]);
    assert.deepEqual(results[0].body.echo, { n: 1 });
    assert.deepEqual(results[4].body.echo, { n: 5 });
    assert.ok(results.some((r) => r.body.batch > 1), `requests were batched: ${JSON.stringify(results)}`);
    assert.equal(results[1].body.error, "this item asked to fail");

    const short = await Promise.all([1, 2].map((n) => post(`${server.url}/short`, JSON.stringify({ n }))));
    for (const r of short) {
      assert.equal(r.status, 500);
      assert.match((await r.json()).error, /returned \d+ results for a batch of \d+ rows/);
    }

    // A TensorInput API (float32 rows of 2) through the server and its worker: raw little-endian bytes, with
    // or without the content type's shape= parameter, answer as the same rows in JSON do.
    const rows = [[1.5, 2], [3, 4.25], [-1, 0.5]];
    const raw = new Uint8Array(new Float32Array(rows.flat()).buffer);
    const tensor = async (body: BodyInit, type: string) => {
      const r = await post(`${server.url}/rowsums`, body, { "content-type": type });
      return { status: r.status, body: await r.json() };
    };
    const json = await tensor(JSON.stringify(rows), "application/json");
    assert.deepEqual(json, { status: 200, body: [3.5, 7.25, -0.5] });
    assert.deepEqual(await tensor(raw, "application/octet-stream"), json);
    assert.deepEqual(await tensor(raw, "application/octet-stream; shape=3,2"), json);
    // Bad ones: a 400 that names the problem.
    const refusals: [Uint8Array<ArrayBuffer>, string, string][] = [
      [
        raw.subarray(1),
        "application/octet-stream; shape=3,2",
        "body has 23 bytes, but shape=3,2 of float32 (4 bytes each) needs 24",
      ],
      [
        raw.subarray(0, 10),
        "application/octet-stream",
        "body has 10 bytes, not a whole number of rows of shape [2] float32 (8 bytes each)",
      ],
      [
        raw,
        "application/octet-stream; shape=2,3",
        "body has shape [2,3], expected rows of shape [2] ([N,2])",
      ],
      [
        raw,
        "application/octet-stream; shape=3,x",
        'content-type parameter shape="3,x" must be the tensor\'s dims, rows first, as non-negative integers separated by commas, e.g. shape=2,4',
      ],
    ];
    for (const [body, type, error] of refusals) {
      const refused = await tensor(body, type);
      assert.deepEqual([refused.status, refused.body.status, refused.body.error], [400, 400, error], type);
    }
  } finally {
    assert.equal(await server.stop(), 0);
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("adaptive batching: batches grow with load, p99 stays in budget, excess is shed with 503", async () => {
  const home = await Deno.makeTempDir();
  const bundle = await packSynthetic(home, "adaptive");
  // T(n) = 2n + 20 ms on one model worker: about 50 req/s unbatched, about 1000 req/s at n = 64.
  const maxLatency = 50;
  const server = await startServer(home, [
    bundle,
    "--workers",
    "1",
    "--mb-max-latency",
    String(maxLatency),
    "--mb-max-batch-size",
    "64",
    "--max-queue",
    "200",
    "--timeout",
    "5000",
  ]);
  try {
    const level = async (concurrency: number, perClient: number) => {
      const batches: number[] = [];
      const latencies: number[] = [];
      const statuses: number[] = [];
      await Promise.all(Array.from({ length: concurrency }, async () => {
        for (let i = 0; i < perClient; i++) {
          const t0 = performance.now();
          const r = await post(`${server.url}/work`, JSON.stringify({ i }));
          const body = await r.json();
          statuses.push(r.status);
          if (r.status === 200) {
            latencies.push(performance.now() - t0);
            batches.push(body.batch);
          } else if (r.status === 503) {
            assert.ok(Number(r.headers.get("retry-after")) >= 1, "503 carries Retry-After");
          }
        }
      }));
      latencies.sort((a, b) => a - b);
      const mean = batches.reduce((a, b) => a + b, 0) / Math.max(1, batches.length);
      return { mean, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0, statuses };
    };
    const light = await level(1, 10);
    const medium = await level(8, 10);
    const heavy = await level(32, 8);
    assert.ok(light.mean < medium.mean && medium.mean < heavy.mean, JSON.stringify({ light, medium, heavy }));
    assert.ok(heavy.statuses.every((s) => s === 200), "heavy is within capacity");
    // Queue wait ≤ mb-max-latency, plus one batch of at most 64 (148 ms) and one in progress ahead of it.
    const budget = maxLatency + 2 * (2 * 64 + 20) + 100;
    assert.ok(heavy.p99 <= budget, `p99 ${heavy.p99.toFixed(0)} ms within ${budget} ms`);

    // Overload: 600 requests at once against a queue of 200 → some are shed at once with 503, none time out.
    const flood = await Promise.all(
      Array.from({ length: 600 }, (_, i) => post(`${server.url}/work`, JSON.stringify({ i }))),
    );
    const statuses = flood.map((r) => r.status);
    await Promise.all(flood.map((r) => r.body?.cancel()));
    assert.ok(statuses.includes(503), "excess is shed");
    assert.ok(!statuses.includes(504), "nothing is left to time out");
    // Admitted requests wait at most --mb-max-latency behind the running batch: at least a full batch is served.
    const served = statuses.filter((s) => s === 200).length;
    assert.ok(served >= 64, `served ${served}, shed ${statuses.filter((s) => s === 503).length}`);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(
      metrics,
      /obento_shed_total\{service="Synthetic",service_version="[^"]+",api="work",reason="[a-z_]+"\} [1-9]/,
    );
  } finally {
    assert.equal(await server.stop(), 0);
    await Deno.remove(home, { recursive: true });
  }
});

/** Packs the crash fixture (a throwing API and a table API) into `<home>/crash`. */
function packCrash(home: string): Promise<string> {
  return packBundle(home, "tests/fixtures/services/crash/service.ts", [], join(home, "crash"));
}

/** The line of `file` (1-based) that a `file:LINE:COL` frame in `stack` points at. */
async function frameLine(stack: string, file: string): Promise<string> {
  const at = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:(\\d+):\\d+`).exec(stack);
  assert.ok(at, `no frame in ${file}:\n${stack}`);
  return (await Deno.readTextFile(file)).split("\n")[Number(at[1]) - 1];
}

Deno.test("access log, x-request-id, a 500's stack in the log only, 405 and CSV by Accept", async () => {
  const home = await Deno.makeTempDir();
  const bundle = await packCrash(home);
  const serviceJs = join(bundle, "service.js");
  const server = await startServer(home, [bundle, "--workers", "1"]);
  try {
    const { url } = server;
    let r = await post(`${url}/rows`, "{}", { "x-request-id": "e2e-1", accept: "text/csv" });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-request-id"), "e2e-1");
    assert.equal(r.headers.get("content-type"), "text/csv; charset=utf-8");
    assert.equal(await r.text(), "label,p\nsetosa,0.9\nvirginica,0.7\n");

    r = await post(`${url}/rows`, JSON.stringify({ nested: true }), {
      accept: "text/csv",
      "x-request-id": "csv-2",
    });
    assert.equal(r.status, 406);
    const refused = await r.json();
    assert.equal(refused.request_id, "csv-2");
    assert.match(refused.error, /cannot be written as CSV \(row 1, column probs holds a list\)/);

    r = await post(`${url}/crash`, JSON.stringify({ n: 7 }), { "x-request-id": "crash-1" });
    assert.equal(r.status, 500);
    const text = await r.text();
    assert.deepEqual(JSON.parse(text), {
      error: 'crash fixture: {"n":7}',
      status: 500,
      request_id: "crash-1",
    });
    assert.doesNotMatch(text, /service\.js|\bat\b/);

    r = await fetch(`${url}/crash`);
    assert.equal(r.status, 405);
    assert.equal(r.headers.get("allow"), "POST");
    const generated = r.headers.get("x-request-id") ?? "";
    assert.match(generated, /^[0-9a-f-]{36}$/);
    assert.equal((await r.json()).request_id, generated);
  } finally {
    assert.equal(await server.stop(), 0);
  }
  try {
    const log = server.log();
    assert.match(log, /^ {2}mb-max-latency +20 ms +\(default\)$/m);
    assert.match(log, /^ {2}mb-refusal-delay +20 ms per second of Retry-After +\(default\)$/m);
    assert.match(log, /^ {2}max-body +32 MiB +\(default\)$/m);
    assert.match(log, /^POST \/rows 200 \d+(\.\d)? ms batch=1 request_id=e2e-1$/m);
    assert.match(log, /^POST \/rows 406 \d+(\.\d)? ms batch=1 request_id=csv-2$/m);
    assert.match(log, /^POST \/crash 500 \d+(\.\d)? ms batch=1 request_id=crash-1$/m);
    assert.match(log, new RegExp(`^GET /crash 405 \\d+(\\.\\d)? ms batch=- request_id=[0-9a-f-]{36}$`, "m"));
    const failure =
      /^POST \/crash failed with 500: crash fixture: \{"n":7\} request_id=crash-1\n((?: {4}.*\n)+)/m
        .exec(log);
    assert.ok(failure, log);
    // The stack names the bundle's service.js (not a data: URL) at the line that threw.
    assert.match(failure[1], /^ {4}Error: crash fixture/);
    assert.doesNotMatch(failure[1], /data:text/);
    assert.match(await frameLine(failure[1], serviceJs), /throw new Error\(`crash fixture/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("--log-format json: JSON access lines and 500 stacks from a worker pool, with the request id", async () => {
  const home = await Deno.makeTempDir();
  const bundle = await packCrash(home);
  const server = await startServer(home, [bundle, "--workers", "2", "--log-format", "json"]);
  try {
    const r = await post(`${server.url}/crash`, "[]", { "x-request-id": "json-1" });
    assert.equal(r.status, 500);
    assert.equal((await r.json()).request_id, "json-1");
    await (await fetch(`${server.url}/healthz`)).body?.cancel();
  } finally {
    assert.equal(await server.stop(), 0);
  }
  try {
    const lines = server.log().trim().split("\n").map((line) => JSON.parse(line));
    assert.ok(lines.every((l) => typeof l.time === "string" && typeof l.level === "string"));
    const access = lines.find((l) => l.msg === "request" && l.request_id === "json-1");
    assert.deepEqual({ ...access, time: undefined, duration_ms: typeof access?.duration_ms }, {
      time: undefined,
      level: "error",
      msg: "request",
      method: "POST",
      path: "/crash",
      status: 500,
      duration_ms: "number",
      batch_size: 1,
      request_id: "json-1",
    });
    const failure = lines.find((l) => l.level === "error" && l.msg.includes("failed with 500"));
    assert.equal(failure?.request_id, "json-1");
    assert.match(failure?.stack ?? "", /at explode \(.*service\.js:\d+:\d+\)/);
    // Probes are debug lines: not logged at the default level.
    assert.ok(!lines.some((l) => l.path === "/healthz"));
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a bad or busy port, or a bad --mb-refusal-delay, is one error line (no table, no stack) with the right exit code", async () => {
  const home = await Deno.makeTempDir();
  const bundle = await packCrash(home);
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (busy.addr as Deno.NetAddr).port;
    let r = await runObento({ home }, ["serve", bundle, "--port", String(port)]);
    assert.equal(r.code, 69, r.stderr);
    assert.equal(
      r.stderr,
      `error: port ${port} on 127.0.0.1 is already in use; stop what listens there, or pick another with ` +
        "--port N (--port 0 picks a free one)\n",
    );
    for (const bad of ["70000", "abc", "1.5"]) {
      r = await runObento({ home }, ["serve", bundle, "--port", bad]);
      assert.equal(r.code, 64, r.stderr);
      assert.match(r.stderr, /^error: obento serve: --port must be an integer from 0 to 65535/);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    for (const bad of ["-5", "2.5"]) {
      r = await runObento({ home }, ["serve", bundle, "--port", "0", `--mb-refusal-delay=${bad}`]);
      assert.equal(r.code, 64, r.stderr);
      assert.equal(
        r.stderr,
        `error: obento serve: --mb-refusal-delay must be a whole number (0 or more), got "${bad}"\n`,
      );
    }
  } finally {
    busy.close();
    await Deno.remove(home, { recursive: true });
  }
});

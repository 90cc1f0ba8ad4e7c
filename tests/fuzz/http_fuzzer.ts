/**
 * An HTTP-level fuzzer against a running `obento serve` of the iris bundle: generated requests (malformed and
 * near-valid bodies, wrong content types, random methods, paths and headers) over fetch, huge and deeply
 * nested JSON, and raw TCP clients that send garbage, stall, trickle bytes or hang up mid-request. It counts
 * statuses and checks that none is a 5xx, that every 4xx has a JSON `error`, that the server stays healthy,
 * and how its resident memory moved (`process_resident_memory_bytes` on `/metrics`).
 *
 * Used by `scripts/fuzz_http.ts` (long) and `http_fuzz_e2e_test.ts` (CI-sized).
 *
 * @module
 */
import fc from "fast-check";
import { contentType, deepJson, jsonBody } from "./bodies.ts";
import { anyBytes, anyText, textOf } from "./property.ts";

/** How much to send. */
export interface HttpFuzzOptions {
  /** Generated fetch requests. */
  requests: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Raw TCP clients of each misbehaving kind (garbage, stalled, trickling, abandoned). */
  rawClients: number;
  /** How long stalled and trickling clients hold their connection, in ms. */
  slowMs: number;
  /** Bytes of the largest JSON body sent (kept under the server's --max-body), and one over it. */
  hugeBytes: number;
  /** The server's --max-body. */
  maxBody: number;
  /** Times the huge and deeply nested bodies are sent (memory must level off, not grow per round). */
  hugeRounds: number;
  /** How long to wait, idle, before the last memory reading (the server trims its heap when traffic stops). */
  idleMs: number;
  /** fast-check seed for the generated requests. */
  seed: number;
}

/** What happened. */
export interface HttpFuzzReport {
  /** Responses by status. */
  statuses: Record<number, number>;
  /** Requests that got no response (a connection reset or closed by the server), by kind. */
  noResponse: Record<string, number>;
  /** Every 5xx seen: method, path, status and error, for the report. */
  serverErrors: string[];
  /** 4xx responses whose body had no non-empty JSON `error`. */
  badErrorBodies: string[];
  /** Resident memory before, at the highest sample, right after, and after `idleMs` idle, in bytes. */
  rss: { before: number; peak: number; after: number; afterIdle: number; afterRound: number[] };
  /** Whether /healthz and /readyz answered 200 and /predict still predicts at the end. */
  healthyAfter: boolean;
  /** Wall time in seconds. */
  seconds: number;
}

const ROW = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
const COLUMNS = Object.keys(ROW);
const encoder = new TextEncoder();

/** One generated request. */
interface Generated {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

const near = fc.oneof(
  fc.array(
    fc.record({
      sepal_length: fc.oneof(fc.double(), fc.constantFrom(5.1, "5.1", null, 1e39)),
      sepal_width: fc.double({ min: 0, max: 10, noNaN: true }),
      petal_length: fc.double({ min: 0, max: 10, noNaN: true }),
      petal_width: fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.anything()),
    }, { requiredKeys: [] }),
    { maxLength: 4 },
  ),
  fc.record({
    inputs: fc.array(
      fc.record({
        name: fc.constant("input"),
        shape: fc.array(fc.nat(4), { maxLength: 2 }),
        datatype: fc.constantFrom("FP32", "FP64", "BYTES"),
        data: fc.array(fc.double(), { maxLength: 8 }),
      }),
      { maxLength: 2 },
    ),
  }),
);

const csv = fc.array(fc.array(fc.oneof(fc.double().map(String), textOf('1.a,"\n', 5)), { maxLength: 5 }), {
  maxLength: 4,
})
  .map((rows) => encoder.encode([COLUMNS.join(","), ...rows.map((r) => r.join(","))].join("\n")));

const PATHS = [
  "/predict",
  "/predict_proba",
  "/v2/models/model/infer",
  "/v2/models/model/versions/1/infer",
  "/v2/models/nope/infer",
  "/v2/models/model",
  "/v2",
  "/",
  "/metadata",
  "/docs.json",
  "/static/../../etc/passwd",
  "/predict/",
  "/predict?x=1",
  "//predict",
  "/%70redict",
  "/%00",
  "/v2/models/%2e%2e/infer",
  "/metrics",
  "/readyz",
];

const generated: fc.Arbitrary<Generated> = fc.record({
  method: fc.oneof(
    { weight: 8, arbitrary: fc.constant("POST") },
    { weight: 2, arbitrary: fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "FOO") },
  ),
  path: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom("/predict", "/predict_proba", "/v2/models/model/infer") },
    { weight: 3, arbitrary: fc.constantFrom(...PATHS) },
    { weight: 1, arbitrary: textOf("/abcv2%.?#=&", 20).map((p) => "/" + encodeURI(p).replace(/^\/+/, "")) },
  ),
  headers: fc.record({
    "content-type": contentType(["application/json", "text/csv"]),
    accept: fc.constantFrom(
      "application/json",
      "text/csv",
      "*/*",
      "text/csv;q=0.1, application/json",
      "x/y",
      "",
    ),
    "x-request-id": fc.oneof(textOf("abc-123 ", 20), fc.constant("a".repeat(200))),
  }, { requiredKeys: ["content-type"] }),
  body: fc.oneof(
    { weight: 4, arbitrary: jsonBody(near) },
    { weight: 2, arbitrary: csv },
    { weight: 1, arbitrary: anyBytes },
    { weight: 1, arbitrary: deepJson.map((t) => encoder.encode(t)) },
    { weight: 1, arbitrary: anyText.map((t) => encoder.encode(t)) },
  ),
});

/** The server's resident set from /metrics. */
async function rssOf(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^process_resident_memory_bytes(?:\{[^}]*\})? (\d+)/m.exec(text);
  if (!m) throw new Error("no process_resident_memory_bytes on /metrics");
  return Number(m[1]);
}

/** Records a response: counts its status, notes 5xx and 4xx without a JSON error. */
async function record(report: HttpFuzzReport, what: string, response: Response): Promise<void> {
  const status = response.status;
  report.statuses[status] = (report.statuses[status] ?? 0) + 1;
  const text = await response.text().catch(() => "");
  if (status >= 500) report.serverErrors.push(`${what} → ${status} ${text.slice(0, 300)}`);
  if (status >= 400 && status < 500 && !what.startsWith("HEAD")) {
    let error: unknown;
    try {
      error = (JSON.parse(text) as { error?: unknown }).error;
    } catch { /* not JSON */ }
    if (typeof error !== "string" || error.trim() === "") {
      report.badErrorBodies.push(`${what} → ${status} ${text.slice(0, 200)}`);
    }
  }
}

/** Runs `tasks` with at most `n` at once. */
async function pool<T>(items: readonly T[], n: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await run(items[next++]);
  }));
}

/** Sends `text` on a fresh TCP connection, optionally reads the status line, and closes. */
async function raw(
  port: number,
  parts: readonly (string | Uint8Array)[],
  options: { gapMs?: number; read?: boolean; holdMs?: number },
): Promise<number | undefined> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    for (const p of parts) {
      await conn.write(typeof p === "string" ? encoder.encode(p) : p);
      if (options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
    }
    if (options.holdMs) await new Promise((r) => setTimeout(r, options.holdMs));
    if (!options.read) return undefined;
    const buf = new Uint8Array(256);
    const timer = setTimeout(() => conn.close(), 5000);
    const n = await conn.read(buf).catch(() => null);
    clearTimeout(timer);
    if (n === null) return undefined;
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(new TextDecoder().decode(buf.subarray(0, n)));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // the server closed the connection: fine for garbage
  } finally {
    try {
      conn.close();
    } catch { /* closed above */ }
  }
}

/** Raw TCP clients that misbehave; their statuses go into `report` (no status: the server closed). */
async function rawClients(port: number, options: HttpFuzzOptions, report: HttpFuzzReport): Promise<void> {
  const note = (kind: string, status: number | undefined) => {
    if (status === undefined) report.noResponse[kind] = (report.noResponse[kind] ?? 0) + 1;
    else {
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
      if (status >= 500) report.serverErrors.push(`raw ${kind} → ${status}`);
    }
  };
  const body = JSON.stringify([ROW]);
  const head = (len: number) =>
    `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\n\r\n`;
  const garbage = fc.sample(
    fc.oneof(
      anyText.map((t) => t + "\r\n\r\n"),
      fc.constantFrom(
        "GET\r\n\r\n",
        "GET / HTTP/9.9\r\n\r\n",
        "POST /predict HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST /predict HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "POST /predict HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST /predict HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
        `GET /${"a".repeat(100_000)} HTTP/1.1\r\n\r\n`,
        `GET / HTTP/1.1\r\n${"X-A: b\r\n".repeat(2000)}\r\n`,
      ),
    ),
    { numRuns: options.rawClients, seed: options.seed },
  );
  const tasks: Promise<void>[] = [];
  for (const g of garbage) tasks.push(raw(port, [g], { read: true }).then((s) => note("garbage", s)));
  for (let i = 0; i < options.rawClients; i++) {
    // Stalled: headers half sent, then nothing until the hold ends; then hang up.
    tasks.push(
      raw(port, ["POST /predict HTTP/1.1\r\nHost: x\r\nContent-Le"], { holdMs: options.slowMs }).then(
        () => {},
      ),
    );
    // Trickling: a whole valid request, one byte at a time.
    const whole = head(body.length) + body;
    const bytes = [...whole].map((c) => c);
    tasks.push(
      raw(port, bytes, { gapMs: Math.max(1, Math.floor(options.slowMs / bytes.length)), read: true }).then((
        s,
      ) => note("trickle", s)),
    );
    // Abandoned: promises 100 kB, sends 10 bytes, hangs up.
    tasks.push(raw(port, [head(100_000), body.slice(0, 10)], {}).then(() => {}));
    // Gone before the answer: a whole request, closed without reading.
    tasks.push(raw(port, [head(body.length) + body], {}).then(() => {}));
  }
  await Promise.all(tasks);
}

/** Fuzzes the server at `url` (serving the iris bundle). */
export async function fuzzHttp(url: string, options: HttpFuzzOptions): Promise<HttpFuzzReport> {
  const started = performance.now();
  const port = Number(new URL(url).port);
  const report: HttpFuzzReport = {
    statuses: {},
    noResponse: {},
    serverErrors: [],
    badErrorBodies: [],
    rss: { before: await rssOf(url), peak: 0, after: 0, afterIdle: 0, afterRound: [] },
    healthyAfter: false,
    seconds: 0,
  };
  report.rss.peak = report.rss.before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      report.rss.peak = Math.max(report.rss.peak, await rssOf(url).catch(() => 0));
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  const slow = rawClients(port, options, report);

  const requests = fc.sample(generated, { numRuns: options.requests, seed: options.seed });
  await pool(requests, options.concurrency, async (g) => {
    const what = `${g.method} ${g.path} (${g.headers["content-type"]})`;
    const hasBody = g.method !== "GET" && g.method !== "HEAD";
    try {
      const response = await fetch(url + g.path, {
        method: g.method,
        headers: g.headers,
        body: hasBody ? g.body as Uint8Array<ArrayBuffer> : undefined,
      });
      await record(report, what, response);
    } catch (error) {
      const kind = `fetch ${error instanceof Error ? error.name : "error"}`;
      report.noResponse[kind] = (report.noResponse[kind] ?? 0) + 1;
    }
  });

  // Huge bodies: one just under --max-body (parsed), one over it (413 unread), deep nesting, one huge string.
  const rows = Math.floor(options.hugeBytes / (JSON.stringify(ROW).length + 1));
  const huge = encoder.encode(JSON.stringify(Array(rows).fill(ROW)));
  const bodies: [string, string, Uint8Array][] = [
    ["huge records", "/predict", huge],
    ["over max-body", "/predict", new Uint8Array(options.maxBody + 1).fill(0x20)],
    ["deep list", "/predict", encoder.encode("[".repeat(1_000_000) + "]".repeat(1_000_000))],
    ["deep object", "/predict", encoder.encode('{"a":'.repeat(500_000) + "1" + "}".repeat(500_000))],
    [
      "deep v2 data",
      "/v2/models/model/infer",
      encoder.encode(
        `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":${"[".repeat(500_000)}1${
          "]".repeat(500_000)
        }}]}`,
      ),
    ],
    [
      "huge string",
      "/predict",
      encoder.encode(JSON.stringify([{ ...ROW, sepal_length: "x".repeat(options.hugeBytes / 2) }])),
    ],
    [
      "many columns",
      "/predict",
      encoder.encode(
        JSON.stringify([Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`c${i}`, i]))]),
      ),
    ],
  ];
  for (let round = 0; round < options.hugeRounds; round++) {
    for (const [what, path, body] of bodies) {
      try {
        const response = await fetch(url + path, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: body as Uint8Array<ArrayBuffer>,
        });
        await record(report, what, response);
      } catch (error) {
        const kind = `${what}: ${error instanceof Error ? error.name : "error"}`;
        report.noResponse[kind] = (report.noResponse[kind] ?? 0) + 1;
      }
    }
    report.rss.afterRound.push(await rssOf(url));
  }
  await slow;
  sampling = false;
  await sampler;

  const health = await fetch(`${url}/healthz`);
  await health.body?.cancel();
  const ready = await fetch(`${url}/readyz`);
  await ready.body?.cancel();
  const predict = await fetch(`${url}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([ROW]),
  });
  const answer = await predict.text();
  report.healthyAfter = health.status === 200 && ready.status === 200 && predict.status === 200 &&
    answer === '["setosa"]';
  report.rss.after = await rssOf(url);
  await new Promise((r) => setTimeout(r, options.idleMs));
  report.rss.afterIdle = await rssOf(url);
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/**
 * End-to-end, Open Inference Protocol v2 on a real server with a model worker: `/v2` advertises the binary
 * tensor data extension, health answers empty bodies, INT64 beyond 2^53 comes back exact as a JSON number
 * literal, and binary inputs and outputs (`Inference-Header-Content-Length`) round-trip through the worker.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, runObento } from "./helpers/cli.ts";
import { startServer } from "./helpers/server.ts";

const BIG = 2n ** 62n + 1n; // 4611686018427387905: a double would print 4611686018427388000

Deno.test("v2: extensions, empty health bodies, exact INT64 in JSON, binary tensor data through a worker", async () => {
  const home = await Deno.makeTempDir();
  try {
    const bundle = join(home, "adder");
    const packed = await runObento({ home, cwd: ROOT }, [
      "pack",
      "tests/fixtures/add_int64_bool_string.onnx",
      "--name",
      "Adder",
      "--version",
      "1.0.0",
      "--output",
      bundle,
    ]);
    assert.equal(packed.code, 0, packed.stderr);
    const server = await startServer(home, [bundle, "--workers", "1"]);
    try {
      const meta = await (await fetch(`${server.url}/v2`)).json();
      assert.deepEqual(meta.extensions, ["binary_tensor_data"]);
      for (const path of ["/v2/health/live", "/v2/health/ready", "/v2/models/model/ready"]) {
        const r = await fetch(`${server.url}${path}`);
        assert.deepEqual([r.status, await r.text()], [200, ""], path);
      }

      const infer = `${server.url}/v2/models/model/infer`;
      const inputs = (a: unknown) => [
        { name: "a", shape: [1, 2], datatype: "INT64", ...a as object },
        { name: "b", shape: [1, 2], datatype: "INT64", data: [1, -1] },
        { name: "flag", shape: [1], datatype: "BOOL", data: [true] },
        { name: "s", shape: [1], datatype: "BYTES", data: ["é"] },
      ];
      const json = await fetch(infer, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          inputs: inputs({ data: [String(BIG), "-9007199254740993"] }),
          outputs: [{ name: "sum" }],
        }),
      });
      assert.equal(json.headers.get("content-type"), "application/json");
      assert.equal(
        await json.text(),
        '{"model_name":"model","model_version":"1.0.0","outputs":[{"name":"sum","datatype":"INT64","shape":[1,2],' +
          `"data":[${BIG + 1n},-9007199254740994]}]}`,
      );

      // Binary in and out: the JSON header, then a's 16 bytes; every output comes back as raw bytes.
      const header = new TextEncoder().encode(JSON.stringify({
        inputs: inputs({ parameters: { binary_data_size: 16 } }),
        parameters: { binary_data_output: true },
      }));
      const a = new Uint8Array(new BigInt64Array([BIG, -BIG]).buffer);
      const body = new Uint8Array(header.length + a.length);
      body.set(header);
      body.set(a, header.length);
      const binary = await fetch(infer, {
        method: "POST",
        headers: {
          "content-type": "application/octet-stream",
          "inference-header-content-length": String(header.length),
        },
        body,
      });
      assert.equal(binary.status, 200);
      assert.equal(binary.headers.get("content-type"), "application/octet-stream");
      const bytes = new Uint8Array(await binary.arrayBuffer());
      const length = Number(binary.headers.get("inference-header-content-length"));
      const answer = JSON.parse(new TextDecoder().decode(bytes.subarray(0, length)));
      assert.deepEqual(answer.outputs, [
        { name: "sum", datatype: "INT64", shape: [1, 2], parameters: { binary_data_size: 16 } },
        { name: "not_flag", datatype: "BOOL", shape: [1], parameters: { binary_data_size: 1 } },
        { name: "s_out", datatype: "BYTES", shape: [1], parameters: { binary_data_size: 6 } },
      ]);
      assert.equal(bytes.length, length + 16 + 1 + 6);
      const raw = bytes.slice(length);
      assert.deepEqual(new BigInt64Array(raw.buffer, 0, 2), new BigInt64Array([BIG + 1n, -BIG - 1n]));
      assert.deepEqual(raw.subarray(16), new Uint8Array([0, 2, 0, 0, 0, 0xc3, 0xa9]));
    } finally {
      assert.equal(await server.stop(), 0);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

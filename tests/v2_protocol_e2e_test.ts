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

      // Binary requests sent at once (merged into batches in the worker as they queue): each answer has its own rows,
      // whether its bytes were read in place (header padded to an 8-byte boundary) or copied (unaligned).
      const binaryPost = (header: unknown, pad: number, chunk: Uint8Array, length?: string) => {
        const head = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(pad));
        const bytes = new Uint8Array(head.length + chunk.length);
        bytes.set(head);
        bytes.set(chunk, head.length);
        return fetch(infer, {
          method: "POST",
          headers: {
            "content-type": "application/octet-stream",
            "inference-header-content-length": length ?? String(head.length),
          },
          body: bytes,
        });
      };
      const sums = await Promise.all(Array.from({ length: 8 }, async (_, k) => {
        const header = {
          inputs: inputs({ parameters: { binary_data_size: 16 } }),
          outputs: [{ name: "sum" }],
        };
        const pad = (8 - new TextEncoder().encode(JSON.stringify(header)).length % 8) % 8 + k;
        const r = await binaryPost(header, pad, new Uint8Array(new BigInt64Array([BigInt(k), -BIG]).buffer));
        assert.equal(r.status, 200);
        return (await r.json()).outputs[0].data;
      }));
      assert.deepEqual(sums, Array.from({ length: 8 }, (_, k) => [k + 1, Number(-BIG - 1n)]));

      // Bad binary requests through the server: a 400 that names the problem.
      const refused = async (r: Response, message: string) => {
        assert.equal(r.status, 400);
        assert.equal((await r.json()).error, message);
      };
      const a16 = new Uint8Array(16);
      await refused(
        await binaryPost(
          { inputs: inputs({ parameters: { binary_data_size: 12 } }) },
          0,
          a16.subarray(0, 12),
        ),
        'input "a": binary_data_size 12 does not fit the shape: 2 elements of 8 bytes make 16 bytes',
      );
      await refused(
        await binaryPost({ inputs: inputs({ parameters: { binary_data_size: 16 } }) }, 0, a16, "99999"),
        `Inference-Header-Content-Length "99999" must be a whole number of bytes within the ${
          new TextEncoder().encode(
            JSON.stringify({ inputs: inputs({ parameters: { binary_data_size: 16 } }) }),
          )
            .length + 16
        }-byte body`,
      );
    } finally {
      assert.equal(await server.stop(), 0);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

import assert from "node:assert/strict";
import type { DType, TensorData } from "../sdk/tensor.ts";
import { splitBinaryBody, tensorBytes, tensorFromBytes } from "./binary.ts";

Deno.test("tensorBytes and tensorFromBytes round-trip every dtype, little-endian", () => {
  const cases: [DType, TensorData, number[]][] = [
    ["int32", new Int32Array([1, -2]), [1, 0, 0, 0, 254, 255, 255, 255]],
    ["uint16", new Uint16Array([258]), [2, 1]],
    ["int16", new Int16Array([-1]), [255, 255]],
    ["float16", new Uint16Array([0x3c00]), [0x00, 0x3c]],
    ["float32", new Float32Array([1]), [0, 0, 0x80, 0x3f]],
    ["float64", new Float64Array([-2]), [0, 0, 0, 0, 0, 0, 0, 0xc0]],
    ["int64", new BigInt64Array([-(2n ** 63n)]), [0, 0, 0, 0, 0, 0, 0, 0x80]],
    ["uint64", new BigUint64Array([2n ** 64n - 1n]), [255, 255, 255, 255, 255, 255, 255, 255]],
    ["uint32", new Uint32Array([2 ** 32 - 1]), [255, 255, 255, 255]],
    ["int8", new Int8Array([-128]), [128]],
    ["uint8", new Uint8Array([200]), [200]],
    ["bool", new Uint8Array([1, 0]), [1, 0]],
    ["string", ["é", ""], [2, 0, 0, 0, 0xc3, 0xa9, 0, 0, 0, 0]],
  ];
  for (const [type, data, bytes] of cases) {
    assert.deepEqual(tensorBytes(data, type), new Uint8Array(bytes), type);
    assert.deepEqual(tensorFromBytes(new Uint8Array(bytes), type, data.length, "x"), data, type);
  }
  // A view into a larger buffer writes only its own elements; any non-zero byte is a true BOOL.
  assert.deepEqual(tensorBytes(new Int16Array([1, 2, 3]).subarray(1, 2), "int16"), new Uint8Array([2, 0]));
  assert.deepEqual(tensorFromBytes(new Uint8Array([0, 9]), "bool", 2, "x"), new Uint8Array([0, 1]));
  // Unaligned input bytes are copied, not viewed.
  const body = new Uint8Array([9, 1, 0, 0, 0]);
  const copied = tensorFromBytes(body.subarray(1), "int32", 1, "x") as Int32Array;
  assert.deepEqual(copied, new Int32Array([1]));
  assert.notEqual(copied.buffer, body.buffer);
});

Deno.test("tensorFromBytes reads aligned bytes in place: the tensor is a view on the body", () => {
  const body = new Uint8Array(12);
  new Float32Array(body.buffer, 4, 2).set([1.5, -2]);
  const floats = tensorFromBytes(body.subarray(4), "float32", 2, "x") as Float32Array;
  assert.deepEqual(floats, new Float32Array([1.5, -2]));
  assert.equal(floats.buffer, body.buffer);
  assert.equal(floats.byteOffset, 4);
  // 8-byte elements at an offset that is a multiple of 4 but not of 8 are copied.
  const wide = new Uint8Array(12);
  wide.set(new Uint8Array(new Float64Array([3]).buffer), 4);
  const float64 = tensorFromBytes(wide.subarray(4), "float64", 1, "x") as Float64Array;
  assert.deepEqual(float64, new Float64Array([3]));
  assert.notEqual(float64.buffer, wide.buffer);
  // BOOL is normalised to 0/1, so never a view.
  const flags = new Uint8Array([0, 7]);
  const bools = tensorFromBytes(flags, "bool", 2, "x") as Uint8Array;
  assert.deepEqual(bools, new Uint8Array([0, 1]));
  assert.notEqual(bools.buffer, flags.buffer);
});

Deno.test("tensorFromBytes refuses sizes that do not fit, cut BYTES and non-finite floats", () => {
  const bad = (bytes: number[], type: DType, count: number, message: string) =>
    assert.throws(() => tensorFromBytes(new Uint8Array(bytes), type, count, 'input "x"'), {
      name: "BadInputError",
      message,
      status: 400,
    });
  bad(
    [1, 2, 3],
    "int32",
    1,
    'input "x": binary_data_size 3 does not fit the shape: 1 element of 4 bytes makes 4 bytes',
  );
  bad([1, 0, 0], "string", 1, 'input "x": BYTES element 0 has a cut-off 4-byte length');
  bad(
    [5, 0, 0, 0, 97],
    "string",
    1,
    'input "x": BYTES element 0 declares 5 bytes, only 1 remain in its binary_data_size',
  );
  bad([1, 0, 0, 0, 0xff], "string", 1, 'input "x": BYTES element 0 is not UTF-8 text');
  bad([0, 0, 0, 0], "string", 2, 'input "x": the shape needs 2 BYTES elements, binary data has 1');
  bad([0, 0, 0xc0, 0x7f], "float32", 1, 'input "x" data[0]: NaN is not a finite number');
  bad([0, 0, 0, 0, 0, 0, 0xf0, 0xff], "float64", 1, 'input "x" data[0]: -Infinity is not a finite number');
  bad([0, 0, 0x00, 0x7c], "float16", 2, 'input "x" data[1]: Infinity is not a finite number');
  bad([0x01, 0x7c], "float16", 1, 'input "x" data[0]: NaN is not a finite number');
});

Deno.test("splitBinaryBody cuts at the header length carried in the content type", () => {
  const body = new TextEncoder().encode('{"a":1}xyz');
  const split = splitBinaryBody(body, "application/octet-stream; Inference-Header-Content-Length=7");
  assert.equal(new TextDecoder().decode(split.header), '{"a":1}');
  assert.deepEqual(split.binary, new TextEncoder().encode("xyz"));
  assert.equal(split.headerLength, 7);
  const plain = splitBinaryBody(body, "application/json");
  assert.equal(plain.header, body);
  assert.equal(plain.binary.length, 0);
  assert.equal(plain.headerLength, undefined);
  for (const value of ["11", "-1", "7.5", "", "0x7"]) {
    assert.throws(
      () => splitBinaryBody(body, `application/octet-stream; inference-header-content-length=${value}`),
      {
        name: "BadInputError",
        message: `Inference-Header-Content-Length ${
          JSON.stringify(value)
        } must be a whole number of bytes within the 10-byte body`,
      },
    );
  }
});

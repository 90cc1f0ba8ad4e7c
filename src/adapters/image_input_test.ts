import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import jpeg from "jpeg-js";
import { ImageInput } from "./image_input.ts";
import { loadImageCodecs } from "./image_codecs.ts";
import { stackTensors } from "./nested.ts";

await loadImageCodecs(); // as a loaded service has them (image_codecs.ts)

const root = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readFileSync(new URL(path, root));
const grayPng = (data: number[], width: number) =>
  encodePng({ width, height: data.length / width, channels: 1, depth: 8, data: new Uint8Array(data) });
const rgbPng = (data: number[], width: number) =>
  encodePng({ width, height: data.length / width / 3, channels: 3, depth: 8, data: new Uint8Array(data) });

Deno.test("gives [H,W,3] uint8 by default, repeating gray into RGB", async () => {
  const t = await new ImageInput().fromBytes(grayPng([10, 20], 2), "image/png");
  assert.deepEqual(t, { type: "uint8", dims: [1, 2, 3], data: new Uint8Array([10, 10, 10, 20, 20, 20]) });
});

Deno.test("gives [C,H,W] float32 normalised as (x/scale - mean)/std for chw", async () => {
  const input = new ImageInput({ layout: "chw", channels: 1, mean: [0.5], std: [0.5], scale: 255 });
  const t = await input.fromBytes(grayPng([0, 255, 51, 204], 2), "image/png");
  assert.equal(t.type, "float32");
  assert.deepEqual(t.dims, [1, 2, 2]);
  assert.deepEqual(t.data, new Float32Array([-1, 1, (51 / 255 - 0.5) / 0.5, (204 / 255 - 0.5) / 0.5]));
});

Deno.test("normalises per channel and transposes RGB to CHW", async () => {
  const input = new ImageInput({ layout: "chw", mean: [0, 0.5, 1], std: [1, 0.5, 2], scale: 100 });
  const t = await input.fromBytes(rgbPng([10, 20, 30, 40, 50, 60], 2), "application/octet-stream");
  assert.deepEqual(t.dims, [3, 1, 2]);
  assert.deepEqual(
    t.data,
    new Float32Array([0.1, 0.4, (0.2 - 0.5) / 0.5, (0.5 - 0.5) / 0.5, (0.3 - 1) / 2, (0.6 - 1) / 2]),
  );
  const u8 = await new ImageInput({ layout: "chw", dtype: "uint8" }).fromBytes(
    rgbPng([10, 20, 30, 40, 50, 60], 2),
    "",
  );
  assert.deepEqual(u8, { type: "uint8", dims: [3, 1, 2], data: new Uint8Array([10, 40, 20, 50, 30, 60]) });
  const hwc = await new ImageInput({ dtype: "float32", scale: 10 }).fromBytes(
    rgbPng([10, 20, 30], 1),
    "image/png",
  );
  assert.deepEqual(hwc, { type: "float32", dims: [1, 1, 3], data: new Float32Array([1, 2, 3]) });
});

Deno.test("converts RGB to gray by luma and resizes to width x height", async () => {
  const gray = await new ImageInput({ channels: 1 }).fromBytes(
    rgbPng([255, 0, 0, 0, 255, 0], 2),
    "image/png",
  );
  assert.deepEqual(gray, { type: "uint8", dims: [1, 2, 1], data: new Uint8Array([76, 150]) });
  const input = new ImageInput({ channels: 1, width: 4, height: 1 });
  const t = await input.fromBytes(grayPng([0, 100], 2), "image/png");
  assert.deepEqual(t, { type: "uint8", dims: [1, 4, 1], data: new Uint8Array([0, 25, 75, 100]) });
});

Deno.test("decodes the digits_cnn images with the bundle's preprocessing and stacks them", async () => {
  const pre = JSON.parse(Deno.readTextFileSync(new URL("bundles/digits_cnn/preprocess.json", root)));
  const input = new ImageInput({ layout: "chw", ...pre });
  const png = await input.fromBytes(read("bundles/digits_cnn/images/digit_3_0.png"), "image/png");
  const jpg = await input.fromBytes(read("bundles/digits_cnn/images/digit_2_3.jpg"), "image/jpeg");
  assert.deepEqual(png.dims, [1, 28, 28]);
  assert.equal(png.data[0], -1);
  assert.equal(png.data[5], Math.fround((7 / 255 - 0.5) / 0.5));
  const batch = stackTensors(input.merge([png, jpg]));
  assert.deepEqual(batch.dims, [2, 1, 28, 28]);
  assert.equal(input.rows(png), 1);
});

Deno.test("decodes rgb_28.png to gray equal to its channels", async () => {
  const rgb = await new ImageInput().fromBytes(read("tests/fixtures/rgb_28.png"), "image/png");
  const gray = await new ImageInput({ channels: 1 }).fromBytes(
    read("tests/fixtures/rgb_28.png"),
    "image/png",
  );
  assert.deepEqual(rgb.dims, [28, 28, 3]);
  assert.deepEqual(gray.dims, [28, 28, 1]);
  for (let i = 0; i < 784; i++) assert.equal(gray.data[i], rgb.data[i * 3]);
});

Deno.test("decodes a JPEG body approximately", async () => {
  const rgba = new Uint8Array(8 * 8 * 4).fill(120);
  const bytes = new Uint8Array(jpeg.encode({ width: 8, height: 8, data: rgba }, 95).data);
  const t = await new ImageInput().fromBytes(bytes, "image/jpeg");
  assert.deepEqual(t.dims, [8, 8, 3]);
  assert.ok((t.data as Uint8Array).every((v) => Math.abs(v - 120) <= 2));
});

Deno.test("takes {b64}, a data: URL and the first file of a multipart body", async () => {
  const png = grayPng([1, 2], 2);
  const b64 = png.toBase64();
  const want = { type: "uint8", dims: [1, 2, 1], data: new Uint8Array([1, 2]) };
  const input = new ImageInput({ channels: 1 });
  assert.deepEqual(input.fromJson({ b64 }), want);
  assert.deepEqual(input.fromJson(`data:image/png;base64,${b64}`), want);
  const form = new FormData();
  form.append("note", "x");
  form.append("image", new File([png as Uint8Array<ArrayBuffer>], "a.png", { type: "image/png" }));
  const req = new Request("http://localhost/", { method: "POST", body: form });
  assert.deepEqual(
    await input.fromBytes(new Uint8Array(await req.arrayBuffer()), req.headers.get("content-type")!),
    want,
  );
});

Deno.test("refuses other content types with 415 and non-images with a clear message", async () => {
  await assert.rejects(() => new ImageInput().fromBytes(new Uint8Array([71, 73, 70]), "image/gif"), {
    name: "BadInputError",
    status: 415,
    message: "ImageInput does not accept content type image/gif; send one of: image/png, image/jpeg, " +
      "application/octet-stream, multipart/form-data",
  });
  await assert.rejects(
    () => new ImageInput().fromBytes(read("tests/fixtures/not_an_image.png"), "image/png"),
    {
      name: "BadInputError",
      status: 400,
      message: "not a PNG or JPEG image (first bytes ac 0a 7f 8c 2f aa c4 97)",
    },
  );
});

Deno.test("refuses images over maxPixels with 413", async () => {
  await assert.rejects(
    () => new ImageInput({ maxPixels: 3 }).fromBytes(grayPng([1, 2, 3, 4], 2), "image/png"),
    {
      name: "BadInputError",
      status: 413,
      message: "image is 2x2 = 4 pixels, more than the limit of 3; send a smaller image",
    },
  );
});

Deno.test("records its settings and refuses inconsistent options", () => {
  assert.deepEqual(new ImageInput().config(), {
    layout: "hwc",
    dtype: "uint8",
    channels: 3,
    maxPixels: 40_000_000,
  });
  assert.deepEqual(
    new ImageInput({ layout: "chw", channels: 1, width: 28, height: 28, mean: [0.5] }).config(),
    {
      layout: "chw",
      dtype: "float32",
      channels: 1,
      maxPixels: 40_000_000,
      width: 28,
      height: 28,
      scale: 255,
      mean: [0.5],
      std: [1],
    },
  );
  assert.throws(() => new ImageInput({ scale: 255 }), {
    name: "ObentoError",
    code: "BAD_SERVICE",
    message: 'ImageInput: scale, mean and std need dtype "float32"',
  });
  assert.throws(() => new ImageInput({ layout: "chw", mean: [0.1, 0.2] }), {
    message: "ImageInput: mean has 2 values, expected 3 (one per channel) or 1",
  });
  assert.throws(() => new ImageInput({ width: 28 }), {
    message: "ImageInput: give both width and height to resize, or neither",
  });
  assert.throws(() => new ImageInput({ layout: "nhwc" as "hwc" }), {
    message: 'ImageInput: layout must be "hwc" or "chw", got "nhwc"',
  });
});

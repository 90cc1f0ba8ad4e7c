import assert from "node:assert/strict";
import { encode as encodePng } from "fast-png";
import jpeg from "jpeg-js";
import { convertChannels, decodeImage, imageFormatOf, resizeBilinear } from "./image_decode.ts";
import { loadImageCodecs } from "./image_codecs.ts";

await loadImageCodecs(); // as a loaded service has them (image_codecs.ts)

const root = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readFileSync(new URL(path, root));

Deno.test("decodes 8-bit gray, RGB and RGBA PNGs exactly", () => {
  const gray = encodePng({ width: 3, height: 1, channels: 1, depth: 8, data: new Uint8Array([0, 128, 255]) });
  assert.deepEqual(decodeImage(gray), {
    width: 3,
    height: 1,
    channels: 1,
    data: new Uint8Array([0, 128, 255]),
  });
  const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
  assert.deepEqual(decodeImage(encodePng({ width: 2, height: 2, channels: 3, depth: 8, data: rgb })), {
    width: 2,
    height: 2,
    channels: 3,
    data: rgb,
  });
  const rgba = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(
    decodeImage(encodePng({ width: 1, height: 2, channels: 4, depth: 8, data: rgba })).data,
    rgba,
  );
});

Deno.test("scales 16-bit and 1-bit PNG samples to 8 bits", () => {
  const deep = encodePng({
    width: 4,
    height: 1,
    channels: 1,
    depth: 16,
    data: new Uint16Array([0, 257 * 100, 65535, 32896]),
  });
  assert.deepEqual(decodeImage(deep).data, new Uint8Array([0, 100, 255, 128]));
  const bits = encodePng({
    width: 3,
    height: 2,
    channels: 1,
    depth: 1,
    data: new Uint8Array([0b10100000, 0b01000000]),
  });
  assert.deepEqual(decodeImage(bits), {
    width: 3,
    height: 2,
    channels: 1,
    data: new Uint8Array([255, 0, 255, 0, 255, 0]),
  });
});

Deno.test("expands palette PNGs to RGB", () => {
  const png = encodePng({
    width: 2,
    height: 2,
    channels: 1,
    depth: 8,
    palette: [[255, 0, 0], [0, 0, 255]],
    data: new Uint8Array([0, 1, 1, 0]),
  });
  assert.deepEqual(decodeImage(png), {
    width: 2,
    height: 2,
    channels: 3,
    data: new Uint8Array([255, 0, 0, 0, 0, 255, 0, 0, 255, 255, 0, 0]),
  });
});

Deno.test("decodes an RGB JPEG approximately", () => {
  const rgba = new Uint8Array(16 * 16 * 4);
  for (let i = 0; i < 256; i++) rgba.set([200, 100, 50, 255], i * 4);
  const bytes = new Uint8Array(jpeg.encode({ width: 16, height: 16, data: rgba }, 95).data);
  assert.equal(imageFormatOf(bytes), "jpeg");
  const img = decodeImage(bytes);
  assert.deepEqual([img.width, img.height, img.channels, img.data.length], [16, 16, 3, 768]);
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = img.data.subarray(i * 3, i * 3 + 3);
    assert.ok(
      Math.abs(r - 200) <= 3 && Math.abs(g - 100) <= 3 && Math.abs(b - 50) <= 3,
      `pixel ${i}: ${r},${g},${b}`,
    );
  }
});

Deno.test("decodes the digit PNGs and grayscale JPEGs of the digits_cnn bundle", () => {
  for (const f of ["digit_0_2.png", "digit_3_0.png", "digit_7_1.png", "digit_2_3.jpg", "digit_5_4.jpg"]) {
    const img = decodeImage(read(`bundles/digits_cnn/images/${f}`));
    assert.deepEqual([img.width, img.height, img.channels, img.data.length], [28, 28, 1, 784], f);
  }
  const png = decodeImage(read("bundles/digits_cnn/images/digit_3_0.png"));
  assert.deepEqual(png.data.subarray(300, 306), new Uint8Array([131, 76, 22, 7, 4, 2]));
  assert.deepEqual(png.data.subarray(0, 10), new Uint8Array([0, 0, 0, 0, 0, 7, 34, 62, 89, 123]));
});

Deno.test("decodes rgb_28.png whose channels are equal, and its luma equals each channel", () => {
  const img = decodeImage(read("tests/fixtures/rgb_28.png"));
  assert.deepEqual([img.width, img.height, img.channels], [28, 28, 3]);
  const gray = convertChannels(img, 1);
  for (let i = 0; i < 784; i++) {
    assert.equal(img.data[i * 3], img.data[i * 3 + 1]);
    assert.equal(img.data[i * 3], img.data[i * 3 + 2]);
    assert.equal(gray.data[i], img.data[i * 3], `pixel ${i}`);
  }
});

Deno.test("refuses bytes that are not PNG or JPEG, naming the first bytes", () => {
  assert.throws(() => decodeImage(read("tests/fixtures/not_an_image.png")), {
    name: "BadInputError",
    message: "not a PNG or JPEG image (first bytes ac 0a 7f 8c 2f aa c4 97)",
  });
  assert.throws(() => decodeImage(new Uint8Array(0)), {
    message: "not a PNG or JPEG image (first bytes none: the body is empty)",
  });
});

Deno.test("refuses a corrupt PNG with the decoder's reason", () => {
  const png = encodePng({ width: 8, height: 8, channels: 1, depth: 8, data: new Uint8Array(64) });
  const broken = png.slice(0, 40);
  assert.throws(() => decodeImage(broken), (e: Error) => {
    assert.equal(e.name, "BadInputError");
    assert.match(
      e.message,
      /^not a PNG or JPEG image \(first bytes 89 50 4e 47 0d 0a 1a 0a\): the PNG data is corrupt \(.+\)$/,
    );
    return true;
  });
});

Deno.test("refuses images over maxPixels with 413 before decoding", () => {
  const png = encodePng({ width: 10, height: 10, channels: 1, depth: 8, data: new Uint8Array(100) });
  assert.throws(() => decodeImage(png, { maxPixels: 99 }), {
    name: "BadInputError",
    status: 413,
    message: "image is 10x10 = 100 pixels, more than the limit of 99; send a smaller image",
  });
  const rgba = new Uint8Array(20 * 10 * 4);
  const jpg = new Uint8Array(jpeg.encode({ width: 20, height: 10, data: rgba }, 50).data);
  assert.throws(() => decodeImage(jpg, { maxPixels: 199 }), {
    status: 413,
    message: "image is 20x10 = 200 pixels, more than the limit of 199; send a smaller image",
  });
});

Deno.test("converts channels: luma, repetition, dropped alpha", () => {
  const rgba = { width: 2, height: 1, channels: 4, data: new Uint8Array([255, 0, 0, 9, 10, 200, 30, 9]) };
  assert.deepEqual(convertChannels(rgba, 1).data, new Uint8Array([76, 124]));
  assert.deepEqual(convertChannels(rgba, 3).data, new Uint8Array([255, 0, 0, 10, 200, 30]));
  const grayAlpha = { width: 2, height: 1, channels: 2, data: new Uint8Array([7, 0, 9, 255]) };
  assert.deepEqual(convertChannels(grayAlpha, 3).data, new Uint8Array([7, 7, 7, 9, 9, 9]));
  assert.deepEqual(convertChannels(grayAlpha, 1).data, new Uint8Array([7, 9]));
});

Deno.test("resizes bilinearly on half-pixel centres", () => {
  const img = { width: 2, height: 1, channels: 1, data: new Uint8Array([0, 100]) };
  assert.deepEqual(resizeBilinear(img, 4, 1).data, new Uint8Array([0, 25, 75, 100]));
  const square = { width: 2, height: 2, channels: 1, data: new Uint8Array([0, 100, 100, 200]) };
  assert.deepEqual(resizeBilinear(square, 1, 1).data, new Uint8Array([100]));
  const rgb = {
    width: 4,
    height: 1,
    channels: 3,
    data: new Uint8Array([0, 0, 0, 10, 20, 30, 20, 40, 60, 30, 60, 90]),
  };
  assert.deepEqual(resizeBilinear(rgb, 2, 1).data, new Uint8Array([5, 10, 15, 25, 50, 75]));
  assert.equal(resizeBilinear(img, 2, 1), img);
});

Deno.test("a JPEG whose header claims more pixels than its bytes can hold is refused before decoding", () => {
  // Found by tests/fuzz/image_fuzz.ts: a 700-byte JPEG whose frame header said 42412x847 (under maxPixels)
  // kept the decoder busy for seconds before it failed as corrupt.
  const small = read("bundles/digits_cnn/images/digit_2_3.jpg");
  const sof = small.findIndex((b, i) => b === 0xff && small[i + 1] === 0xc0);
  const claim = (height: number, width: number) => {
    const bytes = small.slice();
    new DataView(bytes.buffer).setUint16(sof + 5, height);
    new DataView(bytes.buffer).setUint16(sof + 7, width);
    return bytes;
  };
  const started = performance.now();
  assert.throws(() => decodeImage(claim(42412, 847)), {
    name: "BadInputError",
    message: `not a PNG or JPEG image (first bytes ff d8 ff e0 00 10 4a 46): the JPEG data is corrupt: ` +
      `${small.length} bytes cannot hold a 847x42412 image`,
  });
  assert.ok(performance.now() - started < 100, "the refusal decoded the image first");
  // A large flat image that a real encoder made is far above the bound (one bit per 8x8 block).
  const big = new Uint8Array(
    jpeg.encode({ width: 2048, height: 2048, data: new Uint8Array(2048 * 2048 * 4) }, 50).data,
  );
  assert.ok(2048 * 2048 <= big.length * 512, `a flat 2048x2048 JPEG is ${big.length} bytes`);
  assert.equal(decodeImage(big).width, 2048);
});

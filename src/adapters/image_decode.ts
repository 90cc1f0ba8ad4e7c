/**
 * PNG and JPEG bytes → 8-bit pixels (fast-png and jpeg-js, pure JavaScript, imported only by services that
 * decode images: src/adapters/image_codecs.ts), and the pixel steps image models need before normalisation:
 * converting to 1 or 3 channels and bilinear resizing.
 *
 * @module
 */
import type { DecodedPng } from "fast-png";
import { BadInputError } from "../errors.ts";
import { imageCodecs } from "./image_codecs.ts";

/** Decoded pixels: `height` rows of `width` pixels of `channels` bytes each (row-major, interleaved). */
export interface DecodedImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA). */
  readonly channels: number;
  /** `width * height * channels` bytes. */
  readonly data: Uint8Array;
}

/** Options for {@link decodeImage}. */
export interface DecodeImageOptions {
  /** Refuse images with more pixels than this (HTTP 413), read from the header before decoding. Default 40,000,000. */
  maxPixels?: number;
}

/** Image formats {@link decodeImage} reads. */
export type ImageFormat = "png" | "jpeg";

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The format named by an image's magic bytes, or undefined.
 *
 * @example
 * ```ts
 * import { imageFormatOf } from "./image_decode.ts";
 * console.log(imageFormatOf(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))); // "jpeg"
 * ```
 */
export function imageFormatOf(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return "png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  return undefined;
}

function firstBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return "none: the body is empty";
  return [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

function notAnImage(bytes: Uint8Array, detail?: string, cause?: unknown): BadInputError {
  return new BadInputError(
    `not a PNG or JPEG image (first bytes ${firstBytes(bytes)})${detail ? `: ${detail}` : ""}`,
    cause === undefined ? {} : { cause },
  );
}

/** Width, height and (for JPEG) component count from the header, without decoding. */
function headerOf(
  bytes: Uint8Array,
  format: ImageFormat,
): { width: number; height: number; components?: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (format === "png") {
    if (bytes.length < 24) throw notAnImage(bytes, "the PNG header is truncated");
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  let i = 2;
  while (i + 3 < bytes.length) {
    if (bytes[i] !== 0xff) {
      i++;
      continue;
    }
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      i += 2;
      continue;
    }
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof && i + 9 < bytes.length) {
      return { height: view.getUint16(i + 5), width: view.getUint16(i + 7), components: bytes[i + 9] };
    }
    i += 2 + view.getUint16(i + 2);
  }
  throw notAnImage(bytes, "the JPEG data has no frame header (SOF)");
}

/** 16-bit and sub-byte gray samples to 8 bits. */
function to8Bit(png: DecodedPng): Uint8Array {
  const { width, height, channels, depth, data } = png;
  if (depth === 8) return data instanceof Uint8Array ? data : new Uint8Array(data);
  const out = new Uint8Array(width * height * channels);
  if (depth === 16) {
    for (let i = 0; i < out.length; i++) out[i] = Math.round(data[i] / 257);
    return out;
  }
  const perRow = Math.ceil((width * channels * depth) / 8);
  const max = (1 << depth) - 1;
  const samples = width * channels;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < samples; x++) {
      const bit = x * depth;
      const byte = data[y * perRow + (bit >> 3)];
      const v = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * samples + x] = Math.round((v * 255) / max);
    }
  }
  return out;
}

function decodePngPixels(bytes: Uint8Array): DecodedImage {
  const { decodePng, convertIndexedToRgb } = imageCodecs();
  const png = decodePng(bytes);
  if (png.palette) {
    const data = convertIndexedToRgb(png);
    return { width: png.width, height: png.height, channels: png.palette[0]?.length ?? 3, data };
  }
  return { width: png.width, height: png.height, channels: png.channels, data: to8Bit(png) };
}

function decodeJpegPixels(
  bytes: Uint8Array,
  components: number | undefined,
  maxPixels: number,
): DecodedImage {
  const rgb = imageCodecs().decodeJpeg(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    maxResolutionInMP: Math.ceil(maxPixels / 1e6) + 1,
    maxMemoryUsageInMB: Math.ceil((maxPixels * 16) / 1e6) + 64,
  });
  const { width, height } = rgb;
  if (components !== 1) return { width, height, channels: 3, data: rgb.data };
  const gray = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < gray.length; i++, j += 3) gray[i] = rgb.data[j];
  return { width, height, channels: 1, data: gray };
}

/**
 * Decodes a PNG (gray, gray+alpha, RGB, RGBA, palette; 1- to 16-bit, samples scaled to 8 bits) or a baseline
 * or progressive JPEG (gray or RGB), detecting the format by its magic bytes.
 *
 * @param bytes the file.
 * @param options the pixel limit.
 * @returns 8-bit pixels with the file's own channels.
 * @throws {ObentoError} INTERNAL when the decoders are not loaded (outside a loaded service, before
 *   `loadImageCodecs()`: src/adapters/image_codecs.ts)
 * @throws {BadInputError} "not a PNG or JPEG image (first bytes …)" for other or corrupt data; with status
 *   413 when the image has more than `maxPixels` pixels.
 *
 * @example
 * ```ts
 * import { encode } from "fast-png";
 * import { loadImageCodecs } from "./image_codecs.ts";
 * import { decodeImage } from "./image_decode.ts";
 * await loadImageCodecs(); // a loaded service has them: see image_codecs.ts
 * const png = encode({ width: 2, height: 1, channels: 1, depth: 8, data: new Uint8Array([0, 255]) });
 * console.log(decodeImage(png)); // { width: 2, height: 1, channels: 1, data: Uint8Array(2) [0, 255] }
 * ```
 */
export function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): DecodedImage {
  const { maxPixels = 40_000_000 } = options;
  const format = imageFormatOf(bytes);
  if (format === undefined) throw notAnImage(bytes);
  const header = headerOf(bytes, format);
  const pixels = header.width * header.height;
  if (pixels > maxPixels) {
    throw new BadInputError(
      `image is ${header.width}x${header.height} = ${pixels} pixels, more than the limit of ${maxPixels}; ` +
        `send a smaller image`,
      { status: 413 },
    );
  }
  if (pixels === 0) throw notAnImage(bytes, `the ${format.toUpperCase()} image has no pixels`);
  // Every 8x8 block of a JPEG costs at least one bit (its DC code), so a JPEG of n bytes has at most 512·n
  // pixels. A header that claims more is corrupt; decoding it anyway would take seconds for a 1 kB body.
  if (format === "jpeg" && pixels > bytes.length * 512) {
    throw notAnImage(
      bytes,
      `the JPEG data is corrupt: ${bytes.length} bytes cannot hold a ${header.width}x${header.height} image`,
    );
  }
  try {
    return format === "png" ? decodePngPixels(bytes) : decodeJpegPixels(bytes, header.components, maxPixels);
  } catch (error) {
    const detail = `the ${format.toUpperCase()} data is corrupt (${(error as Error).message})`;
    throw notAnImage(bytes, detail, error);
  }
}

/**
 * Converts pixels to 1 (gray) or 3 (RGB) channels: RGB → gray by ITU-R 601 luma (0.299 R + 0.587 G +
 * 0.114 B, rounded; the fixed-point formula PIL's `convert("L")` uses), gray → RGB by repetition; alpha is
 * dropped (not composited).
 *
 * @example
 * ```ts
 * import { convertChannels } from "./image_decode.ts";
 * const rgb = { width: 1, height: 1, channels: 3, data: new Uint8Array([255, 0, 0]) };
 * console.log(convertChannels(rgb, 1).data); // Uint8Array(1) [76]
 * ```
 */
export function convertChannels(image: DecodedImage, channels: 1 | 3): DecodedImage {
  const { width, height, channels: from, data } = image;
  if (from === channels) return image;
  const n = width * height;
  const out = new Uint8Array(n * channels);
  if (from <= 2) {
    for (let i = 0; i < n; i++) {
      const g = data[i * from];
      if (channels === 1) out[i] = g;
      else out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = g;
    }
  } else if (channels === 1) {
    for (let i = 0, j = 0; i < n; i++, j += from) {
      out[i] = (data[j] * 19595 + data[j + 1] * 38470 + data[j + 2] * 7471 + 0x8000) >> 16;
    }
  } else {
    for (let i = 0, j = 0; i < n; i++, j += from) {
      out[i * 3] = data[j];
      out[i * 3 + 1] = data[j + 1];
      out[i * 3 + 2] = data[j + 2];
    }
  }
  return { width, height, channels, data: out };
}

/** Source indices and weights of each output position along one axis (half-pixel centres). */
function axisTaps(from: number, to: number): { lo: Int32Array; hi: Int32Array; w: Float64Array } {
  const lo = new Int32Array(to);
  const hi = new Int32Array(to);
  const w = new Float64Array(to);
  const ratio = from / to;
  for (let i = 0; i < to; i++) {
    const src = Math.min(Math.max((i + 0.5) * ratio - 0.5, 0), from - 1);
    lo[i] = Math.floor(src);
    hi[i] = Math.min(lo[i] + 1, from - 1);
    w[i] = src - lo[i];
  }
  return { lo, hi, w };
}

/**
 * Resizes pixels with bilinear interpolation on half-pixel centres (as OpenCV's `INTER_LINEAR` and
 * PyTorch's `align_corners=False`), rounding to 8 bits. There is no antialiasing when shrinking, so large
 * reductions differ from PIL's `resize`, which filters over the whole source area.
 *
 * @example
 * ```ts
 * import { resizeBilinear } from "./image_decode.ts";
 * const img = { width: 2, height: 1, channels: 1, data: new Uint8Array([0, 100]) };
 * console.log(resizeBilinear(img, 4, 1).data); // Uint8Array(4) [0, 25, 75, 100]
 * ```
 */
export function resizeBilinear(image: DecodedImage, width: number, height: number): DecodedImage {
  const { width: sw, height: sh, channels: c, data } = image;
  if (sw === width && sh === height) return image;
  const xs = axisTaps(sw, width);
  const ys = axisTaps(sh, height);
  const out = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const r0 = ys.lo[y] * sw;
    const r1 = ys.hi[y] * sw;
    const wy = ys.w[y];
    for (let x = 0; x < width; x++) {
      const a = (r0 + xs.lo[x]) * c;
      const b = (r0 + xs.hi[x]) * c;
      const d = (r1 + xs.lo[x]) * c;
      const e = (r1 + xs.hi[x]) * c;
      const wx = xs.w[x];
      const o = (y * width + x) * c;
      for (let k = 0; k < c; k++) {
        const top = data[a + k] + (data[b + k] - data[a + k]) * wx;
        const bottom = data[d + k] + (data[e + k] - data[d + k]) * wx;
        out[o + k] = Math.round(top + (bottom - top) * wy);
      }
    }
  }
  return { width, height, channels: c, data: out };
}

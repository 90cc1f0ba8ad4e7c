/**
 * The image input adapter: a PNG or JPEG becomes a tensor ready for an image model — channels converted,
 * optionally resized, laid out HWC or CHW, optionally scaled and normalised.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { InputAdapter, JsonSchema, JsonValue } from "../sdk/adapter.ts";
import type { Tensor } from "../sdk/tensor.ts";
import { bytesFromJson } from "./file_input.ts";
import { convertChannels, decodeImage, resizeBilinear } from "./image_decode.ts";
import { loadImageCodecs } from "./image_codecs.ts";
import type { DecodedImage } from "./image_decode.ts";
import { firstFilePart, mediaTypeOf, unsupportedMediaType } from "./multipart.ts";

/** Options for {@link ImageInput}. */
export interface ImageInputOptions {
  /** `"hwc"` gives [H,W,C] tensors, `"chw"` gives [C,H,W]. Default `"hwc"`. */
  layout?: "hwc" | "chw";
  /** Element type. Default `"uint8"` for hwc, `"float32"` for chw. */
  dtype?: "uint8" | "float32";
  /** 1 (gray) or 3 (RGB); images are converted (luma, repetition, alpha dropped). Default 3. */
  channels?: 1 | 3;
  /** Resize to this width (bilinear, half-pixel centres, no antialiasing); give it with `height`. Default: keep. */
  width?: number;
  /** Resize to this height; give it with `width`. Default: keep. */
  height?: number;
  /** float32 only: pixels are divided by this. Default 255. */
  scale?: number;
  /** float32 only: per-channel mean subtracted after scaling: `(x/scale - mean) / std`. Default 0s. */
  mean?: readonly number[];
  /** float32 only: per-channel divisor after subtracting the mean. Default 1s. */
  std?: readonly number[];
  /** Refuse images with more pixels (HTTP 413). Default 40,000,000. */
  maxPixels?: number;
}

const ACCEPTED = ["image/png", "image/jpeg", "application/octet-stream", "multipart/form-data"] as const;
const SNIFFED = new Set([
  "",
  "image/png",
  "image/jpeg",
  "image/jpg",
  "image/pjpeg",
  "application/octet-stream",
]);

function bad(message: string): ObentoError {
  return new ObentoError("BAD_SERVICE", `ImageInput: ${message}`);
}

function positiveInt(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) > 0;
}

/**
 * Decodes PNG and JPEG images into tensors: [H,W,C] uint8 (default) or, with `layout: "chw"`, [C,H,W] float32
 * computed as `(pixel/scale - mean[c]) / std[c]`. Each request is one image (`rows` = 1); `merge` returns the
 * list of tensors — call `stackTensors` on it for an [N,C,H,W] batch.
 *
 * @example
 * ```ts
 * import { encode } from "fast-png";
 * import { ImageInput } from "./image_input.ts";
 * const input = new ImageInput({ layout: "chw", channels: 1, mean: [0.5], std: [0.5] });
 * const png = encode({ width: 2, height: 1, channels: 1, depth: 8, data: new Uint8Array([0, 255]) });
 * const t = await input.fromBytes(png, "image/png");
 * console.log(t.dims, t.data); // [1, 1, 2] Float32Array(2) [-1, 1]
 * ```
 */
export class ImageInput implements InputAdapter<Tensor, Tensor[]> {
  /** Adapter name. */
  readonly type = "ImageInput";
  /** Accepted content types (the bytes are sniffed; the type only selects multipart parsing). */
  readonly contentTypes: readonly string[] = ACCEPTED;
  readonly #layout: "hwc" | "chw";
  readonly #dtype: "uint8" | "float32";
  readonly #channels: 1 | 3;
  readonly #size: { width: number; height: number } | undefined;
  readonly #scale: number;
  readonly #mean: readonly number[];
  readonly #std: readonly number[];
  readonly #maxPixels: number;
  readonly #normalized: boolean;

  /** Makes the adapter; throws an ObentoError (BAD_SERVICE) for inconsistent options. */
  constructor(options: ImageInputOptions = {}) {
    // The decoders load now, while the service's module is evaluated; the loader waits for them
    // (image_codecs.ts), so no request finds them missing.
    void loadImageCodecs().catch(() => {});
    const { layout = "hwc", channels = 3, maxPixels = 40_000_000 } = options;
    if (layout !== "hwc" && layout !== "chw") {
      throw bad(`layout must be "hwc" or "chw", got ${JSON.stringify(layout)}`);
    }
    const dtype = options.dtype ?? (layout === "chw" ? "float32" : "uint8");
    if (dtype !== "uint8" && dtype !== "float32") {
      throw bad(`dtype must be "uint8" or "float32", got ${JSON.stringify(dtype)}`);
    }
    if (channels !== 1 && channels !== 3) {
      throw bad(`channels must be 1 or 3, got ${JSON.stringify(channels)}`);
    }
    if ((options.width === undefined) !== (options.height === undefined)) {
      throw bad("give both width and height to resize, or neither");
    }
    if (options.width !== undefined && !(positiveInt(options.width) && positiveInt(options.height))) {
      throw bad(`width and height must be positive integers, got ${options.width}x${options.height}`);
    }
    if (!positiveInt(maxPixels)) throw bad(`maxPixels must be a positive integer, got ${maxPixels}`);
    const normalized = options.scale !== undefined || options.mean !== undefined || options.std !== undefined;
    if (normalized && dtype !== "float32") throw bad('scale, mean and std need dtype "float32"');
    const perChannel = (name: string, values: readonly number[] | undefined, fill: number): number[] => {
      if (values === undefined) return new Array(channels).fill(fill);
      if (!Array.isArray(values) || !values.every((v) => typeof v === "number" && Number.isFinite(v))) {
        throw bad(`${name} must be a list of numbers`);
      }
      if (values.length === 1) return new Array(channels).fill(values[0]);
      if (values.length !== channels) {
        throw bad(`${name} has ${values.length} values, expected ${channels} (one per channel) or 1`);
      }
      return [...values];
    };
    const scale = options.scale ?? 255;
    if (typeof scale !== "number" || !(scale > 0)) throw bad(`scale must be a positive number, got ${scale}`);
    this.#layout = layout;
    this.#dtype = dtype;
    this.#channels = channels;
    this.#size = options.width === undefined ? undefined : { width: options.width, height: options.height! };
    this.#scale = scale;
    this.#mean = perChannel("mean", options.mean, 0);
    this.#std = perChannel("std", options.std, 1);
    if (this.#std.some((s) => s === 0)) throw bad("std must not contain 0");
    this.#maxPixels = maxPixels;
    this.#normalized = dtype === "float32";
  }

  /** Settings recorded in bento.yaml. */
  config(): Record<string, JsonValue> {
    const config: Record<string, JsonValue> = {
      layout: this.#layout,
      dtype: this.#dtype,
      channels: this.#channels,
      maxPixels: this.#maxPixels,
    };
    if (this.#size) Object.assign(config, this.#size);
    if (this.#normalized) {
      Object.assign(config, { scale: this.#scale, mean: [...this.#mean], std: [...this.#std] });
    }
    return config;
  }

  /** Pixels → tensor in the configured layout and dtype. */
  #toTensor(image: DecodedImage): Tensor {
    const pixels = this.#size
      ? resizeBilinear(convertChannels(image, this.#channels), this.#size.width, this.#size.height)
      : convertChannels(image, this.#channels);
    const { width: w, height: h, data } = pixels;
    const c = this.#channels;
    const hw = w * h;
    const dims = this.#layout === "hwc" ? [h, w, c] : [c, h, w];
    if (!this.#normalized) {
      if (this.#layout === "hwc" || c === 1) return { type: "uint8", dims, data };
      const out = new Uint8Array(data.length);
      for (let k = 0; k < c; k++) for (let i = 0; i < hw; i++) out[k * hw + i] = data[i * c + k];
      return { type: "uint8", dims, data: out };
    }
    const lut = new Float32Array(256 * c);
    for (let k = 0; k < c; k++) {
      for (let v = 0; v < 256; v++) lut[k * 256 + v] = (v / this.#scale - this.#mean[k]) / this.#std[k];
    }
    const out = new Float32Array(data.length);
    if (this.#layout === "hwc") {
      for (let i = 0; i < data.length; i++) out[i] = lut[(i % c) * 256 + data[i]];
    } else {
      for (let k = 0; k < c; k++) {
        const base = k * 256;
        for (let i = 0; i < hw; i++) out[k * hw + i] = lut[base + data[i * c + k]];
      }
    }
    return { type: "float32", dims, data: out };
  }

  /** Decodes `{"b64": "<base64>"}` or a `data:` URL holding a PNG or JPEG. */
  fromJson(value: unknown): Tensor {
    return this.#toTensor(decodeImage(bytesFromJson(value), { maxPixels: this.#maxPixels }));
  }

  /**
   * Decodes a PNG or JPEG body (image/png, image/jpeg, application/octet-stream or no type; the bytes are
   * sniffed) or the first file of a multipart/form-data body; other types are refused with HTTP 415.
   */
  async fromBytes(bytes: Uint8Array, contentType: string): Promise<Tensor> {
    const type = mediaTypeOf(contentType);
    let file: Uint8Array;
    if (type === "multipart/form-data") file = await firstFilePart(bytes, contentType);
    else if (SNIFFED.has(type)) file = bytes;
    else throw unsupportedMediaType(this.type, contentType, this.contentTypes);
    return this.#toTensor(decodeImage(file, { maxPixels: this.#maxPixels }));
  }

  /** One result per image. */
  rows(_item: Tensor): number {
    return 1;
  }

  /** The list of image tensors; `stackTensors(batch)` makes one [N,…] tensor. */
  merge(items: readonly Tensor[]): Tensor[] {
    return [...items];
  }

  /** JSON form: `{"b64": "<base64 PNG or JPEG>"}` or a data: URL. */
  schema(): JsonSchema {
    return {
      oneOf: [
        {
          type: "object",
          properties: { b64: { type: "string", contentEncoding: "base64", contentMediaType: "image/*" } },
          required: ["b64"],
        },
        { type: "string", pattern: "^data:image/" },
      ],
    };
  }
}

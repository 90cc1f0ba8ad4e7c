/**
 * The Open Inference Protocol's binary tensor data extension (Triton's `binary_tensor_data`): tensor elements
 * as raw little-endian bytes after the JSON header of a request or response. {@link tensorBytes} writes a
 * tensor's elements, {@link tensorFromBytes} reads them back, {@link splitBinaryBody} cuts a body at its
 * `Inference-Header-Content-Length`. BYTES elements are each a 4-byte little-endian length then the bytes;
 * BOOL is one byte per element; FP16 is the 2-byte IEEE half.
 *
 * @module
 */
import { BadInputError } from "../errors.ts";
import { DTYPE_INFO, storageView } from "../sdk/dtype.ts";
import type { DType, TensorData } from "../sdk/tensor.ts";

/** The media-type parameter that carries the `Inference-Header-Content-Length` request header to the adapter. */
export const HEADER_LENGTH_PARAM = "inference-header-content-length";

/** The header-length parameter in a content type (built once: a RegExp per request showed in profiles). */
const HEADER_LENGTH_PATTERN = new RegExp(`;\\s*${HEADER_LENGTH_PARAM}\\s*=\\s*([^;\\s]*)`, "i");

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Byte-swaps each `size`-byte element of `bytes` in place (big-endian hosts only). */
function swapInPlace(bytes: Uint8Array, size: number): void {
  if (IS_LITTLE_ENDIAN || size === 1) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

/**
 * A tensor's elements as the binary extension sends them (little-endian; BYTES length-prefixed).
 *
 * @param data the flat elements.
 * @param type their dtype.
 * @returns the raw bytes, a fresh copy.
 *
 * @example
 * ```ts
 * import { tensorBytes } from "./binary.ts";
 * console.log(tensorBytes(new Int32Array([1, -1]), "int32")); // Uint8Array(8) [1, 0, 0, 0, 255, 255, 255, 255]
 * ```
 */
export function tensorBytes(data: TensorData, type: DType): Uint8Array {
  if (type === "string") {
    const encoder = new TextEncoder();
    const parts = (data as readonly string[]).map((s) => encoder.encode(s));
    const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
    const view = new DataView(out.buffer);
    let offset = 0;
    for (const part of parts) {
      view.setUint32(offset, part.length, true);
      out.set(part, offset + 4);
      offset += 4 + part.length;
    }
    return out;
  }
  const view = data as Exclude<TensorData, string[]>;
  const out = new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
  swapInPlace(out, DTYPE_INFO[type].bytes || 1);
  return out;
}

/**
 * Storage for `count` elements of `type` read from `bytes`: a view on the same memory when the host is
 * little-endian and `bytes` starts at a multiple of the element size (typed arrays need aligned offsets), so
 * a request's tensor goes from the body into the batch with one copy (the merge); else over a copy. BOOL is
 * always a copy (its bytes are normalised to 0/1).
 */
function storageOf(type: DType, bytes: Uint8Array, count: number): TensorData {
  const size = DTYPE_INFO[type].bytes || 1;
  if (
    IS_LITTLE_ENDIAN && type !== "bool" && bytes.buffer instanceof ArrayBuffer &&
    bytes.byteOffset % size === 0
  ) {
    return storageView(type, bytes.buffer, bytes.byteOffset, count);
  }
  const copy = bytes.slice();
  swapInPlace(copy, DTYPE_INFO[type].bytes || 1);
  return storageView(type, copy.buffer, 0, count);
}

/** The first non-finite element of float data, as [index, value], or undefined. */
function firstNonFinite(data: TensorData, type: DType): [number, string] | undefined {
  if (type === "float16") {
    const bits = data as Uint16Array;
    for (let i = 0; i < bits.length; i++) {
      if ((bits[i] & 0x7c00) === 0x7c00) return [i, bits[i] & 0x3ff ? "NaN" : "Infinity"];
    }
  } else if (type === "float32" || type === "float64") {
    const values = data as Float32Array | Float64Array;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) return [i, String(values[i])];
    }
  }
  return undefined;
}

/**
 * Reads `count` elements of `type` from the binary section of a request.
 *
 * @param bytes the input's raw bytes (exactly its `binary_data_size`).
 * @param type the model input's dtype.
 * @param count the element count its shape gives.
 * @param where the input, for messages, e.g. `input "x"`.
 * @returns the elements in obento's storage for `type`: a view on `bytes` when they are aligned for it (see
 *   the binary section's alignment note in docs/serving.md), else a copy.
 * @throws {BadInputError} when the size does not fit the shape, a BYTES element overruns, an element is not
 *   UTF-8 text, or a float is NaN or ±Infinity (refused as in JSON).
 *
 * @example
 * ```ts
 * import { tensorFromBytes } from "./binary.ts";
 * console.log(tensorFromBytes(new Uint8Array([1, 0, 0, 0]), "int32", 1, "input x")); // Int32Array(1) [1]
 * ```
 */
export function tensorFromBytes(bytes: Uint8Array, type: DType, count: number, where: string): TensorData {
  if (type === "string") {
    const decoder = new TextDecoder("utf-8", { fatal: true });
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: string[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      if (offset + 4 > bytes.length) {
        throw new BadInputError(`${where}: BYTES element ${out.length} has a cut-off 4-byte length`);
      }
      const length = view.getUint32(offset, true);
      if (offset + 4 + length > bytes.length) {
        throw new BadInputError(
          `${where}: BYTES element ${out.length} declares ${length} bytes, only ${
            bytes.length - offset - 4
          } remain in its binary_data_size`,
        );
      }
      try {
        out.push(decoder.decode(bytes.subarray(offset + 4, offset + 4 + length)));
      } catch {
        throw new BadInputError(`${where}: BYTES element ${out.length} is not UTF-8 text`);
      }
      offset += 4 + length;
    }
    if (out.length !== count) {
      throw new BadInputError(
        `${where}: the shape needs ${count} BYTES elements, binary data has ${out.length}`,
      );
    }
    return out;
  }
  const size = DTYPE_INFO[type].bytes || 1;
  if (bytes.length !== count * size) {
    throw new BadInputError(
      `${where}: binary_data_size ${bytes.length} does not fit the shape: ${count} element${
        count === 1 ? "" : "s"
      } of ${size} byte${size === 1 ? "" : "s"} make${count === 1 ? "s" : ""} ${count * size} bytes`,
    );
  }
  const data = storageOf(type, bytes, count);
  const bad = firstNonFinite(data, type);
  if (bad) throw new BadInputError(`${where} data[${bad[0]}]: ${bad[1]} is not a finite number`);
  return data;
}

/**
 * Splits a request body into its JSON header and binary section, as `Inference-Header-Content-Length`
 * says (carried as the {@link HEADER_LENGTH_PARAM} parameter of the content type).
 *
 * @param body the whole request body.
 * @param contentType the content type, maybe with the header-length parameter.
 * @returns the JSON header and the binary section (empty when no header length was given).
 * @throws {BadInputError} for a header length that is not an integer within the body.
 *
 * @example
 * ```ts
 * import { splitBinaryBody } from "./binary.ts";
 * const body = new TextEncoder().encode('{"a":1}xyz');
 * const { header, binary } = splitBinaryBody(body, "application/octet-stream; inference-header-content-length=7");
 * console.log(header.length, binary.length); // 7 3
 * ```
 */
export function splitBinaryBody(
  body: Uint8Array,
  contentType: string,
): { header: Uint8Array; binary: Uint8Array; headerLength?: number } {
  const match = HEADER_LENGTH_PATTERN.exec(contentType);
  if (!match) return { header: body, binary: body.subarray(body.length) };
  const length = /^\d+$/.test(match[1]) ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(length) || length > body.length) {
    throw new BadInputError(
      `Inference-Header-Content-Length ${JSON.stringify(match[1])} must be a whole number of bytes within ` +
        `the ${body.length}-byte body`,
    );
  }
  return { header: body.subarray(0, length), binary: body.subarray(length), headerLength: length };
}

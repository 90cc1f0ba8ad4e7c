/**
 * Artifacts for plain data packed beside a model: JSON (a vocabulary, label names, preprocessing settings),
 * UTF-8 text and raw bytes.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { JsonValue } from "../sdk/adapter.ts";
import type { ArtifactContext, ArtifactSpec } from "../sdk/artifact.ts";

/** Options for {@link TextArtifact} and {@link BinaryArtifact}. */
export interface DataArtifactOptions {
  /** File extension in the bundle, with the dot. Default ".txt" for text, ".bin" for binary. */
  extension?: string;
}

/**
 * A JSON file, loaded as its parsed value. `T` is the type API code expects; the value is not checked
 * against it.
 *
 * @example
 * ```ts
 * import { JsonArtifact } from "./data_artifacts.ts";
 * import { WasmBackend } from "../backends/ort_web.ts";
 * const vocab = new JsonArtifact<string[]>();
 * const ctx = { name: "vocab", metadata: {}, backend: new WasmBackend(), sessionOptions: {} };
 * const bytes = new TextEncoder().encode('["<unk>", "ball"]');
 * console.log(await vocab.inspect(bytes, ctx)); // { bytes: 17, json: "array" }
 * console.log(await vocab.load(bytes, ctx)); // [ "<unk>", "ball" ]
 * ```
 */
export class JsonArtifact<T = unknown> implements ArtifactSpec<T> {
  /** Recorded in bento.yaml. */
  readonly type = "JsonArtifact";
  /** File extension in the bundle. */
  readonly extension = ".json";

  /**
   * Checks that the bytes are UTF-8 JSON.
   *
   * @returns `{ bytes, json }` where `json` is "object", "array", "string", "number", "boolean" or "null"
   * @throws {ObentoError} BAD_ARGUMENT naming the artifact and the parse error
   */
  inspect(bytes: Uint8Array, ctx: ArtifactContext): Promise<Record<string, JsonValue>> {
    try {
      const value = parseJson(bytes, ctx.name, this.type);
      const json = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
      return Promise.resolve({ bytes: bytes.byteLength, json });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Parses the bytes; throws like {@link inspect}. */
  load(bytes: Uint8Array, ctx: ArtifactContext): Promise<T> {
    try {
      return Promise.resolve(parseJson(bytes, ctx.name, this.type) as T);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/**
 * A UTF-8 text file, loaded as a string.
 *
 * @example
 * ```ts
 * import { TextArtifact } from "./data_artifacts.ts";
 * import { WasmBackend } from "../backends/ort_web.ts";
 * const stopwords = new TextArtifact({ extension: ".lst" });
 * const ctx = { name: "stopwords", metadata: {}, backend: new WasmBackend(), sessionOptions: {} };
 * console.log(await stopwords.load(new TextEncoder().encode("a\nthe\n"), ctx)); // "a\nthe\n"
 * ```
 */
export class TextArtifact implements ArtifactSpec<string> {
  /** Recorded in bento.yaml. */
  readonly type = "TextArtifact";
  /** File extension in the bundle. */
  readonly extension: string;

  /** Declares the artifact. */
  constructor(options: DataArtifactOptions = {}) {
    this.extension = checkExtension(options.extension ?? ".txt", this.type);
  }

  /**
   * Checks that the bytes are UTF-8.
   *
   * @returns `{ bytes, chars }`
   * @throws {ObentoError} BAD_ARGUMENT naming the artifact when the bytes are not UTF-8
   */
  inspect(bytes: Uint8Array, ctx: ArtifactContext): Promise<Record<string, JsonValue>> {
    try {
      return Promise.resolve({
        bytes: bytes.byteLength,
        chars: decodeUtf8(bytes, ctx.name, this.type).length,
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Decodes the bytes; throws like {@link inspect}. */
  load(bytes: Uint8Array, ctx: ArtifactContext): Promise<string> {
    try {
      return Promise.resolve(decodeUtf8(bytes, ctx.name, this.type));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/**
 * Any file, loaded as its bytes.
 *
 * @example
 * ```ts
 * import { BinaryArtifact } from "./data_artifacts.ts";
 * import { WasmBackend } from "../backends/ort_web.ts";
 * const weights = new BinaryArtifact({ extension: ".npy" });
 * const ctx = { name: "weights", metadata: {}, backend: new WasmBackend(), sessionOptions: {} };
 * console.log(await weights.inspect(new Uint8Array(3), ctx)); // { bytes: 3 }
 * ```
 */
export class BinaryArtifact implements ArtifactSpec<Uint8Array> {
  /** Recorded in bento.yaml. */
  readonly type = "BinaryArtifact";
  /** File extension in the bundle. */
  readonly extension: string;

  /** Declares the artifact. */
  constructor(options: DataArtifactOptions = {}) {
    this.extension = checkExtension(options.extension ?? ".bin", this.type);
  }

  /** Describes the bytes as `{ bytes }`; any bytes are accepted. */
  inspect(bytes: Uint8Array, _ctx: ArtifactContext): Promise<Record<string, JsonValue>> {
    return Promise.resolve({ bytes: bytes.byteLength });
  }

  /** Returns the bytes as they are. */
  load(bytes: Uint8Array, _ctx: ArtifactContext): Promise<Uint8Array> {
    return Promise.resolve(bytes);
  }
}

/** Decodes strict UTF-8 (a leading BOM is dropped). */
function decodeUtf8(bytes: Uint8Array, name: string, type: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ObentoError("BAD_ARGUMENT", `artifact "${name}" (${type}) is not valid UTF-8 text`);
  }
}

/** Parses UTF-8 JSON. */
function parseJson(bytes: Uint8Array, name: string, type: string): unknown {
  const text = decodeUtf8(bytes, name, type);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `artifact "${name}" (${type}) is not valid JSON: ${error instanceof Error ? error.message : error}`,
      { cause: error },
    );
  }
}

/** Validates an extension like ".txt". */
function checkExtension(extension: string, type: string): string {
  if (!/^\.[A-Za-z0-9][A-Za-z0-9._-]*$/.test(extension)) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${type} extension must start with a dot followed by letters or digits (e.g. ".txt"), got ` +
        JSON.stringify(extension),
    );
  }
  return extension;
}

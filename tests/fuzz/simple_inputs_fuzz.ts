/**
 * Fuzz target `simple_inputs`: `JsonInput`, `StringInput` and `FileInput` (JSON, text, raw and multipart
 * bodies, base64 and data: URLs), through `fromBytes`, `fromJson`, `rows` and `merge`.
 *
 * @module
 */
import fc from "fast-check";
import { JsonInput } from "../../src/adapters/json_input.ts";
import { StringInput } from "../../src/adapters/string_input.ts";
import { FileInput } from "../../src/adapters/file_input.ts";
import type { InputAdapter } from "../../src/sdk/adapter.ts";
import { contentType, decodeAndMerge, jsonBody } from "./bodies.ts";
import { multipartBody } from "./multipart_bodies.ts";
import {
  anyJsonValue,
  anyText,
  type FuzzRun,
  type FuzzTarget,
  type PropertyReport,
  runProperty,
  textOf,
} from "./property.ts";

const ADAPTERS: readonly InputAdapter<unknown, unknown>[] = [
  new JsonInput(),
  new JsonInput({ schema: { type: "object" } }),
  new StringInput(),
  new FileInput(),
];

/** `{"b64": …}` and data: URLs, valid and not. */
const fileJson = fc.oneof(
  fc.uint8Array({ maxLength: 30 }).map((b) => ({ b64: btoa(String.fromCharCode(...b)) })),
  textOf("AZaz09+/=-_ %", 20).map((b64) => ({ b64 })),
  fc.tuple(textOf("a/;=,", 12), fc.constantFrom(";base64,", ","), textOf("AZaz09+/=%2G", 20))
    .map(([t, sep, d]) => `data:${t}${sep}${d}`),
  fc.record({ b64: fc.anything() }),
  anyText.map((t) => `data:${t}`),
);

/** The simple-inputs target. */
export const simpleInputsTarget: FuzzTarget = {
  name: "simple_inputs",
  async run(options: FuzzRun): Promise<PropertyReport[]> {
    const which = fc.nat(ADAPTERS.length - 1);
    const body = fc.oneof(jsonBody(fc.oneof(anyJsonValue, fileJson)), multipartBody);
    const type = contentType([
      "application/json",
      "text/plain",
      "application/octet-stream",
      "multipart/form-data",
    ]);
    return [
      await runProperty("fromBytes", fc.tuple(which, body, type), async ([i, bytes, t], o) => {
        const adapter = ADAPTERS[i];
        await decodeAndMerge(adapter, o, () => adapter.fromBytes(bytes, t));
      }, options),
      await runProperty(
        "fromBytes multipart",
        fc.tuple(which, multipartBody, fc.constantFrom("x", "boundary", "", '"x"')),
        async ([i, bytes, boundary], o) => {
          const adapter = ADAPTERS[i];
          await decodeAndMerge(
            adapter,
            o,
            () => adapter.fromBytes(bytes, `multipart/form-data; boundary=${boundary}`),
          );
        },
        options,
      ),
      await runProperty("fromJson", fc.tuple(which, fc.oneof(fileJson, fc.anything())), async ([i, v], o) => {
        const adapter = ADAPTERS[i];
        await decodeAndMerge(adapter, o, () => adapter.fromJson(v));
      }, options),
    ];
  },
};

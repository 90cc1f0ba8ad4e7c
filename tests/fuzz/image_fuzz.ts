/**
 * Fuzz target `image`: `ImageInput` on random bytes and on mutated real PNGs and JPEGs (the digits bundle's
 * examples: bytes flipped, truncated, spliced; a PNG header claiming a huge size), raw and in multipart bodies.
 *
 * @module
 */
import fc from "fast-check";
import { encode } from "fast-png";
import { ImageInput } from "../../src/adapters/image_input.ts";
import { loadImageCodecs } from "../../src/adapters/image_codecs.ts";
import { contentType, decodeAndMerge } from "./bodies.ts";
import { multipartBody } from "./multipart_bodies.ts";
import { anyBytes, type FuzzRun, type FuzzTarget, type PropertyReport, runProperty } from "./property.ts";

await loadImageCodecs(); // as a loaded service has them (src/adapters/image_codecs.ts)

const ADAPTERS: readonly ImageInput[] = [
  new ImageInput(),
  new ImageInput({ layout: "chw", channels: 1, width: 28, height: 28, mean: [0.5], std: [0.5] }),
  new ImageInput({ channels: 1, maxPixels: 64 }),
  new ImageInput({ layout: "chw", dtype: "float32", width: 3, height: 1000 }),
];

/** The digits bundle's example images. */
async function examples(): Promise<Uint8Array[]> {
  const dir = new URL("../../bundles/digits_cnn/images/", import.meta.url);
  const out: Uint8Array[] = [];
  for await (const entry of Deno.readDir(dir)) out.push(await Deno.readFile(new URL(entry.name, dir)));
  // A tiny 16-bit RGBA PNG and a grey+alpha one: other decoder paths than the examples'.
  out.push(encode({ width: 2, height: 2, channels: 4, depth: 16, data: new Uint16Array(16).fill(300) }));
  out.push(encode({ width: 3, height: 1, channels: 2, depth: 8, data: new Uint8Array(6).fill(7) }));
  return out;
}

/** One edit of an image: flip bytes, overwrite a run, truncate, or splice in random bytes. */
type Edit = { kind: "set"; at: number; bytes: Uint8Array } | { kind: "cut"; at: number } | {
  kind: "insert";
  at: number;
  bytes: Uint8Array;
};

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    kind: fc.constant("set" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
);

function apply(image: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let out = image.slice();
  for (const e of edits) {
    const at = e.at % (out.length + 1);
    if (e.kind === "set") {
      out = out.slice();
      out.set(e.bytes.subarray(0, out.length - at), at);
    } else if (e.kind === "cut") {
      out = out.slice(0, at);
    } else {
      const next = new Uint8Array(out.length + e.bytes.length);
      next.set(out.subarray(0, at));
      next.set(e.bytes, at);
      next.set(out.subarray(at), at + e.bytes.length);
      out = next;
    }
  }
  return out;
}

/** A PNG IHDR (bytes 16–23) set to a huge or zero width and height. */
function withSize(png: Uint8Array, width: number, height: number): Uint8Array {
  const out = png.slice();
  const view = new DataView(out.buffer);
  if (out.length >= 24) {
    view.setUint32(16, width);
    view.setUint32(20, height);
  }
  return out;
}

/** The image target. */
export const imageTarget: FuzzTarget = {
  name: "image",
  async run(given: FuzzRun): Promise<PropertyReport[]> {
    // A JPEG of n bytes may declare up to 512·n pixels (image_decode.ts refuses more) and maxPixels: a
    // mutated one can take a second or more to decode before it fails as corrupt. That is bounded work, not
    // a hang; the budget allows it.
    const options = { ...given, callBudgetMs: Math.max(given.callBudgetMs ?? 0, 10_000) };
    const images = await examples();
    const which = fc.nat(ADAPTERS.length - 1);
    const mutated = fc.tuple(fc.nat(images.length - 1), fc.array(edit, { maxLength: 4 })).map(([i, edits]) =>
      apply(images[i], edits)
    );
    const resized = fc.tuple(
      fc.nat(images.length - 1),
      fc.constantFrom(0, 1, 65535, 2 ** 31 - 1, 2 ** 32 - 1),
      fc.constantFrom(0, 1, 65535, 2 ** 31 - 1, 2 ** 32 - 1),
    )
      .map(([i, w, h]) => withSize(images[i], w, h));
    const body = fc.oneof({ weight: 6, arbitrary: mutated }, { weight: 1, arbitrary: resized }, {
      weight: 2,
      arbitrary: anyBytes,
    });
    const type = contentType(["image/png", "image/jpeg", "application/octet-stream", ""]);
    const imageForm = mutated.map((image) => {
      const head = new TextEncoder().encode(
        '--x\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n',
      );
      const tail = new TextEncoder().encode("\r\n--x--\r\n");
      const out = new Uint8Array(head.length + image.length + tail.length);
      out.set(head);
      out.set(image, head.length);
      out.set(tail, head.length + image.length);
      return out;
    });
    return [
      await runProperty("fromBytes", fc.tuple(which, body, type), async ([i, bytes, t], o) => {
        const adapter = ADAPTERS[i];
        await decodeAndMerge(adapter, o, () => adapter.fromBytes(bytes, t));
      }, options),
      await runProperty(
        "fromBytes multipart",
        fc.tuple(which, fc.oneof(imageForm, multipartBody)),
        async ([i, bytes], o) => {
          const adapter = ADAPTERS[i];
          await decodeAndMerge(adapter, o, () => adapter.fromBytes(bytes, "multipart/form-data; boundary=x"));
        },
        options,
      ),
      await runProperty(
        "fromJson",
        fc.tuple(
          which,
          fc.oneof(
            mutated.map((b) => ({ b64: btoa(String.fromCharCode(...b)) })),
            fc.anything(),
          ),
        ),
        async ([i, v], o) => {
          const adapter = ADAPTERS[i];
          await decodeAndMerge(adapter, o, () => adapter.fromJson(v));
        },
        options,
      ),
    ];
  },
};

import assert from "node:assert/strict";
import { bytesFromJson, FileInput } from "./file_input.ts";

/** A multipart body and its content type, as a browser or curl -F would send them. */
async function multipartBody(fields: Record<string, string | File>): Promise<[Uint8Array, string]> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const req = new Request("http://localhost/", { method: "POST", body: form });
  return [new Uint8Array(await req.arrayBuffer()), req.headers.get("content-type")!];
}

Deno.test("takes a raw body of any content type as is", async () => {
  const bytes = new Uint8Array([0, 1, 255]);
  assert.equal(await new FileInput().fromBytes(bytes, "application/pdf"), bytes);
  assert.equal(await new FileInput().fromBytes(bytes, ""), bytes);
});

Deno.test("takes the first file part of a multipart body", async () => {
  const [body, type] = await multipartBody({ f: new File([new Uint8Array([7, 8])], "x.bin") });
  assert.deepEqual(await new FileInput().fromBytes(body, type), new Uint8Array([7, 8]));
});

Deno.test("decodes {b64} in standard and URL-safe base64, and data: URLs", () => {
  assert.deepEqual(new FileInput().fromJson({ b64: "AAH/" }), new Uint8Array([0, 1, 255]));
  assert.deepEqual(bytesFromJson({ b64: "AAH_" }), new Uint8Array([0, 1, 255]));
  assert.deepEqual(bytesFromJson({ b64: "aGk" }), new Uint8Array([104, 105]));
  assert.deepEqual(bytesFromJson("data:image/png;base64,AAH/"), new Uint8Array([0, 1, 255]));
  assert.deepEqual(bytesFromJson("data:,a%20b"), new Uint8Array([97, 32, 98]));
});

Deno.test("refuses invalid base64 and other JSON values", () => {
  assert.throws(() => bytesFromJson({ b64: "a*b" }), (e: Error) => {
    assert.equal(e.name, "BadInputError");
    assert.match(e.message, /^"b64" is not valid base64 \(/);
    return true;
  });
  assert.throws(() => bytesFromJson({ b64: 5 }), {
    name: "BadInputError",
    message: '"b64" must be a base64 string, got number',
  });
  assert.throws(() => bytesFromJson([1, 2]), {
    name: "BadInputError",
    message: 'expected {"b64": "<base64>"} or a data: URL string holding the file',
  });
});

Deno.test("has one row per file and merges into the list", () => {
  const input = new FileInput();
  const a = new Uint8Array([1]);
  assert.equal(input.rows(a), 1);
  assert.deepEqual(input.merge([a, a]), [a, a]);
  assert.deepEqual(input.config(), {});
});

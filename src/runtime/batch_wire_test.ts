import assert from "node:assert/strict";
import {
  MOVE_BODY_BYTES,
  movesBodies,
  packItems,
  packOutcomes,
  unpackItems,
  unpackOutcomes,
} from "./batch_wire.ts";
import type { RawItem, RawOutcome } from "./executor.ts";

const encoder = new TextEncoder();

/** A structured clone of `message` with `transfer` moved, as postMessage does it. */
function cross<T>(message: T, transfer: ArrayBuffer[]): T {
  return structuredClone(message, { transfer });
}

Deno.test("packItems/unpackItems: bodies, content types and Accept values come back per item; the caller's small bodies stay", () => {
  const big = new Uint8Array(MOVE_BODY_BYTES).fill(7);
  const shared = new Uint8Array(MOVE_BODY_BYTES * 2);
  const items: RawItem[] = [
    { body: encoder.encode("[1]"), contentType: "application/json" },
    { body: new Uint8Array(0), contentType: "text/plain", accept: "application/json" },
    { body: big, contentType: "application/octet-stream" },
    { body: encoder.encode("ü"), contentType: "application/json", accept: "application/json" },
    // A large view on part of a buffer cannot be moved: it is cloned.
    { body: shared.subarray(0, MOVE_BODY_BYTES), contentType: "application/octet-stream" },
  ];
  const before = items.map((i) => [...i.body.subarray(0, 4)]);
  const { wire, transfer } = packItems(items);
  assert.equal(wire.strings.length, 3); // each value once, content type or Accept
  assert.deepEqual(transfer, [big.buffer]); // the one body that owns its buffer; the small packed buffer is copied
  const back = unpackItems(cross(wire, transfer));
  assert.equal(big.byteLength, 0); // moved
  assert.equal(shared.byteLength, MOVE_BODY_BYTES * 2); // copied
  assert.deepEqual(back.map((i) => [i.contentType, i.accept, i.body.byteLength]), [
    ["application/json", undefined, 3],
    ["text/plain", "application/json", 0],
    ["application/octet-stream", undefined, MOVE_BODY_BYTES],
    ["application/json", "application/json", 2],
    ["application/octet-stream", undefined, MOVE_BODY_BYTES],
  ]);
  assert.equal("accept" in back[0], false);
  assert.equal(new TextDecoder().decode(back[3].body), "ü");
  assert.equal(back[2].body[MOVE_BODY_BYTES - 1], 7);
  // Small bodies were copied: the items a pool keeps can be packed again after a worker is replaced.
  assert.deepEqual(items.filter((i) => i.body.byteLength > 0).map((i) => i.body.byteLength), [
    3,
    2,
    MOVE_BODY_BYTES,
  ]);
  assert.deepEqual([...items[0].body], before[0]);
  assert.deepEqual(unpackItems(packItems([items[0], items[3]]).wire).map((i) => i.body.byteLength), [3, 2]);
  // Many small bodies make a packed buffer large enough to be moved too.
  const many = Array.from({ length: 20 }, () => ({ body: new Uint8Array(4096), contentType: "x" }));
  const large = packItems(many);
  assert.deepEqual(large.transfer, [large.wire.buffer]);
  assert.equal(unpackItems(cross(large.wire, large.transfer)).length, 20);
  assert.equal(large.wire.buffer.byteLength, 0); // moved
});

Deno.test("packItems: an empty batch, and movesBodies says whether a body would move", () => {
  assert.deepEqual(unpackItems(packItems([]).wire), []);
  const small = { body: new Uint8Array(MOVE_BODY_BYTES - 1), contentType: "x" };
  const part = { body: new Uint8Array(MOVE_BODY_BYTES + 1).subarray(1), contentType: "x" };
  assert.equal(movesBodies([small, part]), false);
  assert.equal(movesBodies([small, { body: new Uint8Array(MOVE_BODY_BYTES), contentType: "x" }]), true);
});

Deno.test("packOutcomes/unpackOutcomes: strings stay strings, bytes stay bytes, headers and errors kept", () => {
  const big = new Uint8Array(MOVE_BODY_BYTES).fill(3);
  const outcomes: RawOutcome[] = [
    { status: 200, body: '{"a":"é"}', contentType: "application/json", headers: {} },
    { status: 200, body: new Uint8Array([1, 2, 3]), contentType: "application/octet-stream", headers: {} },
    {
      status: 400,
      body: '{"error":"bad","status":400}',
      contentType: "application/json",
      headers: {},
      error: { message: "bad" },
    },
    { status: 200, body: big, contentType: "application/octet-stream", headers: { "x-n": "1" } },
    { status: 500, body: "", contentType: "text/plain", headers: {}, error: { message: "m", stack: "s" } },
    { status: 200, body: new Uint8Array(0), contentType: "application/json", headers: {} },
  ];
  const expected = outcomes.map((o) => ({ ...o, body: typeof o.body === "string" ? o.body : [...o.body] }));
  const { wire, transfer } = packOutcomes(outcomes);
  assert.equal(wire.extra.length, 3);
  const back = unpackOutcomes(cross(wire, transfer));
  assert.equal(big.byteLength, 0); // moved
  assert.deepEqual(
    back.map((o) => ({ ...o, body: typeof o.body === "string" ? o.body : [...o.body] })),
    expected,
  );
  assert.equal(typeof back[0].body, "string");
  assert.equal("error" in back[0], false);
  assert.deepEqual(unpackOutcomes(packOutcomes([]).wire), []);
});

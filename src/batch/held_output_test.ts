import assert from "node:assert/strict";
import { HeldOutput } from "./held_output.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

function collector(): { write: (b: Uint8Array) => void; text: () => string } {
  const parts: string[] = [];
  return { write: (b) => parts.push(new TextDecoder().decode(b)), text: () => parts.join("") };
}

Deno.test("HeldOutput writes nothing until released, and nothing at all when dropped", () => {
  const out = collector();
  const held = new HeldOutput(out.write, 100);
  held.write(bytes("["));
  held.write(bytes('"setosa"'));
  assert.equal(out.text(), "");
  assert.equal(held.streaming, false);
  held.release();
  assert.equal(out.text(), '["setosa"');
  held.write(bytes("]"));
  assert.equal(out.text(), '["setosa"]');

  const failed = collector();
  const dropped = new HeldOutput(failed.write, 100);
  dropped.write(bytes("result\n"));
  dropped.drop();
  assert.equal(failed.text(), "");
});

Deno.test("HeldOutput streams once it holds more than its bound, keeping the order", () => {
  const out = collector();
  const held = new HeldOutput(out.write, 10);
  held.write(bytes("12345"));
  held.write(bytes("67890"));
  assert.equal(out.text(), "", "10 bytes are still held");
  held.write(bytes("a"));
  assert.equal(held.streaming, true);
  assert.equal(out.text(), "1234567890a");
  held.write(bytes("b"));
  held.drop(); // too late: it already went out
  assert.equal(out.text(), "1234567890ab");
  held.write(new Uint8Array(0));
  assert.equal(out.text(), "1234567890ab");
});

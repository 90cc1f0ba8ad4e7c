/**
 * The shared-memory slot of `scripts/bench_wire.ts`'s `atomics` and `doorbell` variants (an experiment, not
 * product code): one `SharedArrayBuffer` holding a control word pair and one packed batch at a time, items
 * going in and then outcomes coming back in the same bytes. The batch is packed as the pool packs it
 * (src/runtime/batch_wire.ts), then its buffer copied into the slot with the few strings as JSON beside it;
 * nothing is structured-cloned. Small bodies only (a moved body has no place in a slot).
 *
 * Control word: `control[REQUEST]` is the number of the last batch the server wrote (or {@link STOP}),
 * `control[ANSWER]` the number of the last batch the worker answered; each side waits on the other's int32.
 *
 * @module
 */
import {
  packItems,
  packOutcomes,
  unpackItems,
  unpackOutcomes,
  type WireOutcomes,
} from "../src/runtime/batch_wire.ts";
import type { RawItem, RawOutcome } from "../src/runtime/executor.ts";

/** Index of the request counter in the control word. */
export const REQUEST = 0;
/** Index of the answer counter in the control word. */
export const ANSWER = 1;
/** `control[REQUEST]` value that tells a blocked worker to return to its event loop. */
export const STOP = -1;

const CONTROL_BYTES = 16;
const HEADER_INTS = 4;
const DATA_AT = CONTROL_BYTES + HEADER_INTS * 4;

/** Views on a slot's `SharedArrayBuffer`. */
export interface SharedSlot {
  /** The control word (see the module doc). */
  control: Int32Array<SharedArrayBuffer>;
  /** Lengths of the parts of the batch in `bytes`. */
  header: Int32Array<SharedArrayBuffer>;
  /** The packed batch. */
  bytes: Uint8Array<SharedArrayBuffer>;
}

/** A new slot's buffer, room for `bytes` bytes of packed batch. */
export function newSlotBuffer(bytes = 64 * 1024): SharedArrayBuffer {
  return new SharedArrayBuffer(DATA_AT + bytes);
}

/** Views on `buffer`, one made by {@link newSlotBuffer} (possibly in another thread). */
export function sharedSlot(buffer: SharedArrayBuffer): SharedSlot {
  return {
    control: new Int32Array(buffer, 0, CONTROL_BYTES / 4),
    header: new Int32Array(buffer, CONTROL_BYTES, HEADER_INTS),
    bytes: new Uint8Array(buffer, DATA_AT),
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Copies `text` into the slot at `at`, returning how many bytes it took. */
function putText(slot: SharedSlot, at: number, text: string): number {
  const { read, written } = encoder.encodeInto(text, slot.bytes.subarray(at));
  if (read !== text.length) throw new Error("batch too large for the shared slot");
  return written;
}

/** The text `length` bytes long at `at` (decoded from a private copy: the slot is rewritten later). */
function getText(slot: SharedSlot, at: number, length: number): string {
  return decoder.decode(slot.bytes.slice(at, at + length));
}

/** Copies `buffer` into the slot at 0, returning its length. */
function putBuffer(slot: SharedSlot, buffer: ArrayBuffer): number {
  if (buffer.byteLength > slot.bytes.byteLength) throw new Error("batch too large for the shared slot");
  slot.bytes.set(new Uint8Array(buffer), 0);
  return buffer.byteLength;
}

/** Packs `items` into the slot (the server's side). */
export function writeItems(slot: SharedSlot, items: readonly RawItem[]): void {
  const { wire } = packItems(items);
  if (wire.moved.length > 0) throw new Error("a moved body does not fit a shared slot");
  const length = putBuffer(slot, wire.buffer);
  slot.header[0] = wire.count;
  slot.header[1] = length;
  slot.header[2] = putText(slot, length, JSON.stringify(wire.strings));
}

/** The items in the slot (the worker's side); each body is a private copy of its bytes. */
export function readItems(slot: SharedSlot): RawItem[] {
  const [count, length, stringsLength] = slot.header;
  const strings: string[] = JSON.parse(getText(slot, length, stringsLength));
  return unpackItems({ count, buffer: slot.bytes.slice(0, length).buffer, strings, moved: [] });
}

/** Packs `outcomes` into the slot (the worker's side). */
export function writeOutcomes(slot: SharedSlot, outcomes: readonly RawOutcome[]): void {
  const { wire } = packOutcomes(outcomes);
  if (wire.moved.length > 0) throw new Error("a moved body does not fit a shared slot");
  const length = putBuffer(slot, wire.buffer);
  const textLength = putText(slot, length, wire.text);
  slot.header[0] = wire.count;
  slot.header[1] = length;
  slot.header[2] = textLength;
  slot.header[3] = putText(slot, length + textLength, JSON.stringify([wire.strings, wire.extra]));
}

/** The outcomes in the slot (the server's side); nothing in them refers to the slot. */
export function readOutcomes(slot: SharedSlot): RawOutcome[] {
  const [count, length, textLength, metaLength] = slot.header;
  const text = getText(slot, length, textLength);
  const [strings, extra]: [string[], WireOutcomes["extra"]] = JSON.parse(
    getText(slot, length + textLength, metaLength),
  );
  return unpackOutcomes({
    count,
    buffer: slot.bytes.slice(0, length).buffer,
    text,
    strings,
    moved: [],
    extra,
  });
}

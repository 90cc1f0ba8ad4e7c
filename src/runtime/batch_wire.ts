/**
 * A batch as it crosses to a model worker and back (src/runtime/worker_pool.ts ↔ src/worker/worker_main.ts),
 * packed so that one message carries a few values instead of one object per item: structured clone costs per
 * object and per property name, and each cloned body becomes its own `ArrayBuffer` in the receiving isolate.
 *
 * - Items: every small body copied back to back into one buffer, after a table of three int32 per item (end
 *   of its body, its content type's index, its Accept's index). Bodies of {@link MOVE_BODY_BYTES} or more are
 *   not copied into it: they travel beside the table and are moved (transferred) when they own their whole
 *   buffer.
 * - Outcomes: string bodies joined into one string (the pool slices each back out: a string stays a string),
 *   small byte bodies back to back after a table of four int32 per outcome (status, where its body is, its
 *   end, its content type's index), large byte bodies moved as they are; the rare headers and error details
 *   beside, keyed by index.
 *
 * The packed buffer itself is transferred only when it is {@link MOVE_BODY_BYTES} or larger: Deno 2.9 posts a
 * message given no transfer argument at all through a cheaper path (`op_host_post_message_raw`; an empty
 * list is not enough), and copying a few KiB costs less than the transfer (measured: a round trip of 30 iris items and outcomes, both threads, ~115–125
 * µs of CPU cloned item by item, ~80–105 packed and transferred, ~60 packed and copied; an empty round trip
 * ~35).
 *
 * The pool packs a batch at each post from the items it keeps, so a batch queued in a worker that is replaced
 * can be packed again for another (docs/serving.md, "Supervised workers").
 *
 * @module
 */
import type { RawItem, RawOutcome } from "./executor.ts";

/** Bodies at least this large are moved, not copied (src/server/body_budget.ts counts them once). */
export const MOVE_BODY_BYTES = 64 * 1024;

/** A batch's items as one message part (see the module doc). */
export interface WireItems {
  /** How many items. */
  count: number;
  /** Three int32 per item, then the copied bodies. */
  buffer: ArrayBuffer;
  /** Content types and Accept values, each once. */
  strings: string[];
  /** Bodies of {@link MOVE_BODY_BYTES} or more, in item order. */
  moved: Uint8Array[];
}

/** A batch's outcomes as one message part (see the module doc). */
export interface WireOutcomes {
  /** How many outcomes. */
  count: number;
  /** Four int32 per outcome, then the copied byte bodies. */
  buffer: ArrayBuffer;
  /** The string bodies, joined. */
  text: string;
  /** Content types, each once. */
  strings: string[];
  /** Byte bodies of {@link MOVE_BODY_BYTES} or more, in outcome order. */
  moved: Uint8Array[];
  /** Outcomes that carry headers or error details: `[index, headers, error]`. */
  extra: [number, Record<string, string>, RawOutcome["error"]][];
}

/** What a message made by {@link packItems} or {@link packOutcomes} is, and what to transfer with it. */
export interface Packed<T> {
  /** The message part. */
  wire: T;
  /** Buffers to transfer: moved bodies that own their whole buffer, and the packed buffer when it is large. */
  transfer: ArrayBuffer[];
}

/** Where an outcome's body is (the table's second column). */
const IN_TEXT = 0;
const IN_BUFFER = 1;
const MOVED = 2;

const ITEM_COLUMNS = 3;
const OUTCOME_COLUMNS = 4;

/** Index of `value` in `strings`, appending it the first time (few distinct values per batch: a scan). */
function indexOf(strings: string[], value: string): number {
  const at = strings.indexOf(value);
  if (at >= 0) return at;
  strings.push(value);
  return strings.length - 1;
}

/**
 * Adds `body`'s buffer to `transfer` when `body` owns all of it and no other moved body shares it (a shared or
 * partial buffer is copied by structured clone instead).
 */
function addMovable(body: Uint8Array, transfer: ArrayBuffer[]): void {
  const buffer = body.buffer;
  if (
    buffer instanceof ArrayBuffer && body.byteOffset === 0 && body.byteLength === buffer.byteLength &&
    !transfer.includes(buffer)
  ) transfer.push(buffer);
}

/**
 * Whether posting `items` moves a body to the worker (then the pool keeps no copy of it to post again).
 *
 * @example
 * ```ts
 * import { movesBodies } from "./batch_wire.ts";
 * console.log(movesBodies([{ body: new Uint8Array(10), contentType: "text/plain" }])); // false
 * console.log(movesBodies([{ body: new Uint8Array(64 * 1024), contentType: "text/plain" }])); // true
 * ```
 */
export function movesBodies(items: readonly RawItem[]): boolean {
  const transfer: ArrayBuffer[] = [];
  for (const { body } of items) if (body.byteLength >= MOVE_BODY_BYTES) addMovable(body, transfer);
  return transfer.length > 0;
}

/**
 * Packs a batch's items for a worker: small bodies are copied (the caller's stay intact), large ones moved.
 *
 * @example
 * ```ts
 * import { packItems, unpackItems } from "./batch_wire.ts";
 * const body = new TextEncoder().encode("[1]");
 * const { wire } = packItems([{ body, contentType: "application/json" }]);
 * console.log(unpackItems(wire)[0].contentType); // application/json
 * ```
 */
export function packItems(items: readonly RawItem[]): Packed<WireItems> {
  const n = items.length;
  const head = n * ITEM_COLUMNS * 4;
  let copied = 0;
  for (const { body } of items) if (body.byteLength < MOVE_BODY_BYTES) copied += body.byteLength;
  const buffer = new ArrayBuffer(head + copied);
  const table = new Int32Array(buffer, 0, n * ITEM_COLUMNS);
  const bytes = new Uint8Array(buffer, head);
  const strings: string[] = [];
  const moved: Uint8Array[] = [];
  const transfer: ArrayBuffer[] = buffer.byteLength >= MOVE_BODY_BYTES ? [buffer] : [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const { body, contentType, accept } = items[i];
    const row = i * ITEM_COLUMNS;
    if (body.byteLength < MOVE_BODY_BYTES) {
      bytes.set(body, at);
      at += body.byteLength;
      table[row] = at;
    } else {
      table[row] = -1 - moved.length;
      moved.push(body);
      addMovable(body, transfer);
    }
    table[row + 1] = indexOf(strings, contentType);
    table[row + 2] = accept === undefined ? -1 : indexOf(strings, accept);
  }
  return { wire: { count: n, buffer, strings, moved }, transfer };
}

/**
 * The items {@link packItems} packed; small bodies are views on the one buffer.
 *
 * @example
 * ```ts
 * import { packItems, unpackItems } from "./batch_wire.ts";
 * const items = [{ body: new Uint8Array([1, 2]), contentType: "a", accept: "b" }];
 * console.log(unpackItems(packItems(items).wire)); // [{ body: Uint8Array(2) [1, 2], contentType: "a", accept: "b" }]
 * ```
 */
export function unpackItems(wire: WireItems): RawItem[] {
  const { count: rows, buffer, strings, moved } = wire;
  const table = new Int32Array(buffer, 0, rows * ITEM_COLUMNS);
  const bytes = new Uint8Array(buffer, rows * ITEM_COLUMNS * 4);
  const items: RawItem[] = new Array(rows);
  let start = 0;
  for (let i = 0; i < rows; i++) {
    const row = i * ITEM_COLUMNS;
    const end = table[row];
    let body: Uint8Array;
    if (end >= 0) {
      body = bytes.subarray(start, end);
      start = end;
    } else body = moved[-1 - end];
    const accept = table[row + 2];
    items[i] = accept < 0
      ? { body, contentType: strings[table[row + 1]] }
      : { body, contentType: strings[table[row + 1]], accept: strings[accept] };
  }
  return items;
}

/**
 * Packs a batch's outcomes for the pool: string bodies joined, small byte bodies copied, large ones moved.
 *
 * @example
 * ```ts
 * import { packOutcomes, unpackOutcomes } from "./batch_wire.ts";
 * const { wire } = packOutcomes([{ status: 200, body: "[0]", contentType: "application/json", headers: {} }]);
 * console.log(unpackOutcomes(wire)[0].body); // [0]
 * ```
 */
export function packOutcomes(outcomes: readonly RawOutcome[]): Packed<WireOutcomes> {
  const n = outcomes.length;
  const head = n * OUTCOME_COLUMNS * 4;
  let copied = 0;
  for (const { body } of outcomes) {
    if (typeof body !== "string" && body.byteLength < MOVE_BODY_BYTES) copied += body.byteLength;
  }
  const buffer = new ArrayBuffer(head + copied);
  const table = new Int32Array(buffer, 0, n * OUTCOME_COLUMNS);
  const bytes = new Uint8Array(buffer, head);
  const texts: string[] = [];
  const strings: string[] = [];
  const moved: Uint8Array[] = [];
  const extra: WireOutcomes["extra"] = [];
  const transfer: ArrayBuffer[] = buffer.byteLength >= MOVE_BODY_BYTES ? [buffer] : [];
  let textEnd = 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const { status, body, contentType, headers, error } = outcomes[i];
    const row = i * OUTCOME_COLUMNS;
    table[row] = status;
    if (typeof body === "string") {
      texts.push(body);
      textEnd += body.length;
      table[row + 1] = IN_TEXT;
      table[row + 2] = textEnd;
    } else if (body.byteLength < MOVE_BODY_BYTES) {
      bytes.set(body, at);
      at += body.byteLength;
      table[row + 1] = IN_BUFFER;
      table[row + 2] = at;
    } else {
      table[row + 1] = MOVED;
      table[row + 2] = moved.length;
      moved.push(body);
      addMovable(body, transfer);
    }
    table[row + 3] = indexOf(strings, contentType);
    if (error !== undefined || !isEmpty(headers)) extra.push([i, headers, error]);
  }
  return { wire: { count: n, buffer, text: texts.join(""), strings, moved, extra }, transfer };
}

/**
 * The outcomes {@link packOutcomes} packed: string bodies are slices of one string, small byte bodies views on
 * one buffer.
 *
 * @example
 * ```ts
 * import { packOutcomes, unpackOutcomes } from "./batch_wire.ts";
 * const { wire } = packOutcomes([{ status: 201, body: new Uint8Array([7]), contentType: "x", headers: { a: "1" } }]);
 * console.log(unpackOutcomes(wire)); // [{ status: 201, body: Uint8Array(1) [7], contentType: "x", headers: { a: "1" } }]
 * ```
 */
export function unpackOutcomes(wire: WireOutcomes): RawOutcome[] {
  const { count: rows, buffer, text, strings, moved, extra } = wire;
  const table = new Int32Array(buffer, 0, rows * OUTCOME_COLUMNS);
  const bytes = new Uint8Array(buffer, rows * OUTCOME_COLUMNS * 4);
  const outcomes: RawOutcome[] = new Array(rows);
  let textStart = 0;
  let start = 0;
  for (let i = 0; i < rows; i++) {
    const row = i * OUTCOME_COLUMNS;
    const where = table[row + 1];
    const end = table[row + 2];
    let body: string | Uint8Array;
    if (where === IN_TEXT) {
      body = text.slice(textStart, end);
      textStart = end;
    } else if (where === IN_BUFFER) {
      body = bytes.subarray(start, end);
      start = end;
    } else body = moved[end];
    outcomes[i] = { status: table[row], body, contentType: strings[table[row + 3]], headers: {} };
  }
  for (const [i, headers, error] of extra) {
    outcomes[i].headers = headers;
    if (error !== undefined) outcomes[i].error = error;
  }
  return outcomes;
}

function isEmpty(record: Record<string, string>): boolean {
  for (const _ in record) return false;
  return true;
}

/**
 * The worker side of `scripts/bench_wire.ts`: answers each batch with 30 iris-sized JSON outcomes, cloned
 * item by item (`clone`) or packed (src/runtime/batch_wire.ts), the small packed buffer transferred
 * (`transfer`) or copied (`copy`); or through a shared slot (scripts/bench_wire_shared.ts), rung by an empty
 * message (`doorbell`, after `attach`) or by the slot's control word (`atomics`: the worker blocks in
 * `Atomics.wait` between batches, or awaits `Atomics.waitAsync`, after spinning `spinMicros` µs, until told
 * to stop).
 *
 * @module
 */
import { packOutcomes, unpackItems, type WireItems } from "../src/runtime/batch_wire.ts";
import type { RawItem, RawOutcome } from "../src/runtime/executor.ts";
import {
  ANSWER,
  readItems,
  REQUEST,
  type SharedSlot,
  sharedSlot,
  STOP,
  writeOutcomes,
} from "./bench_wire_shared.ts";

/** What `bench_wire.ts` posts. */
export type WireBenchMessage =
  | { kind: "empty" }
  | { kind: "clone"; items: RawItem[] }
  | { kind: "transfer" | "copy"; items: WireItems }
  | { kind: "attach"; slot: SharedArrayBuffer }
  | { kind: "doorbell" }
  | { kind: "atomics"; slot: SharedArrayBuffer; spinMicros: number; wait: "block" | "async" };

const scope = globalThis as unknown as {
  onmessage: (event: MessageEvent<WireBenchMessage>) => void;
  postMessage(message: unknown, transfer?: Transferable[]): void;
};
const outcomes: RawOutcome[] = Array.from({ length: 30 }, () => ({
  status: 200,
  body: '[{"prediction":"setosa","probabilities":[0.98,0.02,0.0]}]',
  contentType: "application/json",
  headers: {},
}));

function bytesOf(items: readonly RawItem[]): number {
  let bytes = 0;
  for (const item of items) bytes += item.body.byteLength;
  return bytes;
}

/**
 * Answers the slot's batches until `control[REQUEST]` is {@link STOP}: between batches, spins `spinMicros` µs,
 * then blocks this worker in `Atomics.wait` (`wait` "block") or awaits `Atomics.waitAsync` in its event loop
 * (`wait` "async", as a worker that must still take messages and run async model code would).
 */
async function serveSlot(slot: SharedSlot, spinMicros: number, wait: "block" | "async"): Promise<void> {
  const { control } = slot;
  let seen = Atomics.load(control, ANSWER); // the server may have written a batch before this worker started
  for (;;) {
    let request = Atomics.load(control, REQUEST);
    if (request === seen && spinMicros > 0) {
      const until = performance.now() + spinMicros / 1000;
      while (request === seen && performance.now() < until) request = Atomics.load(control, REQUEST);
    }
    while (request === seen) {
      if (wait === "block") Atomics.wait(control, REQUEST, seen);
      else {
        const waiting = Atomics.waitAsync(control, REQUEST, seen);
        if (waiting.async) await waiting.value;
      }
      request = Atomics.load(control, REQUEST);
    }
    if (request === STOP) return;
    seen = request;
    if (bytesOf(readItems(slot)) === 0) throw new Error("no item came");
    writeOutcomes(slot, outcomes);
    Atomics.store(control, ANSWER, request);
    Atomics.notify(control, ANSWER);
  }
}

let attached: SharedSlot | undefined;

scope.onmessage = ({ data }) => {
  if (data.kind === "empty") return scope.postMessage({ kind: "done" });
  if (data.kind === "clone") return scope.postMessage({ kind: "done", bytes: bytesOf(data.items), outcomes });
  if (data.kind === "attach") return void (attached = sharedSlot(data.slot));
  if (data.kind === "doorbell") {
    if (attached === undefined) throw new Error("doorbell before attach");
    const bytes = bytesOf(readItems(attached));
    writeOutcomes(attached, outcomes);
    return scope.postMessage({ kind: "done", bytes });
  }
  if (data.kind === "atomics") {
    return void serveSlot(sharedSlot(data.slot), data.spinMicros, data.wait).then(() =>
      scope.postMessage({ kind: "stopped" })
    );
  }
  const bytes = bytesOf(unpackItems(data.items));
  const { wire, transfer } = packOutcomes(outcomes);
  const answer = { kind: "done", bytes, outcomes: wire };
  if (data.kind === "transfer") scope.postMessage(answer, [wire.buffer]);
  else if (transfer.length > 0) scope.postMessage(answer, transfer);
  else scope.postMessage(answer); // no second argument: Deno's cheaper path, as the pool does
};

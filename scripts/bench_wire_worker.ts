/**
 * The worker side of `scripts/bench_wire.ts`: answers each batch with 30 iris-sized JSON outcomes, cloned
 * item by item (`clone`) or packed (src/runtime/batch_wire.ts), the small packed buffer transferred
 * (`transfer`) or copied (`copy`).
 *
 * @module
 */
import { packOutcomes, unpackItems, type WireItems } from "../src/runtime/batch_wire.ts";
import type { RawItem, RawOutcome } from "../src/runtime/executor.ts";

/** What `bench_wire.ts` posts. */
export type WireBenchMessage =
  | { kind: "empty" }
  | { kind: "clone"; items: RawItem[] }
  | { kind: "transfer" | "copy"; items: WireItems };

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

scope.onmessage = ({ data }) => {
  if (data.kind === "empty") return scope.postMessage({ kind: "done" });
  if (data.kind === "clone") {
    let bytes = 0;
    for (const item of data.items) bytes += item.body.byteLength;
    return scope.postMessage({ kind: "done", bytes, outcomes });
  }
  let bytes = 0;
  for (const item of unpackItems(data.items)) bytes += item.body.byteLength;
  const { wire, transfer } = packOutcomes(outcomes);
  const answer = { kind: "done", bytes, outcomes: wire };
  if (data.kind === "transfer") scope.postMessage(answer, [wire.buffer]);
  else if (transfer.length > 0) scope.postMessage(answer, transfer);
  else scope.postMessage(answer); // no second argument: Deno's cheaper path, as the pool does
};

/**
 * `deno run -A scripts/bench_wire.ts [--rounds N] [--items N]`: what a batch's round trip to a model worker
 * costs in CPU (both threads, from /proc/self/stat), by how it crosses (src/runtime/batch_wire.ts): nothing
 * (an empty message each way), items and outcomes cloned one object per item (before the packing), packed with
 * the packed buffer transferred, and packed with the small buffer copied (what the pool does). One batch in
 * flight at a time; iris-sized bodies (~80 bytes) and outcomes. Linux only (/proc).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { packItems, unpackOutcomes, type WireOutcomes } from "../src/runtime/batch_wire.ts";
import type { RawItem, RawOutcome } from "../src/runtime/executor.ts";
import type { WireBenchMessage } from "./bench_wire_worker.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string", default: "4000" }, items: { type: "string", default: "30" } },
});
const rounds = Number(values.rounds);
const body = new TextEncoder().encode(
  JSON.stringify([{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]),
);
const items: RawItem[] = Array.from({ length: Number(values.items) }, () => ({
  body: body.slice(),
  contentType: "application/json",
}));

const worker = new Worker(new URL("./bench_wire_worker.ts", import.meta.url), { type: "module" });
let answer: (data: { outcomes?: RawOutcome[] | WireOutcomes }) => void = () => {};
worker.onmessage = (event) => answer(event.data);
const roundTrip = (message: WireBenchMessage, transfer: ArrayBuffer[] = []) =>
  new Promise<{ outcomes?: RawOutcome[] | WireOutcomes }>((resolve) => {
    answer = resolve;
    // No second argument when there is nothing to move: Deno's cheaper path, as the pool does.
    if (transfer.length > 0) worker.postMessage(message, transfer);
    else worker.postMessage(message);
  });

/** CPU seconds of this process, every thread. */
function cpuSeconds(): number {
  const stat = Deno.readTextFileSync("/proc/self/stat");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function measure(kind: WireBenchMessage["kind"]): Promise<number> {
  const cpu0 = cpuSeconds();
  let chars = 0;
  for (let i = 0; i < rounds; i++) {
    if (kind === "empty") await roundTrip({ kind });
    else if (kind === "clone") {
      const { outcomes } = await roundTrip({ kind, items: [...items] });
      for (const o of outcomes as RawOutcome[]) chars += o.body.length;
    } else {
      const { wire } = packItems(items);
      const { outcomes } = await roundTrip({ kind, items: wire }, kind === "transfer" ? [wire.buffer] : []);
      for (const o of unpackOutcomes(outcomes as WireOutcomes)) chars += o.body.length;
    }
  }
  if (kind !== "empty" && chars === 0) throw new Error("no outcome came back");
  return (cpuSeconds() - cpu0) * 1e6 / rounds;
}

console.log(
  `CPU µs per round trip of a batch of ${items.length} (both threads), ${rounds} round trips each:\n`,
);
console.log("| pass | empty | cloned per item | packed, transferred | packed, copied |");
console.log("| ---: | ---: | ---: | ---: | ---: |");
for (let pass = 1; pass <= 3; pass++) {
  const row = [];
  for (const kind of ["empty", "clone", "transfer", "copy"] as const) {
    row.push((await measure(kind)).toFixed(0));
  }
  console.log(`| ${pass} | ${row.join(" | ")} |`);
}
worker.terminate();

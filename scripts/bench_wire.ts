/**
 * `deno run -A scripts/bench_wire.ts [--rounds N] [--items N] [--spin µs]`: what a batch's round trip to a
 * model worker costs in CPU (both threads, from /proc/self/stat) and in wall time, by how it crosses
 * (src/runtime/batch_wire.ts): nothing (an empty message each way), items and outcomes cloned one object per
 * item (before the packing), packed with the packed buffer transferred, packed with the small buffer copied
 * (what the pool does); and, as an experiment, through shared memory (scripts/bench_wire_shared.ts): the
 * packed batch copied into a `SharedArrayBuffer` slot, rung by an empty message each way (`doorbell`), or by
 * the slot's control word: `Atomics.notify` to wake the worker, `Atomics.waitAsync` on the server's thread for
 * the answer, the worker blocked in `Atomics.wait` between batches (`atomics`), spinning `--spin` µs
 * before it blocks (`atomics, spin`), or awaiting `Atomics.waitAsync` in its event loop (`atomics, async`). One batch in flight at a time; iris-sized bodies (~80 bytes) and
 * outcomes. Linux only (/proc).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { packItems, unpackOutcomes, type WireOutcomes } from "../src/runtime/batch_wire.ts";
import type { RawItem, RawOutcome } from "../src/runtime/executor.ts";
import type { WireBenchMessage } from "./bench_wire_worker.ts";
import {
  ANSWER,
  newSlotBuffer,
  readItems,
  readOutcomes,
  REQUEST,
  type SharedSlot,
  sharedSlot,
  STOP,
  writeItems,
  writeOutcomes,
} from "./bench_wire_shared.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    rounds: { type: "string", default: "4000" },
    items: { type: "string", default: "30" },
    spin: { type: "string", default: "50" },
  },
});
const rounds = Number(values.rounds);
const spinMicros = Number(values.spin);
const warmUp = 50;
const body = new TextEncoder().encode(
  JSON.stringify([{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]),
);
const items: RawItem[] = Array.from({ length: Number(values.items) }, () => ({
  body: body.slice(),
  contentType: "application/json",
}));

interface Answer {
  kind: "done" | "stopped";
  outcomes?: RawOutcome[] | WireOutcomes;
}

/** A worker of `bench_wire_worker.ts` with one message in flight at a time. */
class BenchWorker {
  #worker = new Worker(new URL("./bench_wire_worker.ts", import.meta.url), { type: "module" });
  #answer: (data: Answer) => void = () => {};

  constructor() {
    this.#worker.onmessage = (event: MessageEvent<Answer>) => this.#answer(event.data);
  }

  /** Posts `message` and resolves with the worker's next message. */
  roundTrip(message: WireBenchMessage, transfer: ArrayBuffer[] = []): Promise<Answer> {
    return new Promise<Answer>((resolve) => {
      this.#answer = resolve;
      // No second argument when there is nothing to move: Deno's cheaper path, as the pool does.
      if (transfer.length > 0) this.#worker.postMessage(message, transfer);
      else this.#worker.postMessage(message);
    });
  }

  /** Posts `message`, expecting no answer until a later round trip. */
  post(message: WireBenchMessage): void {
    this.#worker.postMessage(message);
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

/** Resolves once the worker has answered batch `request` in the slot. */
async function answered(control: Int32Array<SharedArrayBuffer>, request: number): Promise<void> {
  for (;;) {
    const last = Atomics.load(control, ANSWER);
    if (last === request) return;
    const waiting = Atomics.waitAsync(control, ANSWER, last);
    if (waiting.async) await waiting.value;
  }
}

/** CPU seconds of this process, every thread; or of its main thread (the server's, here) alone. */
function cpuSeconds(thread: "all" | "main" = "all"): number {
  const stat = Deno.readTextFileSync(
    thread === "all" ? "/proc/self/stat" : `/proc/self/task/${Deno.pid}/stat`,
  );
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const variants = [
  "empty",
  "clone",
  "transfer",
  "copy",
  "codec",
  "doorbell",
  "atomics",
  "atomics, spin",
  "atomics, async",
] as const;
type Variant = typeof variants[number];
const titles: Record<Variant, string> = {
  empty: "empty message each way",
  clone: "cloned per item",
  transfer: "packed, transferred",
  copy: "packed, copied (the pool)",
  codec: "shared slot's packing alone, no crossing (one thread)",
  doorbell: "shared slot, empty message each way",
  atomics: "shared slot, Atomics (worker waits)",
  "atomics, spin": `shared slot, Atomics (worker spins ${spinMicros} µs, then waits)`,
  "atomics, async": "shared slot, Atomics (worker awaits `waitAsync`, not blocked)",
};

/** The outcomes bench_wire_worker.ts answers with, for the `codec` row, which crosses nothing. */
const answers: RawOutcome[] = Array.from({ length: 30 }, () => ({
  status: 200,
  body: '[{"prediction":"setosa","probabilities":[0.98,0.02,0.0]}]',
  contentType: "application/json",
  headers: {},
}));

/** One round trip of `kind`, returning the total length of the bodies that came back. */
type RoundTrip = () => Promise<number>;

function sumBodies(outcomes: readonly RawOutcome[]): number {
  let chars = 0;
  for (const o of outcomes) chars += o.body.length;
  return chars;
}

/** The round trip of `kind` through `worker` (`slot`: the shared variants'). */
function roundTripOf(kind: Variant, worker: BenchWorker, slot: SharedSlot): RoundTrip {
  if (kind === "empty") return async () => (await worker.roundTrip({ kind }), 1);
  if (kind === "clone") {
    return async () =>
      sumBodies((await worker.roundTrip({ kind, items: [...items] })).outcomes as RawOutcome[]);
  }
  if (kind === "transfer" || kind === "copy") {
    return async () => {
      const { wire } = packItems(items);
      const { outcomes } = await worker.roundTrip(
        { kind, items: wire },
        kind === "transfer" ? [wire.buffer] : [],
      );
      return sumBodies(unpackOutcomes(outcomes as WireOutcomes));
    };
  }
  if (kind === "codec") {
    return () => {
      writeItems(slot, items);
      if (readItems(slot).length !== items.length) throw new Error("items lost in the slot");
      writeOutcomes(slot, answers);
      return Promise.resolve(sumBodies(readOutcomes(slot)));
    };
  }
  if (kind === "doorbell") {
    return async () => {
      writeItems(slot, items);
      await worker.roundTrip({ kind });
      return sumBodies(readOutcomes(slot));
    };
  }
  let request = Atomics.load(slot.control, REQUEST);
  return async () => {
    writeItems(slot, items);
    Atomics.store(slot.control, REQUEST, ++request);
    Atomics.notify(slot.control, REQUEST);
    await answered(slot.control, request);
    return sumBodies(readOutcomes(slot));
  };
}

/** CPU µs of every thread and of the main thread alone, and wall µs, per round trip. */
interface Figures {
  cpu: number;
  main: number;
  wall: number;
}

/** {@link Figures} of `kind`'s round trip. */
async function measure(kind: Variant, shared: BenchWorker): Promise<Figures> {
  const atomics = kind.startsWith("atomics");
  // A blocked worker takes no message: each Atomics variant gets a worker of its own, stopped afterwards
  // through the control word (`terminate()` alone leaves a thread blocked in `Atomics.wait` in Deno 2.9.6).
  const worker = atomics ? new BenchWorker() : shared;
  const buffer = newSlotBuffer();
  const slot = sharedSlot(buffer);
  if (kind === "doorbell") worker.post({ kind: "attach", slot: buffer });
  const stopped = atomics
    ? worker.roundTrip({
      kind: "atomics",
      slot: buffer,
      spinMicros: kind === "atomics, spin" ? spinMicros : 0,
      wait: kind === "atomics, async" ? "async" : "block",
    })
    : undefined;
  const roundTrip = roundTripOf(kind, worker, slot);
  for (let i = 0; i < warmUp; i++) await roundTrip();
  const cpu0 = cpuSeconds();
  const main0 = cpuSeconds("main");
  const wall0 = performance.now();
  let chars = 0;
  for (let i = 0; i < rounds; i++) chars += await roundTrip();
  const wall = (performance.now() - wall0) * 1e3 / rounds;
  const cpu = (cpuSeconds() - cpu0) * 1e6 / rounds;
  const main = (cpuSeconds("main") - main0) * 1e6 / rounds;
  if (chars === 0) throw new Error("no outcome came back");
  if (stopped !== undefined) {
    Atomics.store(slot.control, REQUEST, STOP);
    Atomics.notify(slot.control, REQUEST);
    await stopped;
    worker.terminate();
  }
  return { cpu, main, wall };
}

console.log(
  `µs per round trip of a batch of ${items.length} (passes 1 / 2 / 3): CPU of every thread, of the main thread (the server's) alone, and wall; ${rounds} round trips each ` +
    `after ${warmUp} unmeasured:\n`,
);
const results = new Map<Variant, Figures[]>(variants.map((kind) => [kind, []]));
const shared = new BenchWorker();
for (let pass = 1; pass <= 3; pass++) {
  for (const kind of variants) results.get(kind)?.push(await measure(kind, shared));
}
shared.terminate();
console.log("| crossing | CPU µs, all threads | of it the main thread | wall µs |");
console.log("| --- | ---: | ---: | ---: |");
for (const [kind, passes] of results) {
  const column = (key: keyof Figures) => passes.map((p) => p[key].toFixed(0)).join(" / ");
  console.log(`| ${titles[kind]} | ${column("cpu")} | ${column("main")} | ${column("wall")} |`);
}

/**
 * `deno run --allow-read --allow-env scripts/bench_counted_stream.ts`: what the registry's metrics cost a
 * transfer. Every push and pull body passes through `countedStream` (src/registry_server/request_metrics.ts);
 * this drains 400 MiB of 64 KiB chunks with and without it, three times, and prints the CPU time of each
 * (process CPU, so other load on the machine counts less than in a wall-clock timing).
 *
 * @module
 */
import process from "node:process";
import { countedStream } from "../src/registry_server/request_metrics.ts";

const CHUNK = new Uint8Array(64 * 1024);
const CHUNKS = 6400; // 400 MiB

function source(): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent++ < CHUNKS) c.enqueue(CHUNK);
      else c.close();
    },
  });
}

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.byteLength;
  }
}

let counted = 0;
const kinds: [string, () => ReadableStream<Uint8Array>][] = [
  ["plain", source],
  ["counted", () => countedStream(source(), { onBytes: (n) => counted += n, onEnd() {} })],
];
for (let run = 1; run <= 3; run++) {
  for (const [name, make] of kinds) {
    const before = process.cpuUsage();
    const bytes = await drain(make());
    const used = process.cpuUsage(before);
    console.log(
      `run ${run} ${name.padEnd(7)}: ${((used.user + used.system) / 1000).toFixed(0)} ms CPU for ${
        bytes / 2 ** 20
      } MiB`,
    );
  }
}

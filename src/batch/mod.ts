/**
 * Offline batch runs: {@link runBatch} streams records through a loaded service's API with flat memory,
 * results in input order; `obento run` builds on the same pieces (sources, sinks, checkpoints, shards).
 *
 * @module
 */
export { type BatchRow, runBatch, type RunBatchOptions } from "./run_batch.ts";
export { parseShard, type Shard } from "./shard.ts";

/**
 * `obento run`'s supervised job as messages (src/cli/run_sandboxed.ts ↔ src/batch/chunk_items.ts): the job
 * runs in the worker from a {@link JobStep} with a start (where to start, what to read, how to encode), and
 * each further step asks for its next {@link JobReport}. A report travels as one byte buffer (transferred,
 * not copied): a little-endian u32 header length, the header as JSON (counts, failures, the sink's state),
 * then the output bytes as they are, so the host only appends them to the output.
 *
 * A step carries the job's `epoch`: after a worker is replaced, the host starts the job again in the new
 * worker with a new epoch, and a step of an older epoch that reaches it is answered {@link STALE_STATUS}.
 * Before the job, one item of type {@link DESCRIBE_TYPE} asks who the service is ({@link ApiDescription}).
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { EngineOptions, EngineStart, JobReport } from "./job_engine.ts";

/** The content type of an item that is one step of a job in the worker. */
export const JOB_TYPE = "application/vnd.obento.job";

/** The status a worker answers a step of a job it does not run (an older epoch's). */
export const STALE_STATUS = 409;

/** The content type of an item that asks for the service's {@link ApiDescription} (and checks the API). */
export const DESCRIBE_TYPE = "application/vnd.obento.describe";

/** Who answers a job's steps: the service's bundle name and version. */
export interface ApiDescription {
  /** The service's bundle name. */
  name: string;
  /** The bundle's version. */
  version: string;
}

/**
 * Where the worker reads the input: a file, folder or glob (stdin: the CLI's copy of it, named "stdin" in
 * messages), or `--input`'s JSON text.
 */
export type JobInput =
  | { readonly path: string; readonly format?: string; readonly cwd: string; readonly name?: string }
  | { readonly inline: string };

/** A job to start in the worker. */
export interface JobStart {
  /** The input. */
  input: JobInput;
  /** What the engine does. */
  options: EngineOptions;
  /** Where it starts. */
  start: EngineStart;
}

/** One step: with `start`, (re)start the job and answer its first report; without, answer the next. */
export interface JobStep {
  /** The job's epoch (a new one after each restart). */
  epoch: number;
  /** Starts the job. */
  start?: JobStart;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A step as an item body. */
export function stepToBytes(step: JobStep): Uint8Array {
  return encoder.encode(JSON.stringify(step));
}

/** What {@link stepToBytes} wrote. */
export function stepFromBytes(bytes: Uint8Array): JobStep {
  return JSON.parse(decoder.decode(bytes)) as JobStep;
}

/** A description as an item body. */
export function descriptionToBytes(description: ApiDescription): Uint8Array {
  return encoder.encode(JSON.stringify(description));
}

/** What {@link descriptionToBytes} wrote. */
export function descriptionFromBytes(bytes: Uint8Array): ApiDescription {
  return JSON.parse(decoder.decode(bytes)) as ApiDescription;
}

/**
 * A report as one buffer, the output bytes copied once after the header.
 *
 * @example
 * ```ts
 * import { reportFromBytes, reportToBytes } from "./report_wire.ts";
 * const bytes = reportToBytes({ kind: "end", bytes: new TextEncoder().encode("]\n") });
 * console.log(reportFromBytes(bytes)); // { kind: "end", bytes: Uint8Array [93, 10] }
 * ```
 */
export function reportToBytes(report: JobReport): Uint8Array {
  const { bytes, ...header } = report;
  const head = encoder.encode(JSON.stringify(header));
  const out = new Uint8Array(4 + head.length + bytes.length);
  new DataView(out.buffer).setUint32(0, head.length, true);
  out.set(head, 4);
  out.set(bytes, 4 + head.length);
  return out;
}

/**
 * What {@link reportToBytes} wrote; its bytes are a view into `bytes`.
 *
 * @throws {ObentoError} INTERNAL when `bytes` is not a report
 */
export function reportFromBytes(bytes: Uint8Array): JobReport {
  if (bytes.length < 4) throw new ObentoError("INTERNAL", "a job report of fewer than 4 bytes");
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + length > bytes.length) throw new ObentoError("INTERNAL", "a job report shorter than its header");
  const header = JSON.parse(decoder.decode(bytes.subarray(4, 4 + length)));
  return { ...header, bytes: bytes.subarray(4 + length) } as JobReport;
}

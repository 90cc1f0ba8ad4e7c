/**
 * Reads request bodies within three bounds: `--max-body` (one body; 413), the body budget (`--max-body-total`,
 * all bodies held at once; 503 + `Retry-After`, decided before a declared body is read) and the request's
 * deadline (`--timeout`; a body still arriving when it passes gets 504 at once, not after it arrived).
 *
 * @module
 */
import { type OptionNamer, sdkOptionName } from "../option_name.ts";
import { messageOf, ObentoError } from "../errors.ts";
import { DeadlineError, ShedError } from "./batcher_errors.ts";
import type { BodyBudget } from "./body_budget.ts";

/** A body read and the budget it holds; call `release()` once the request is answered. */
export interface HeldBody {
  /** The body's bytes. */
  readonly bytes: Uint8Array;
  /** Gives its bytes back to the budget (idempotent). */
  release(): void;
}

/** What {@link BodyReader} enforces. */
export interface BodyLimits {
  /** Largest body in bytes (`--max-body`). */
  maxBodyBytes: number;
  /** The budget every body held counts against (`--max-body-total`). */
  budget: BodyBudget;
  /** The configured deadline in ms, for messages. */
  timeoutMs: number;
  /** How messages name `maxBodyBytes`, `maxBodyTotalBytes` and `timeoutMs` (src/option_name.ts). Default: as is. */
  optionName?: OptionNamer;
}

/** Declared bodies at least this large are read into one buffer of their size, not through `arrayBuffer()`. */
export const STREAM_DECLARED_BYTES = 64 * 1024;

/** How often pending reads are checked against their deadlines, in ms (a 504 comes at most this late). */
export const READ_DEADLINE_TICK_MS = 50;

/**
 * Watches the deadlines of pending body reads with one interval timer, running only while reads are pending:
 * a timer per request costs more than a tiny model's inference.
 */
class ReadDeadlines {
  readonly #pending = new Map<() => void, number>();
  readonly #now: () => number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Calls `expire` once `deadline` passes unless the returned function is called first. */
  watch(deadline: number, expire: () => void): () => void {
    this.#pending.set(expire, deadline);
    this.#timer ??= setInterval(() => this.#tick(), READ_DEADLINE_TICK_MS);
    return () => this.#pending.delete(expire);
  }

  #tick(): void {
    const now = this.#now();
    for (const [expire, deadline] of this.#pending) {
      if (deadline <= now) {
        this.#pending.delete(expire);
        expire();
      }
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

function tooLarge(option: OptionNamer, limit: number, size?: number): ObentoError {
  const what = size === undefined ? "request body" : `request body of ${size} bytes`;
  return new ObentoError("BAD_INPUT", `${what} exceeds ${option("maxBodyBytes")} ${limit} bytes`, {
    status: 413,
  });
}

function overBudget(option: OptionNamer, budget: BodyBudget, bytes: number): ShedError {
  return new ShedError(
    "body_budget",
    `the server holds ${budget.reserved} bytes of request bodies and this one (${bytes} bytes) would pass ` +
      `${option("maxBodyTotalBytes")} ${budget.limit}; retry later`,
    1,
  );
}

/**
 * Reads request bodies within {@link BodyLimits}.
 *
 * @example
 * ```ts
 * import { BodyBudget } from "./body_budget.ts";
 * import { BodyReader } from "./body_reader.ts";
 * const budget = new BodyBudget(1024);
 * const reader = new BodyReader({ maxBodyBytes: 100, budget, timeoutMs: 1000 });
 * const body = await reader.read(new Request("http://x/", { method: "POST", body: "hi" }), Date.now() + 1000);
 * console.log(body.bytes.length, budget.reserved); // 2 2
 * body.release();
 * console.log(budget.reserved); // 0
 * ```
 */
export class BodyReader {
  readonly #limits: BodyLimits;
  readonly #option: OptionNamer;
  readonly #now: () => number;
  readonly #deadlines: ReadDeadlines;

  /** Makes a reader; `now` is the clock deadlines are measured on (default wall time in ms). */
  constructor(limits: BodyLimits, now: () => number = () => performance.timeOrigin + performance.now()) {
    this.#limits = limits;
    this.#option = limits.optionName ?? sdkOptionName;
    this.#now = now;
    this.#deadlines = new ReadDeadlines(now);
  }

  /**
   * Reads `request`'s body before `deadline` (ms on the reader's clock), holding its bytes in the budget.
   * @throws ObentoError 413 past `--max-body`; ShedError 503 when the budget cannot hold it; DeadlineError
   * 504 (stage `body`) when the deadline passes while the body is still arriving
   */
  async read(request: Request, deadline: number): Promise<HeldBody> {
    const { maxBodyBytes, budget } = this.#limits;
    const declared = Number(request.headers.get("content-length") ?? "NaN");
    if (declared > maxBodyBytes) throw tooLarge(this.#option, maxBodyBytes, declared);
    let reserved = 0;
    const release = () => {
      budget.release(reserved);
      reserved = 0;
    };
    const reserve = (bytes: number) => {
      if (!budget.tryReserve(bytes)) throw overBudget(this.#option, budget, bytes);
      reserved += bytes;
    };
    try {
      if (Number.isFinite(declared)) {
        // Refused before a byte of the body is read.
        reserve(declared);
        if (declared < STREAM_DECLARED_BYTES) {
          // `request.body` is not touched on this path: the getter creates a ReadableStream, and reading
          // through it costs more than a tiny model's inference.
          const bytes = new Uint8Array(await this.#beforeDeadline(request.arrayBuffer(), deadline, declared));
          return { bytes, release };
        }
        // A large body goes straight into one buffer of its declared size: `arrayBuffer()` would hold its
        // chunks and their concatenation at once, twice what the budget counts.
        const reader = request.body!.getReader();
        const bytes = await this.#beforeDeadline(
          intoBuffer(reader, declared),
          deadline,
          declared,
          () => void reader.cancel().catch(() => {}),
        );
        return { bytes, release };
      }
      if (!request.body) return { bytes: new Uint8Array(), release };
      const reader = request.body.getReader();
      const chunks = await this.#beforeDeadline(
        (async () => {
          const read: Uint8Array[] = [];
          let size = 0;
          try {
            for (;;) {
              const { done, value } = await reader.read();
              if (done) return read;
              size += value.length;
              if (size > maxBodyBytes) throw tooLarge(this.#option, maxBodyBytes);
              reserve(value.length);
              read.push(value);
            }
          } catch (error) {
            await reader.cancel().catch(() => {});
            throw error;
          }
        })(),
        deadline,
        undefined,
        () => void reader.cancel().catch(() => {}),
      );
      return { bytes: concat(chunks, reserved), release };
    } catch (error) {
      release();
      if (error instanceof ObentoError) throw error;
      // The client broke the exchange (hung up, or sent less than its Content-Length): a 400, not a 500.
      throw new ObentoError(
        "BAD_INPUT",
        `the request body ended early (${
          messageOf(error)
        }); the client closed the connection or sent fewer ` +
          "bytes than its Content-Length",
        { cause: error },
      );
    }
  }

  /**
   * Before answering `request` with `status` without having read its body: reads and drops the body, so the
   * connection can carry the client's next (pipelined) request; the transport closes a connection whose
   * request body was left unread. Returns `"close"` when the body is not drained and the response should say
   * `Connection: close`: a refusal (413, 503) must not read what it refused, and a body past `--max-body`, one
   * still arriving at `deadline`, or one that fails is given up.
   */
  async drain(request: Request, status: number, deadline: number): Promise<"done" | "close"> {
    const length = request.headers.get("content-length");
    const chunked = request.headers.has("transfer-encoding");
    if ((length === null || length === "0") && !chunked) return "done";
    if (request.bodyUsed) return "done";
    const declared = Number(length ?? "NaN");
    if (status === 413 || status === 503 || declared > this.#limits.maxBodyBytes || !request.body) {
      return "close";
    }
    const reader = request.body.getReader();
    try {
      await this.#beforeDeadline(
        (async () => {
          let size = 0;
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            size += value.length;
            if (size > this.#limits.maxBodyBytes) throw tooLarge(this.#option, this.#limits.maxBodyBytes);
          }
        })(),
        deadline,
        undefined,
        () => void reader.cancel().catch(() => {}),
      );
      return "done";
    } catch {
      await reader.cancel().catch(() => {});
      return "close";
    }
  }

  /** `reading`, or a 504 once `deadline` passes first (`onExpire` stops the read where it can). */
  #beforeDeadline<T>(
    reading: Promise<T>,
    deadline: number,
    declared: number | undefined,
    onExpire: () => void = () => {},
  ): Promise<T> {
    const started = this.#now();
    if (!Number.isFinite(deadline)) return reading;
    return new Promise<T>((resolve, reject) => {
      const stop = this.#deadlines.watch(deadline, () => {
        onExpire();
        // The read goes on in the background until the client stops sending; its outcome is dropped.
        reading.catch(() => {});
        const timeoutMs = this.#limits.timeoutMs;
        const option = this.#option;
        const late = Math.round(this.#now() - started);
        reject(
          new DeadlineError(
            "body",
            `${
              option("timeoutMs")
            } (${timeoutMs} ms) expired while the request body was still arriving (${late} ms ` +
              `spent reading it${declared === undefined ? "" : `, ${declared} bytes declared`}); send the ` +
              `body faster, or raise ${option("timeoutMs")}`,
          ),
        );
      });
      reading.then((value) => {
        stop();
        resolve(value);
      }, (error) => {
        stop();
        reject(error);
      });
    });
  }
}

/** Reads `reader` into one buffer of `size` bytes (the transport holds a body to its Content-Length). */
async function intoBuffer(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  size: number,
): Promise<Uint8Array> {
  const body = new Uint8Array(size);
  let offset = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (offset + value.length > size) {
      await reader.cancel().catch(() => {});
      throw new ObentoError("BAD_INPUT", `request body longer than its Content-Length ${size}`);
    }
    body.set(value, offset);
    offset += value.length;
  }
  return offset === size ? body : body.subarray(0, offset);
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

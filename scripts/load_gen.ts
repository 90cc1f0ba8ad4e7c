/**
 * A small HTTP/1.1 load generator for the overload benchmark (`scripts/bench_overload.ts`): raw keep-alive
 * TCP connections (no `fetch`: on the 2-core machine the generator shares the cores with the server, and
 * `fetch` costs several times more per request), one request in flight per connection, responses parsed
 * just enough to get the status, `Retry-After`, `Connection: close` and the body's length.
 *
 * Two ways to offer load:
 * - {@link closedLoop}: `connections` clients, each sending its next request as soon as its last one is
 *   answered (what wrk does): the capacity measurement;
 * - {@link openLoop}: requests arrive at a fixed rate whatever the server does (users do not slow down
 *   because the server is slow); a refused request (503) is retried at once or after its `Retry-After`, and
 *   given up after `giveUpMs`. Requests wait in the generator for a free connection when all `connections`
 *   are busy (a client's connection pool), and that wait counts against `giveUpMs` but not in the latency.
 *
 * wrk cannot do the second: it is closed-loop only, and its Lua `delay()` is per thread, not per request.
 *
 * @module
 */

/** One parsed response. */
export interface ParsedResponse {
  /** HTTP status. */
  status: number;
  /** `Retry-After` in seconds, when present and numeric. */
  retryAfter?: number;
  /** The server said `Connection: close`. */
  close: boolean;
  /** Bytes of the whole response (head and body). */
  length: number;
}

const HEAD_END = [13, 10, 13, 10];

function indexOfHeadEnd(buf: Uint8Array, from: number, to: number): number {
  for (let i = Math.max(from, 3); i < to; i++) {
    if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) return i + 1;
  }
  return -1;
}

const latin1 = new TextDecoder("latin1");

/**
 * Parses one response from the start of `buf[0, end)`; undefined when it is not complete yet.
 *
 * @throws {Error} on a response this generator does not handle (chunked bodies, a bad status line)
 */
export function parseResponse(buf: Uint8Array, end: number): ParsedResponse | undefined {
  const headEnd = indexOfHeadEnd(buf, 0, end);
  if (headEnd < 0) return undefined;
  const head = latin1.decode(buf.subarray(0, headEnd - HEAD_END.length));
  const status = Number(head.slice(9, 12));
  if (!head.startsWith("HTTP/1.") || !(status >= 100)) {
    throw new Error(`bad status line: ${head.slice(0, 40)}`);
  }
  let contentLength = 0;
  let retryAfter: number | undefined;
  let close = false;
  for (const line of head.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-length") contentLength = Number(value);
    else if (name === "retry-after" && /^\d+$/.test(value)) retryAfter = Number(value);
    else if (name === "connection" && value.toLowerCase() === "close") close = true;
    else if (name === "transfer-encoding") throw new Error(`transfer-encoding ${value} is not handled`);
  }
  const length = headEnd + contentLength;
  if (end < length) return undefined;
  return { status, retryAfter, close, length };
}

/** A keep-alive connection with one request in flight at a time. */
class Connection {
  readonly #conn: Deno.TcpConn;
  #buf = new Uint8Array(64 * 1024);
  #end = 0;
  closed = false;

  private constructor(conn: Deno.TcpConn) {
    this.#conn = conn;
  }

  static async open(hostname: string, port: number): Promise<Connection> {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    return new Connection(conn);
  }

  /** Sends `request` (a whole HTTP/1.1 request) and reads its response. */
  async send(request: Uint8Array): Promise<ParsedResponse> {
    let written = 0;
    while (written < request.length) written += await this.#conn.write(request.subarray(written));
    for (;;) {
      const parsed = parseResponse(this.#buf, this.#end);
      if (parsed !== undefined) {
        this.#buf.copyWithin(0, parsed.length, this.#end);
        this.#end -= parsed.length;
        if (parsed.close) this.close();
        return parsed;
      }
      if (this.#end === this.#buf.length) {
        const bigger = new Uint8Array(this.#buf.length * 2);
        bigger.set(this.#buf);
        this.#buf = bigger;
      }
      const n = await this.#conn.read(this.#buf.subarray(this.#end));
      if (n === null) {
        this.close();
        throw new Error("connection closed by the server");
      }
      this.#end += n;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }
}

/** Where to send what. */
export interface Target {
  hostname: string;
  port: number;
  path: string;
  /** The JSON body of every request. */
  body: string;
}

/** The bytes of one POST request to `target`. */
export function requestBytes(target: Target): Uint8Array {
  const body = new TextEncoder().encode(target.body);
  const head = new TextEncoder().encode(
    `POST ${target.path} HTTP/1.1\r\nHost: ${target.hostname}:${target.port}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return bytes;
}

/** What a run counted. */
export interface LoadResult {
  /** Seconds measured. */
  seconds: number;
  /** Requests answered 2xx. */
  ok: number;
  /** Attempts answered 503. */
  refused: number;
  /** Of those, answered with a numeric `Retry-After`. */
  refusedWithRetryAfter: number;
  /** Attempts answered with another status, or failed on the connection. */
  errors: number;
  /** Other statuses seen, by status (0: connection error). */
  otherStatuses: Record<number, number>;
  /** Logical requests given up after `giveUpMs` (open loop only). */
  givenUp: number;
  /** Logical requests offered (open loop: arrivals; closed loop: requests sent). */
  offered: number;
  /** Latency of 2xx answers (attempt sent → answer), ms, sorted ascending. */
  latencies: Float64Array;
  /** 2xx per second. */
  goodput: number;
}

/** Percentile `p` (0–100) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

class Tally {
  ok = 0;
  refused = 0;
  refusedWithRetryAfter = 0;
  errors = 0;
  givenUp = 0;
  offered = 0;
  readonly other: Record<number, number> = {};
  latencies: number[] = [];

  count(status: number, retryAfter: number | undefined, ms: number): void {
    if (status >= 200 && status < 300) {
      this.ok++;
      this.latencies.push(ms);
    } else if (status === 503) {
      this.refused++;
      if (retryAfter !== undefined) this.refusedWithRetryAfter++;
    } else {
      this.errors++;
      this.other[status] = (this.other[status] ?? 0) + 1;
    }
  }

  result(seconds: number): LoadResult {
    const latencies = Float64Array.from(this.latencies).sort();
    return {
      seconds,
      ok: this.ok,
      refused: this.refused,
      refusedWithRetryAfter: this.refusedWithRetryAfter,
      errors: this.errors,
      otherStatuses: this.other,
      givenUp: this.givenUp,
      offered: this.offered,
      latencies,
      goodput: this.ok / seconds,
    };
  }
}

/**
 * `connections` clients sending back to back for `seconds` (503s are retried at once, as wrk does).
 */
export async function closedLoop(target: Target, connections: number, seconds: number): Promise<LoadResult> {
  const request = requestBytes(target);
  const tally = new Tally();
  const start = performance.now();
  const stop = start + seconds * 1000;
  await Promise.all(Array.from({ length: connections }, async () => {
    let conn: Connection | undefined;
    while (performance.now() < stop) {
      try {
        if (conn === undefined || conn.closed) conn = await Connection.open(target.hostname, target.port);
        const sent = performance.now();
        tally.offered++;
        const r = await conn.send(request);
        tally.count(r.status, r.retryAfter, performance.now() - sent);
      } catch {
        tally.errors++;
        tally.other[0] = (tally.other[0] ?? 0) + 1;
        conn?.close();
        conn = undefined;
      }
    }
    conn?.close();
  }));
  return tally.result((performance.now() - start) / 1000);
}

/** How an open-loop client answers a 503. */
export type RetryPolicy = "immediate" | "retry-after";

/** Options for {@link openLoop}. */
export interface OpenLoopOptions {
  /** Arrivals per second. */
  rate: number;
  /** Seconds of arrivals. */
  seconds: number;
  /** What a refused request does. */
  retry: RetryPolicy;
  /** Most connections open at once (the clients' connection pool). */
  connections: number;
  /** A logical request not answered 2xx within this many ms of its arrival is given up. */
  giveUpMs: number;
}

/**
 * Offers `rate` requests per second for `seconds`, retrying refused ones as `retry` says; counts only
 * what happens during those seconds (requests still open at the end are abandoned, not counted).
 */
export async function openLoop(target: Target, options: OpenLoopOptions): Promise<LoadResult> {
  const request = requestBytes(target);
  const tally = new Tally();
  const idle: Connection[] = [];
  let open = 0;
  /** Arrival times of logical requests waiting for a connection. */
  const waiting: number[] = [];
  let waitHead = 0;
  const start = performance.now();
  const stop = start + options.seconds * 1000;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let running = true;

  const attempt = async (born: number): Promise<void> => {
    while (running) {
      if (performance.now() - born > options.giveUpMs) {
        tally.givenUp++;
        return release();
      }
      let conn = idle.pop();
      try {
        if (conn === undefined) {
          open++;
          conn = await Connection.open(target.hostname, target.port);
        }
        const sent = performance.now();
        const r = await conn.send(request);
        if (!running) return conn.close();
        tally.count(r.status, r.retryAfter, performance.now() - sent);
        if (conn.closed) {
          open--;
          conn = undefined;
        }
        if (r.status !== 503) {
          if (conn) idle.push(conn);
          return release();
        }
        if (options.retry === "retry-after") {
          if (conn) idle.push(conn);
          const wait = (r.retryAfter ?? 1) * 1000;
          if (performance.now() + wait - born > options.giveUpMs) {
            tally.givenUp++;
            return release();
          }
          release();
          const t = setTimeout(() => {
            timers.delete(t);
            submit(born);
          }, wait);
          timers.add(t);
          return;
        }
        if (conn) idle.push(conn); // immediate: loop and send again
      } catch {
        tally.errors++;
        tally.other[0] = (tally.other[0] ?? 0) + 1;
        conn?.close();
        open--;
        return release();
      }
    }
  };
  /** A connection was given back (or a request left): the next waiting request may go. */
  const release = (): void => {
    if (waitHead < waiting.length && (idle.length > 0 || open < options.connections)) {
      const born = waiting[waitHead++];
      if (waitHead > 4096 && waitHead * 2 > waiting.length) {
        waiting.splice(0, waitHead);
        waitHead = 0;
      }
      void attempt(born);
    }
  };
  const submit = (born: number): void => {
    if (!running) return;
    if (idle.length > 0 || open < options.connections) void attempt(born);
    else waiting.push(born);
  };

  let issued = 0;
  while (performance.now() < stop) {
    const now = performance.now();
    const due = Math.floor(((now - start) / 1000) * options.rate);
    for (; issued < due; issued++) {
      tally.offered++;
      submit(start + (issued / options.rate) * 1000);
    }
    // Requests waiting longer than giveUpMs for a connection are given up.
    while (waitHead < waiting.length && now - waiting[waitHead] > options.giveUpMs) {
      waitHead++;
      tally.givenUp++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  running = false;
  const seconds = (performance.now() - start) / 1000;
  for (const t of timers) clearTimeout(t);
  for (const c of idle) c.close();
  // In-flight attempts end on their own (their connections are closed when their answer comes).
  return tally.result(seconds);
}

/**
 * The drain phase of a shutdown: for a short while after the first SIGTERM the server keeps accepting and
 * serving, but answers every request with `Connection: close` (and `/readyz` says 503), so clients holding
 * keep-alive connections learn to open a new one and load balancers stop sending; only then does it stop
 * accepting and close idle connections. Without it, a request sent on an idle keep-alive connection just as
 * the server closes that connection fails with a connection error though it never ran (55 of 30,872 in
 * the SIGTERM fault scenario, docs/reliability.md "Faults").
 *
 * The drain lasts `--shutdown-drain` ms, and ends early once {@link DRAIN_QUIET_MS} pass without a request:
 * with no traffic there is nobody left to tell, and a server stopped at a terminal or by a test does not wait.
 *
 * `Deno.serve` in Deno 2.9.6 sends the header but keeps the connection open (a further request on it is
 * served); HTTP/1.1 clients stop using a connection once they read it (RFC 9112, 9.6), so only a client that
 * ignores it keeps the race. node:http (`--transport bounded`) closes the connection after the answer.
 *
 * @module
 */
import { defaultSetTimer, type SetTimer } from "./set_timer.ts";

/** The drain ends early once this long passes without a request, in ms. */
export const DRAIN_QUIET_MS = 250;

/** Why a drain ended. */
export type DrainEnd = "skipped" | "quiet" | "time";

/** Options for {@link ConnectionDrain}. */
export interface ConnectionDrainOptions {
  /** Longest drain in ms; 0 skips it. */
  drainMs: number;
  /** The drain ends once this long passes without a request (default {@link DRAIN_QUIET_MS}). */
  quietMs?: number;
  /** Timer seam for tests (default `setTimeout`). */
  setTimer?: SetTimer;
  /** Clock seam for tests, ms (default `performance.now`). */
  now?: () => number;
}

/** `response` with `Connection: close` (copied first when its headers are immutable). */
export function closingConnection(response: Response): Response {
  try {
    response.headers.set("connection", "close");
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set("connection", "close");
    return copy;
  }
}

/**
 * Counts requests, and once {@link ConnectionDrain.start} has run, marks every answer to close its
 * connection until {@link ConnectionDrain.start}'s promise settles (and after: the server is stopping).
 *
 * @example
 * ```ts
 * import { ConnectionDrain } from "./drain.ts";
 * const drain = new ConnectionDrain({ drainMs: 1000 });
 * const serve = (request: Request) => {
 *   drain.arrived();
 *   return drain.answer(new Response("ok"));
 * };
 * console.log(serve(new Request("http://x/")).headers.get("connection")); // null
 * const ended = drain.start(); // on SIGTERM; resolves "quiet" once 250 ms pass without a request
 * console.log(serve(new Request("http://x/")).headers.get("connection")); // close
 * console.log(await ended); // quiet
 * ```
 */
export class ConnectionDrain {
  readonly #drainMs: number;
  readonly #quietMs: number;
  readonly #setTimer: SetTimer;
  readonly #now: () => number;
  #arrivals = 0;
  #draining = false;

  constructor(options: ConnectionDrainOptions) {
    this.#drainMs = options.drainMs;
    this.#quietMs = Math.min(options.quietMs ?? DRAIN_QUIET_MS, options.drainMs);
    this.#setTimer = options.setTimer ?? defaultSetTimer;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Whether answers now close their connection (from {@link start} on). */
  get draining(): boolean {
    return this.#draining;
  }

  /** Notes a request's arrival: the drain goes on while requests keep coming. */
  arrived(): void {
    this.#arrivals++;
  }

  /** `response`, with `Connection: close` once the drain has started. */
  answer(response: Response): Response {
    return this.#draining ? closingConnection(response) : response;
  }

  /**
   * Starts the drain: from now on every answer closes its connection. Resolves when the server should stop
   * accepting: at once (`skipped`) when the drain is 0 ms or `wait` is false, once a quiet time passes
   * without a request (`quiet`), or when the drain's time is up (`time`). Call once.
   */
  start(wait = true): Promise<DrainEnd> {
    this.#draining = true;
    if (this.#drainMs <= 0 || !wait) return Promise.resolve("skipped");
    return new Promise<DrainEnd>((resolve) => {
      let cancelQuiet = () => {};
      const cancelEnd = this.#setTimer(() => {
        cancelQuiet();
        resolve("time");
      }, this.#drainMs);
      let seen = this.#arrivals;
      const watch = () => {
        const armed = this.#now();
        cancelQuiet = this.#setTimer(() => {
          // A window counts as quiet only when its timer fired on time: after a stall of the event loop (a
          // loaded machine, a long collection) requests may be waiting unread, and the timer runs first.
          const onTime = this.#now() - armed < this.#quietMs * 1.5;
          if (this.#arrivals === seen && onTime) {
            cancelEnd();
            resolve("quiet");
            return;
          }
          seen = this.#arrivals;
          watch();
        }, this.#quietMs);
      };
      watch();
    });
  }
}

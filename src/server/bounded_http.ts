/**
 * An HTTP/1.1 server whose connections are bounded: a header-read timeout, a keep-alive idle timeout and a
 * maximum number of open connections. `Deno.serve` in Deno 2.9.6 has none of these (its TCP options are port,
 * hostname, reusePort and tcpBacklog), so this serves through `node:http`, which enforces the keep-alive
 * timeout and `maxConnections`; the header-read timeout is ours, one timer per connection (Deno's `node:http`
 * ignores `headersTimeout`). Requests and responses cross the edge as web `Request`/`Response`, so the app
 * is the same fetch handler `Deno.serve` takes. docs/serving.md ("Connections") gives the defaults and the
 * throughput this costs.
 *
 * @module
 */
import { SERVE_DEFAULTS } from "../defaults.ts";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** The bounds on connections; every field is a flag of `obento serve`. */
export interface ConnectionBounds {
  /**
   * How long a client may take to send a request's headers, in ms: from the connection's start, and from the
   * end of the keep-alive idle time after an answer. Past it the connection is closed without an answer.
   */
  headerTimeoutMs: number;
  /** How long a keep-alive connection may stay idle after an answer, in ms, before it is closed. */
  idleTimeoutMs: number;
  /** Most connections open at once; one past it is closed at once, before anything is read. */
  maxConnections: number;
}

/** The defaults of `obento serve --header-timeout`, `--idle-timeout` and `--max-connections`. */
export const DEFAULT_CONNECTION_BOUNDS: Readonly<ConnectionBounds> = {
  headerTimeoutMs: SERVE_DEFAULTS.headerTimeoutMs,
  idleTimeoutMs: SERVE_DEFAULTS.idleTimeoutMs,
  maxConnections: SERVE_DEFAULTS.maxConnections,
};

/** Options for {@link serveBounded}. */
export interface BoundedServeOptions extends ConnectionBounds {
  /** Address to bind. */
  hostname: string;
  /** Port (0 picks a free one). */
  port: number;
  /** Called once the port is bound. */
  onListen?: (addr: { hostname: string; port: number }) => void;
}

/** A running bounded server: the subset of `Deno.HttpServer` that serve.ts uses. */
export interface BoundedServer {
  /** Stops accepting, lets in-flight requests finish, then closes every connection. */
  shutdown(): Promise<void>;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
  /** Connections open now (for tests and metrics). */
  connections(): number;
}

/**
 * The web `Request` for a node request; its signal aborts when the client goes away before the answer, and its
 * body fails when the client goes away (or half-closes) before sending all of it. A client that half-closes
 * after a complete request keeps its connection until the answer is written.
 */
function toRequest(req: IncomingMessage, res: ServerResponse, origin: string): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  const method = req.method ?? "GET";
  const controller = new AbortController();
  const gone = () => new DOMException("the client went away before sending the whole request", "AbortError");
  let failBody = (_error: DOMException) => {};
  const socket = req.socket;
  const onEnd = () => {
    if (req.complete) return;
    failBody(gone());
    socket.destroy();
  };
  socket.once("end", onEnd);
  res.once("close", () => {
    socket.off("end", onEnd);
    if (!req.complete) failBody(gone());
    if (!res.writableFinished) controller.abort(new DOMException("the client went away", "AbortError"));
  });
  let body: ReadableStream<Uint8Array> | null = null;
  if (method !== "GET" && method !== "HEAD") {
    body = new ReadableStream<Uint8Array>({
      start(stream) {
        let open = true;
        failBody = (error) => {
          if (!open) return;
          open = false;
          stream.error(error);
        };
        req.on("data", (chunk: Uint8Array) => {
          if (!open) return;
          stream.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((stream.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once("end", () => {
          if (!open) return;
          open = false;
          stream.close();
        });
        req.once("error", () => failBody(gone()));
      },
      pull() {
        req.resume();
      },
      cancel() {
        failBody = () => {};
        req.resume(); // drained and dropped, so the connection can carry the next request
      },
    }, { highWaterMark: 4 });
  }
  return new Request(`${origin}${req.url ?? "/"}`, {
    method,
    headers,
    body,
    signal: controller.signal,
    // @ts-ignore: `duplex` is required for a streamed body and missing from Deno's RequestInit type.
    duplex: "half",
  });
}

/** Writes a web `Response` to a node response, streaming its body with backpressure. */
async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    res.setHeader(name, name === "set-cookie" ? response.headers.getSetCookie() : value);
  }
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    const first = await reader.read();
    const second = first.done ? first : await reader.read();
    if (second.done) {
      // The usual case: the whole body in one chunk, sent with its length in one write.
      const bytes = first.done ? new Uint8Array(0) : first.value;
      if (!res.hasHeader("content-length")) res.setHeader("content-length", bytes.byteLength);
      res.end(bytes);
      return;
    }
    const write = async (bytes: Uint8Array) => {
      if (res.write(bytes)) return;
      await new Promise<void>((resolve) => {
        res.once("drain", resolve);
        res.once("close", resolve);
      });
    };
    await write(first.value as Uint8Array);
    await write(second.value);
    for (let chunk = await reader.read(); !chunk.done && !res.destroyed; chunk = await reader.read()) {
      await write(chunk.value);
    }
    res.end();
  } catch (error) {
    res.destroy(error instanceof Error ? error : new Error(String(error)));
  } finally {
    reader.releaseLock();
  }
}

/**
 * Serves `handler` on `hostname:port` with bounded connections.
 *
 * @param options Address and bounds.
 * @param handler The app's fetch handler.
 * @returns The running server.
 * @throws Deno.errors.AddrInUse (and the other bind errors `Deno.listen` throws) when the port cannot be bound.
 */
export async function serveBounded(
  options: BoundedServeOptions,
  handler: (request: Request) => Response | Promise<Response>,
): Promise<BoundedServer> {
  const sockets = new Map<Socket, { active: number; timer?: ReturnType<typeof setTimeout> }>();
  let stopping = false;
  let origin = "";
  const armHeaderTimer = (socket: Socket, ms: number) => {
    const state = sockets.get(socket);
    if (state === undefined) return;
    clearTimeout(state.timer);
    state.timer = setTimeout(() => socket.destroy(), ms);
  };
  const server = createServer((req, res) => {
    // A client that goes away makes node emit "error" ("aborted"); without a listener that would end the process.
    req.on("error", () => {});
    res.on("error", () => {});
    const socket = req.socket;
    const state = sockets.get(socket);
    if (state !== undefined) {
      clearTimeout(state.timer);
      state.active++;
    }
    res.once("close", () => {
      if (state === undefined) return;
      state.active--;
      if (stopping && state.active === 0) socket.destroy();
      // Idle time is the transport's keep-alive timeout; headers of a next request must then follow promptly.
      else if (state.active === 0) armHeaderTimer(socket, options.idleTimeoutMs + options.headerTimeoutMs);
    });
    if (stopping) res.shouldKeepAlive = false;
    let response: Promise<Response>;
    try {
      response = Promise.resolve(handler(toRequest(req, res, origin)));
    } catch (error) {
      response = Promise.reject(error);
    }
    response.then(
      (answer) => writeResponse(answer, res),
      (error) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ error: `internal error: ${error instanceof Error ? error.message : error}` }),
        );
      },
    );
  });
  server.keepAliveTimeout = options.idleTimeoutMs;
  // A client that half-closes after its request still gets the answer (Node's default drops it).
  (server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.maxConnections = options.maxConnections;
  server.on("connection", (socket: Socket) => {
    sockets.set(socket, { active: 0 });
    armHeaderTimer(socket, options.headerTimeoutMs);
    socket.once("close", () => {
      clearTimeout(sockets.get(socket)?.timer);
      sockets.delete(socket);
    });
  });
  let resolveFinished = () => {};
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  server.once("close", () => resolveFinished());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const hostname = typeof address === "object" && address !== null ? address.address : options.hostname;
  origin = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  options.onListen?.({ hostname, port });
  return {
    finished,
    connections: () => sockets.size,
    shutdown() {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const [socket, state] of sockets) if (state.active === 0) socket.destroy();
      return closed.then(() => finished);
    },
  };
}

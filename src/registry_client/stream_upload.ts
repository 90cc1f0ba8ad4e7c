/**
 * Sends a request whose body is a stream through `node:http` (or `node:https`) and answers a web
 * `Response`. Deno 2.9.6's `fetch` uploads a streamed body slowly between processes: a 100 MiB push to
 * `registry serve` on loopback took 9.1 s with `fetch`, 9.9 s with `node:http` in the stream's 64 KiB
 * chunks, and 1.5 s with `node:http` in 1 MiB writes (curl: 1.2 s); the server was the same (docs/registry.md).
 *
 * @module
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";

/** What {@link streamUpload} sends. */
export interface StreamUploadInit {
  /** The HTTP method, e.g. `PUT`. */
  method: string;
  /** The request's headers. */
  headers: Headers;
  /** The body, streamed as it is read. */
  body: ReadableStream<Uint8Array>;
}

/** The size of the writes the body is sent in. */
const CHUNK_BYTES = 1 << 20;

/** Statuses whose responses carry no body (a `Response` refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * How long to wait for the server's answer after the body failed to send: a server that refuses a request
 * early (401, 413) may close the connection while the body is still going out; its answer wins.
 */
const ANSWER_GRACE_MS = 1000;

/**
 * Streams `init.body` to `url`, in writes of 1 MiB, and resolves to the server's answer. Rejects with the body
 * stream's own error (e.g. a file that changed while it was read), or with the connection's unless the server
 * answered within a second.
 *
 * @param url An `http://` or `https://` URL.
 * @param init Method, headers and body.
 * @returns The server's answer, its body read in full.
 *
 * @example
 * ```ts
 * import { streamUpload } from "./stream_upload.ts";
 * const response = await streamUpload("http://127.0.0.1:50051/v1/bundles/Iris/1/archive", {
 *   method: "PUT",
 *   headers: new Headers({ "content-type": "application/x-tar" }),
 *   body: (await Deno.open("iris.tar")).readable,
 * });
 * console.log(response.status);
 * ```
 */
export function streamUpload(url: string, init: StreamUploadInit): Promise<Response> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    let answered = false;
    const request = send(
      target,
      { method: init.method, headers: Object.fromEntries(init.headers) },
      (res) => {
        const chunks: Uint8Array[] = [];
        res.on("data", (chunk: Uint8Array) => chunks.push(chunk));
        res.on("error", (error) => {
          if (!answered) reject(error);
        });
        res.on("end", () => {
          answered = true;
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
          }
          const status = res.statusCode ?? 502;
          resolve(
            new Response(NULL_BODY.has(status) ? null : new Blob(chunks as BlobPart[]), {
              status,
              statusText: res.statusMessage,
              headers,
            }),
          );
        });
      },
    );
    const body = Readable.fromWeb(
      init.body.pipeThrough(coalesce(CHUNK_BYTES)) as unknown as NodeWebReadableStream<Uint8Array>,
    );
    // The body's own failure (a file that changed while it was read) is the answer, whatever the server
    // says of the cut-off upload; a connection failure waits a moment for the server's answer.
    let bodyError: { error: unknown } | undefined;
    body.once("error", (error) => (bodyError = { error }));
    pipeline(body, request).catch((error) => {
      request.destroy();
      if (bodyError !== undefined) {
        answered = true;
        reject(bodyError.error);
        return;
      }
      setTimeout(() => {
        if (!answered) reject(error);
      }, ANSWER_GRACE_MS);
    });
  });
}

/** Joins a stream's chunks into chunks of `size` bytes (the last one shorter). */
function coalesce(size: number): TransformStream<Uint8Array, Uint8Array> {
  let buffer = new Uint8Array(size);
  let filled = 0;
  return new TransformStream({
    transform(chunk, controller) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(size - filled, chunk.length - offset);
        buffer.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === size) {
          controller.enqueue(buffer);
          buffer = new Uint8Array(size);
          filled = 0;
        }
      }
    },
    flush(controller) {
      if (filled > 0) controller.enqueue(buffer.subarray(0, filled));
    },
  });
}

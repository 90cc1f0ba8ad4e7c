/**
 * Test helpers: a real S3-compatible server (npm `s3rver`, in-process, on 127.0.0.1 with a temp directory;
 * SigV4 signatures checked against its fixed credentials) and a TCP proxy in front of any server that a test
 * can cut — every connection dropped, new ones refused — to make a store or a database go away mid-request,
 * then restore on the same port.
 *
 * @module
 */
import S3rver from "s3rver";
import type { S3Credentials } from "../../src/registry/s3_store.ts";

/** A running s3rver. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** s3rver's fixed credentials (it checks signatures against them). */
  readonly credentials: S3Credentials;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/** Starts s3rver with `buckets` created. */
export async function startS3(buckets: readonly string[]): Promise<S3Server> {
  const directory = await Deno.makeTempDir({ prefix: "obento-s3-" });
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const addr = await server.run() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${addr.port}`,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    async stop() {
      (server as unknown as { httpServer?: { closeAllConnections?(): void } }).httpServer
        ?.closeAllConnections?.();
      await server.close();
      await Deno.remove(directory, { recursive: true }).catch(() => {});
    },
  };
}

/** A TCP proxy to `upstream` that a test can cut and restore. */
export interface CuttableProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** Bytes forwarded from clients to the upstream so far. */
  readonly forwarded: number;
  /** Resolves once `bytes` more bytes have gone upstream (to make something else fail mid-request). */
  when(bytes: number): Promise<void>;
  /** Cuts as soon as `bytes` more bytes have gone upstream (the request is then mid-flight). */
  cutAfter(bytes: number): Promise<void>;
  /** Cuts as soon as `bytes` more bytes have come back from the upstream (a response is then mid-flight). */
  cutAfterReturned(bytes: number): Promise<void>;
  /** Drops every connection and refuses new ones. */
  cut(): void;
  /** Accepts connections again, on the same port. */
  restore(): void;
  /** Cuts and stops for good. */
  close(): Promise<void>;
}

/** Starts a proxy on a free 127.0.0.1 port to `upstreamPort`. */
export function startProxy(upstreamPort: number): CuttableProxy {
  let listener: Deno.Listener | undefined;
  const open = new Set<Deno.Conn>();
  let forwarded = 0;
  let returned = 0;
  let cutAt = Infinity;
  let cutReturnedAt = Infinity;
  let onCut: (() => void) | undefined;
  const waiters: { at: number; resolve: () => void }[] = [];
  const loops: Promise<void>[] = [];

  const cut = () => {
    listener?.close();
    listener = undefined;
    for (const c of open) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    open.clear();
    onCut?.();
    onCut = undefined;
    cutAt = Infinity;
    cutReturnedAt = Infinity;
  };

  const pump = async (from: Deno.Conn, to: Deno.Conn, upstream: boolean) => {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        if (upstream) {
          forwarded += n;
          for (const w of waiters.filter((w) => forwarded >= w.at)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
          if (forwarded >= cutAt) {
            cut();
            return;
          }
        } else {
          returned += n;
          if (returned >= cutReturnedAt) {
            cut();
            return;
          }
        }
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      }
    } catch { /* a side closed */ }
    for (const c of [from, to]) {
      try {
        c.close();
      } catch { /* closed */ }
      open.delete(c);
    }
  };

  const serve = (l: Deno.Listener) => {
    loops.push((async () => {
      try {
        for await (const client of l) {
          let server: Deno.Conn;
          try {
            server = await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort });
          } catch {
            client.close();
            continue;
          }
          open.add(client);
          open.add(server);
          pump(client, server, true);
          pump(server, client, false);
        }
      } catch { /* closed */ }
    })());
  };

  const first = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (first.addr as Deno.NetAddr).port;
  listener = first;
  serve(first);
  return {
    port,
    get forwarded() {
      return forwarded;
    },
    when(bytes: number) {
      return new Promise<void>((resolve) => waiters.push({ at: forwarded + bytes, resolve }));
    },
    cutAfter(bytes: number) {
      cutAt = forwarded + bytes;
      return new Promise<void>((resolve) => onCut = resolve);
    },
    cutAfterReturned(bytes: number) {
      cutReturnedAt = returned + bytes;
      return new Promise<void>((resolve) => onCut = resolve);
    },
    cut,
    restore() {
      if (listener) return;
      listener = Deno.listen({ hostname: "127.0.0.1", port });
      serve(listener);
    },
    async close() {
      cut();
      await Promise.all(loops);
    },
  };
}

/**
 * Runs the registry server: opens the backend, removes scratch directories that dead pushes left, and serves
 * {@link registryApp} with `Deno.serve` until `signal` aborts.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { ArchiveLimits } from "../registry/archive/bundle_archive.ts";
import { sweepScratchDirs } from "../registry/archive/scratch.ts";
import { registryApp, UPLOAD_PREFIX } from "./app.ts";
import { isS3Url, openBackend, type S3Settings } from "./backend.ts";

/** Options for {@link serveRegistry}. */
export interface ServeRegistryOptions {
  /** SQLite path or `postgres://` URL. */
  db: string;
  /** The bundle directory, or `s3://bucket[/prefix]`. */
  store: string;
  /** How to reach an `s3://` store. */
  s3?: S3Settings;
  /**
   * A local directory pushes are unpacked in before they are saved. Default: `store` for a directory store
   * (same file system, so saving is a rename); required for an S3 store.
   */
  scratchRoot?: string;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one. Default 50051. */
  port?: number;
  /** Anonymous reads. Default false. */
  publicRead?: boolean;
  /** Limits on pushed archives. */
  limits?: ArchiveLimits;
  /** Log lines (startup, one per request). */
  log: (line: string) => void;
  /** Stops the server. */
  signal: AbortSignal;
}

/** A running registry server. */
export interface RunningRegistry {
  /** `http://host:port`. */
  readonly url: string;
  /** Resolves once the server has stopped and the backend is closed. */
  readonly finished: Promise<void>;
}

/**
 * Starts the server.
 *
 * @throws {ObentoError} UNAVAILABLE when the database cannot be opened or the port is taken
 */
export async function serveRegistry(options: ServeRegistryOptions): Promise<RunningRegistry> {
  const scratchRoot = options.scratchRoot ?? (isS3Url(options.store) ? undefined : options.store);
  if (scratchRoot === undefined) {
    throw new ObentoError("INTERNAL", "an S3 store needs a local scratchRoot for pushes in progress");
  }
  const backend = await openBackend({ db: options.db, store: options.store, s3: options.s3 });
  try {
    const swept = await sweepScratchDirs(scratchRoot, UPLOAD_PREFIX);
    for (const path of swept) options.log(`removed ${path} (an interrupted push)`);
    const app = registryApp({
      registry: backend.registry!,
      tokens: backend.tokens,
      scratchRoot,
      publicRead: options.publicRead,
      limits: options.limits,
      log: options.log,
    });
    const hostname = options.host ?? "127.0.0.1";
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname,
        port: options.port ?? 50051,
        signal: options.signal,
        onListen: () => {},
      }, app.fetch);
    } catch (error) {
      throw new ObentoError(
        "UNAVAILABLE",
        `cannot listen on ${hostname}:${options.port ?? 50051}: ${
          (error as Error).message
        }; pick another port`,
        { cause: error, option: "port" },
      );
    }
    const addr = server.addr;
    const shown = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
    const url = `http://${shown}:${addr.port}`;
    options.log(
      `obento registry listening on ${url} (index ${backend.describe}, store ${
        backend.registry!.store.location
      }` +
        `${options.publicRead ? ", public reads" : ""})`,
    );
    return { url, finished: server.finished.finally(() => backend.close()) };
  } catch (error) {
    await backend.close();
    throw error;
  }
}

/**
 * A {@link BlobStore} in an S3-compatible bucket (AWS S3, MinIO, Ceph, s3rver…), through the AWS SDK v3
 * (`@aws-sdk/client-s3`: SigV4; `@aws-sdk/lib-storage`: multipart uploads). The SDK is loaded by
 * {@link openS3Store} only, so commands that never touch a bucket do not pay for it.
 *
 * Layout under `s3://<bucket>/<prefix>/`:
 *
 * - `blobs/<token>/<file>`: the files of one save, uploaded by {@link S3Store.stage} (streamed from disk,
 *   multipart above one part, each file's sha256 checked against the MANIFEST while it uploads) and never
 *   rewritten;
 * - `bundles/<Name>/<version>`: the published marker, a small JSON object `{token, files}` naming the save's
 *   files and sizes. {@link S3Store.publish} is one PUT of it: S3 makes an object visible whole or not at
 *   all, so a bundle is never half-published;
 * - `staging/<token>`: the lease of a live save, written when staging starts and refreshed while it runs;
 *   a save whose lease is older than `leaseMs` is dead and {@link S3Store.reclaim} may remove its blobs.
 *
 * Deleting removes the marker first (the bundle is gone at once), then the blobs; blobs no marker names and
 * no lease holds are the leftovers of an interrupted delete (`trash`), removed by `obento registry gc`.
 *
 * @module
 */
import type * as S3 from "@aws-sdk/client-s3";
import type * as Storage from "@aws-sdk/lib-storage";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { ObentoError } from "../errors.ts";
import { MANIFEST_FILE, parseManifest } from "../bundle/manifest.ts";
import { isMissing, s3Failure } from "./s3_errors.ts";
import { parseS3Url } from "./s3_url.ts";
import type {
  BlobStore,
  StagedBundle,
  StageOptions,
  StagingArea,
  StoredBundle,
  StoredFile,
} from "./blob_store.ts";
import { createTargetDir } from "./target_dir.ts";

/** Credentials for the bucket (from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). */
export interface S3Credentials {
  /** The access key id. */
  readonly accessKeyId: string;
  /** The secret access key. */
  readonly secretAccessKey: string;
  /** A session token for temporary credentials. Default none. */
  readonly sessionToken?: string;
}

/** Options for {@link openS3Store}. */
export interface S3StoreOptions {
  /** `s3://bucket` or `s3://bucket/prefix`. */
  url: string;
  /** The endpoint of an S3-compatible server, e.g. `http://127.0.0.1:9000`. Default: AWS for `region`. */
  endpoint?: string;
  /** The region (`AWS_REGION`). Default `us-east-1`. */
  region?: string;
  /** Credentials; required (the CLI reads them from `AWS_*` once). */
  credentials: S3Credentials;
  /** Path-style URLs (`endpoint/bucket/key`), as most S3-compatible servers want. Default: true with `endpoint`. */
  forcePathStyle?: boolean;
  /** Multipart part size in bytes (at least 5 MiB). Default 8 MiB. */
  partSizeBytes?: number;
  /** Parts uploaded at once per file. Default 4 (so at most `4 × partSizeBytes` in memory per upload). */
  queueSize?: number;
  /** How long a save's lease lasts without a refresh, in ms. Default 10 minutes (refreshed every third). */
  leaseMs?: number;
  /** Connection timeout in ms. Default 5000. */
  connectTimeoutMs?: number;
  /** Socket idle timeout per request in ms. Default 120000. */
  requestTimeoutMs?: number;
  /** Attempts per request (the SDK retries transient failures with backoff). Default 3. */
  maxAttempts?: number;
}

interface Marker {
  token: string;
  files: StoredFile[];
}

interface Lease {
  started: string;
  /** Set once the save published `Name/version`: its blobs then belong to that bundle. */
  published?: string;
}

/** A save this process runs. */
interface LiveSave {
  /** Refreshes the lease. */
  timer: ReturnType<typeof setInterval>;
  /** The lease as last written (a refresh writes the same, so `published` is never lost). */
  lease: Lease;
  /** A refresh in flight, awaited before the lease is rewritten or deleted (so it cannot undo either). */
  refreshing?: Promise<void>;
  /** What was uploaded so far. */
  files: StoredFile[];
  /** The source directory, removed when the save ends (`stage` with `move`). */
  moved?: string;
}

type Sdk = typeof S3;
type UploadClass = typeof Storage.Upload;

function newToken(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join(
    "",
  );
}

/** An S3 bucket as a bundle store. Make one with {@link openS3Store}. */
export class S3Store implements BlobStore {
  /** `s3://bucket/prefix`. */
  readonly url: string;
  readonly #client: S3.S3Client;
  readonly #sdk: Sdk;
  readonly #upload: UploadClass;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #endpoint: string;
  readonly #partSize: number;
  readonly #queueSize: number;
  readonly #leaseMs: number;
  /** Saves whose clean-up failed (the bucket was failing): token → whether their blobs go too. */
  readonly #unclean = new Map<string, boolean>();
  /** Saves this process runs: token → lease refresh timer and what was uploaded. */
  readonly #live = new Map<string, LiveSave>();

  /** Prefer {@link openS3Store}, which loads the SDK and checks the bucket. */
  constructor(sdk: Sdk, upload: UploadClass, client: S3.S3Client, options: S3StoreOptions) {
    const { bucket, prefix } = parseS3Url(options.url);
    this.url = `s3://${bucket}/${prefix}`.replace(/\/$/, "");
    this.#sdk = sdk;
    this.#upload = upload;
    this.#client = client;
    this.#bucket = bucket;
    this.#prefix = prefix;
    this.#endpoint = options.endpoint ?? `AWS S3 (${options.region ?? "us-east-1"})`;
    this.#partSize = Math.max(options.partSizeBytes ?? 8 * 1024 * 1024, 5 * 1024 * 1024);
    this.#queueSize = options.queueSize ?? 4;
    this.#leaseMs = options.leaseMs ?? 10 * 60_000;
  }

  /** The bucket URL. */
  get location(): string {
    return this.url;
  }

  /** Turns an SDK failure into an {@link ObentoError} that says what to do. */
  #fail(error: unknown, doing: string): ObentoError {
    return s3Failure(error, { doing, bucket: this.#bucket, url: this.url, endpoint: this.#endpoint });
  }

  async #send<T>(doing: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.#fail(error, doing);
    }
  }

  #key(...parts: string[]): string {
    return this.#prefix + parts.join("/");
  }

  /** Checks that the bucket exists and the credentials work (HeadBucket). */
  async check(): Promise<void> {
    await this.#send(
      `checking bucket ${this.#bucket}`,
      () => this.#client.send(new this.#sdk.HeadBucketCommand({ Bucket: this.#bucket })),
    );
  }

  async #put(key: string, body: string, doing: string): Promise<void> {
    await this.#send(doing, () =>
      this.#client.send(
        new this.#sdk.PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: body,
          ContentType: "application/json",
        }),
      ));
  }

  /** The object's text, or undefined when it is not there. */
  async #getText(key: string, doing: string): Promise<string | undefined> {
    try {
      const out = await this.#client.send(new this.#sdk.GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return await out.Body!.transformToString();
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.#fail(error, doing);
    }
  }

  async *#list(
    prefix: string,
    delimiter?: string,
  ): AsyncGenerator<{ key: string; size: number; dir?: boolean }> {
    let token: string | undefined;
    do {
      const out = await this.#send(`listing ${prefix}`, () =>
        this.#client.send(
          new this.#sdk.ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: prefix,
            Delimiter: delimiter,
            ContinuationToken: token,
          }),
        ));
      for (const p of out.CommonPrefixes ?? []) yield { key: p.Prefix!, size: 0, dir: true };
      for (const o of out.Contents ?? []) yield { key: o.Key!, size: o.Size ?? 0 };
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async #deletePrefix(prefix: string): Promise<void> {
    const keys: string[] = [];
    for await (const o of this.#list(prefix)) keys.push(o.key);
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const out = await this.#send(`deleting ${prefix}`, () =>
        this.#client.send(
          new this.#sdk.DeleteObjectsCommand({
            Bucket: this.#bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        ));
      if (out.Errors?.length) {
        const e = out.Errors[0];
        throw new ObentoError(
          "UNAVAILABLE",
          `the S3 store could not delete ${e.Key}: ${e.Code} ${e.Message}`,
        );
      }
    }
  }

  async #deleteKey(key: string): Promise<void> {
    await this.#send(
      `deleting ${key}`,
      () => this.#client.send(new this.#sdk.DeleteObjectCommand({ Bucket: this.#bucket, Key: key })),
    );
  }

  async #marker(name: string, version: string): Promise<Marker | undefined> {
    const text = await this.#getText(this.#key("bundles", name, version), `reading ${name}:${version}`);
    return text === undefined ? undefined : JSON.parse(text) as Marker;
  }

  async #writeLease(token: string, lease: Lease): Promise<void> {
    await this.#put(this.#key("staging", token), JSON.stringify(lease), "writing a save's lease");
  }

  /** Uploads one file, hashing it on the way; returns its size and sha256. */
  async #uploadFile(
    sourceDir: string,
    token: string,
    path: string,
  ): Promise<{ size: number; sha256: string }> {
    const file = await Deno.open(join(sourceDir, ...path.split("/")));
    const hash = createHash("sha256");
    let size = 0;
    const body = file.readable.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          hash.update(chunk);
          size += chunk.length;
          controller.enqueue(chunk);
        },
      }),
    );
    const upload = new this.#upload({
      client: this.#client,
      params: { Bucket: this.#bucket, Key: this.#key("blobs", token, path), Body: body },
      partSize: this.#partSize,
      queueSize: this.#queueSize,
      leavePartsOnError: false,
    });
    await this.#send(`uploading ${path}`, () => upload.done());
    return { size, sha256: hash.digest("hex") };
  }

  /**
   * Uploads the bundle in `sourceDir` (MANIFEST and every file it lists) under `blobs/<token>/`, checking each
   * file's sha256 as it streams. `staged.path` is `sourceDir`; with `move`, it is removed when the save ends.
   *
   * @throws {ObentoError} INTEGRITY when a file differs from the MANIFEST; UNAVAILABLE when the bucket fails
   */
  async stage(sourceDir: string, options: StageOptions = {}): Promise<StagedBundle> {
    await this.#retryCleanUps();
    const token = newToken();
    const files: StoredFile[] = [];
    const live: LiveSave = {
      timer: setInterval(() => {
        live.refreshing ??= this.#writeLease(token, live.lease).catch(() => {}).finally(() => {
          live.refreshing = undefined;
        });
      }, Math.max(1000, this.#leaseMs / 3)),
      lease: { started: new Date().toISOString() },
      files,
      moved: options.move ? sourceDir : undefined,
    };
    this.#live.set(token, live);
    try {
      await this.#writeLease(token, live.lease);
      const manifestText = await Deno.readTextFile(join(sourceDir, MANIFEST_FILE));
      const digests = parseManifest(manifestText, join(sourceDir, MANIFEST_FILE));
      for (const path of [MANIFEST_FILE, ...digests.keys()]) {
        const { size, sha256 } = await this.#uploadFile(sourceDir, token, path);
        const expected = digests.get(path);
        if (expected !== undefined && expected !== sha256) {
          throw new ObentoError(
            "INTEGRITY",
            `${join(sourceDir, path)} was changed after packing (sha256 ${sha256.slice(0, 12)}… != ${
              expected.slice(0, 12)
            }…)`,
          );
        }
        files.push({ path, size });
      }
      return { token, path: sourceDir };
    } catch (error) {
      await this.discard({ token, path: sourceDir });
      throw error;
    }
  }

  /** Writes the marker `bundles/<name>/<version>` (one PUT: visible whole or not at all). */
  async publish(staged: StagedBundle, name: string, version: string): Promise<string> {
    const live = this.#live.get(staged.token);
    if (!live) throw new ObentoError("INTERNAL", `save ${staged.token} is not staged in this process`);
    const previous = await this.#marker(name, version);
    live.lease = { ...live.lease, published: `${name}/${version}` };
    await live.refreshing;
    await this.#writeLease(staged.token, live.lease);
    const marker: Marker = { token: staged.token, files: live.files };
    await this.#put(
      this.#key("bundles", name, version),
      JSON.stringify(marker),
      `publishing ${name}:${version}`,
    );
    if (previous && previous.token !== staged.token) {
      await this.#deletePrefix(this.#key("blobs", previous.token) + "/").catch(() => {}); // gc finds it otherwise
    }
    return this.locate(name, version);
  }

  async #cleanUp(token: string, removeBlobs: boolean): Promise<void> {
    if (removeBlobs) await this.#deletePrefix(this.#key("blobs", token) + "/");
    await this.#deleteKey(this.#key("staging", token));
  }

  /** Retries the clean-ups that failed earlier (quietly: they are retried again next time). */
  async #retryCleanUps(): Promise<void> {
    for (const [token, removeBlobs] of [...this.#unclean]) {
      try {
        await this.#cleanUp(token, removeBlobs);
        this.#unclean.delete(token);
      } catch {
        return;
      }
    }
  }

  async #end(staged: StagedBundle, removeBlobs: boolean): Promise<void> {
    const live = this.#live.get(staged.token);
    if (live) {
      clearInterval(live.timer);
      await live.refreshing;
    }
    this.#live.delete(staged.token);
    // Best effort: when the bucket fails now (it may be why the save failed), the next save retries the
    // clean-up; a process that dies first leaves a lease that expires, and gc removes what it holds.
    try {
      await this.#cleanUp(staged.token, removeBlobs);
    } catch {
      this.#unclean.set(staged.token, removeBlobs);
    }
    if (live?.moved) await Deno.remove(live.moved, { recursive: true }).catch(() => {});
  }

  /** Ends a published save: drops its lease. Never fails (a lease left behind expires). */
  async finish(staged: StagedBundle): Promise<void> {
    await this.#end(staged, false);
  }

  /** Drops a staged save's blobs and lease, best effort (what is left, gc removes once the lease expires). */
  async discard(staged: StagedBundle): Promise<void> {
    await this.#end(staged, true);
  }

  /** Deletes the marker (the bundle is gone), then its blobs. */
  async unpublish(name: string, version: string): Promise<void> {
    const marker = await this.#marker(name, version);
    if (!marker) return;
    await this.#deleteKey(this.#key("bundles", name, version));
    await this.#deletePrefix(this.#key("blobs", marker.token) + "/");
  }

  /** `s3://bucket/prefix/bundles/<name>/<version>`. */
  locate(name: string, version: string): string {
    return `s3://${this.#bucket}/${this.#key("bundles", name, version)}`;
  }

  /** The files the marker names. */
  async files(name: string, version: string): Promise<StoredFile[]> {
    return (await this.#marker(name, version))?.files ?? [];
  }

  /** Streams `blobs/<token>/<path>` of the published bundle. */
  async readFile(name: string, version: string, path: string): Promise<ReadableStream<Uint8Array>> {
    const marker = await this.#marker(name, version);
    const missing = () => new ObentoError("NOT_FOUND", `${this.locate(name, version)}/${path} is missing`);
    if (!marker || !marker.files.some((f) => f.path === path)) throw missing();
    try {
      const out = await this.#client.send(
        new this.#sdk.GetObjectCommand({ Bucket: this.#bucket, Key: this.#key("blobs", marker.token, path) }),
      );
      return out.Body!.transformToWebStream() as ReadableStream<Uint8Array>;
    } catch (error) {
      if (isMissing(error)) throw missing();
      throw this.#fail(error, `reading ${name}:${version}`);
    }
  }

  /** Every marker under `bundles/`. */
  async published(): Promise<StoredBundle[]> {
    const out: StoredBundle[] = [];
    const base = this.#key("bundles") + "/";
    for await (const o of this.#list(base)) {
      const [name, version, ...rest] = o.key.slice(base.length).split("/");
      if (name && version && rest.length === 0) out.push({ name, version });
    }
    return out;
  }

  async #referencedTokens(): Promise<Set<string>> {
    const tokens = new Set<string>();
    for (const b of await this.published()) {
      const marker = await this.#marker(b.name, b.version);
      if (marker) tokens.add(marker.token);
    }
    return tokens;
  }

  /** Leases (`staging`) and blobs that no marker names and no lease holds (`trash`). */
  async leftovers(): Promise<StagingArea[]> {
    const areas = new Map<string, StagingArea>();
    const leases = new Set<string>();
    const referenced = await this.#referencedTokens();
    for await (const o of this.#list(this.#key("staging") + "/")) {
      const token = o.key.slice(this.#key("staging").length + 1);
      leases.add(token); // of a live save, a dead one, or a published one whose finish failed (reclaim keeps its blobs)
      areas.set(token, { token, kind: "staging", location: `s3://${this.#bucket}/${o.key}` });
    }
    for await (const o of this.#list(this.#key("blobs") + "/", "/")) {
      const token = o.key.slice(this.#key("blobs").length + 1).replace(/\/$/, "");
      if (leases.has(token) || referenced.has(token)) continue;
      areas.set(token, { token, kind: "trash", location: `s3://${this.#bucket}/${o.key}` });
    }
    return [...areas.values()];
  }

  async #lease(token: string): Promise<{ lease: Lease; modified: number } | undefined> {
    try {
      const out = await this.#client.send(
        new this.#sdk.GetObjectCommand({ Bucket: this.#bucket, Key: this.#key("staging", token) }),
      );
      const text = await out.Body!.transformToString();
      return { lease: JSON.parse(text) as Lease, modified: out.LastModified?.getTime() ?? 0 };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.#fail(error, "reading a save's lease");
    }
  }

  /** True when this process runs the save, or its lease was refreshed within `leaseMs`. */
  async isOwned(token: string): Promise<boolean> {
    if (this.#live.has(token)) return true;
    if (this.#unclean.has(token)) return false; // failed here; its clean-up is pending
    const found = await this.#lease(token);
    return found !== undefined && Date.now() - found.modified < this.#leaseMs;
  }

  /**
   * Removes the save `token` once its lease expired: its lease, and its blobs unless a marker (the bundle its
   * save published) still names them.
   */
  async reclaim(token: string, beforeRemove?: () => Promise<void>): Promise<boolean> {
    if (this.#live.has(token)) return false;
    const found = await this.#lease(token);
    if (found && !this.#unclean.has(token) && Date.now() - found.modified < this.#leaseMs) return false;
    await beforeRemove?.();
    // Never remove blobs a marker names: the lease says which bundle its save published; without that (a
    // save that died before publishing, or a delete's leftovers) every marker is checked.
    let keepBlobs: boolean;
    if (found?.lease.published) {
      const [name, version] = found.lease.published.split("/");
      keepBlobs = (await this.#marker(name, version))?.token === token;
    } else {
      keepBlobs = (await this.#referencedTokens()).has(token);
    }
    if (!keepBlobs) await this.#deletePrefix(this.#key("blobs", token) + "/");
    if (found) await this.#deleteKey(this.#key("staging", token));
    this.#unclean.delete(token);
    return true;
  }

  /** Downloads the published bundle into `targetDir` (created; CONFLICT when it exists). */
  async copyOut(name: string, version: string, targetDir: string): Promise<void> {
    await createTargetDir(targetDir);
    try {
      for (const f of await this.files(name, version)) {
        const target = join(targetDir, ...f.path.split("/"));
        await Deno.mkdir(dirname(target), { recursive: true });
        using file = await Deno.open(target, { write: true, createNew: true });
        for await (const chunk of await this.readFile(name, version, f.path)) {
          for (let off = 0; off < chunk.length;) off += await file.write(chunk.subarray(off));
        }
        await file.sync();
      }
    } catch (error) {
      await Deno.remove(targetDir, { recursive: true }).catch(() => {});
      throw error;
    }
  }

  /** Closes the client's connections. */
  close(): void {
    for (const { timer } of this.#live.values()) clearInterval(timer);
    this.#client.destroy();
  }
}

/**
 * Loads the S3 SDK, connects to the bucket and checks it (HeadBucket), so a missing bucket, refused
 * credentials or an unreachable endpoint fail at start with a clear message rather than on the first push.
 *
 * @throws {ObentoError} BAD_ARGUMENT for a malformed URL; UNAVAILABLE for a missing bucket, refused credentials
 *   or an unreachable endpoint
 *
 * @example
 * ```ts ignore
 * import { openS3Store } from "./s3_store.ts";
 * const store = await openS3Store({
 *   url: "s3://models/team-a",
 *   endpoint: "http://127.0.0.1:9000",
 *   credentials: { accessKeyId: "minio", secretAccessKey: "minio123" },
 * });
 * console.log(await store.published());
 * store.close();
 * ```
 */
export async function openS3Store(options: S3StoreOptions): Promise<S3Store> {
  parseS3Url(options.url);
  const sdk = await import("@aws-sdk/client-s3");
  const { Upload } = await import("@aws-sdk/lib-storage");
  const client = new sdk.S3Client({
    endpoint: options.endpoint,
    region: options.region ?? "us-east-1",
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    credentials: options.credentials,
    maxAttempts: options.maxAttempts ?? 3,
    // Checksums only where S3 requires them: S3-compatible servers do not all accept the SDK's default CRC32
    // trailers. obento checks sha256 itself, end to end.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? 5000,
      requestTimeout: options.requestTimeoutMs ?? 120_000,
    },
  });
  const store = new S3Store(sdk, Upload, client, options);
  try {
    await store.check();
  } catch (error) {
    store.close();
    throw error;
  }
  return store;
}

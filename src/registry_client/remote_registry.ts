/**
 * A registry server seen from the client: the read and delete operations the CLI's `list`, `get`, `delete`
 * and `retrieve` use on a local {@link Registry}, with the same shapes, over the server's HTTP API
 * (`registry_server/app.ts`). A bundle's `path` is its URL on the server. Errors come back as the server's
 * {@link ObentoError} code and message, so exit codes match local ones (401/403 exit 77, 404 66, 409 73).
 *
 * @module
 */
import { streamUpload } from "./stream_upload.ts";
import { dirname } from "node:path";
import { ObentoError } from "../errors.ts";
import type { BentoDocument } from "../bundle/bento_yaml.ts";
import { ARCHIVE_CONTENT_TYPE, unpackBundleArchive } from "../registry/archive/bundle_archive.ts";
import { makeScratchDir } from "../registry/archive/scratch.ts";
import type { BundleRecord } from "../registry/bundle_index.ts";
import { formatBundleRef, LATEST, parseBundleRef } from "../registry/bundle_ref.ts";
import type {
  BundleDetails,
  BundleSummary,
  ListOptions,
  SavedBundle,
  SelectOptions,
} from "../registry/registry.ts";
import { formatSelector, parseSelector, type Selector } from "../registry/selector.ts";
import { selectBundles } from "../registry/select_bundles.ts";
import { assertNewTargetDir } from "../registry/target_dir.ts";
import { counting } from "./progress.ts";

/** Options for {@link RemoteRegistry}. */
export interface RemoteRegistryOptions {
  /** The server, e.g. `https://registry.example.com` (`OBENTO_REGISTRY_URL`). */
  url: string;
  /** A bearer token (`OBENTO_TOKEN`). Default: none (works only with a `--public-read` server's reads). */
  token?: string;
  /** The fetch to use. Default: the global one. */
  fetch?: typeof fetch;
}

/** A bundle's details on the server. */
export interface RemoteBundleDetails extends BundleDetails {
  /** The server's index record of the bundle. */
  readonly record: BundleRecord;
}

/** Options for transfers. */
export interface TransferOptions {
  /** Called with the bytes moved so far. */
  onProgress?: (bytes: number, total: number | undefined) => void;
}

function toSelector(selector: string | Selector | undefined): Selector | undefined {
  return typeof selector === "string" ? parseSelector(selector) : selector;
}

/**
 * A client of one registry server.
 *
 * @example
 * ```ts
 * import { RemoteRegistry } from "./remote_registry.ts";
 * const remote = new RemoteRegistry({ url: "http://127.0.0.1:50051", token: Deno.env.get("OBENTO_TOKEN") });
 * console.log(await remote.list({ selector: "stage=prod" }));
 * ```
 */
export class RemoteRegistry {
  /** The server's base URL, without a trailing slash. */
  readonly url: string;
  readonly #token?: string;
  readonly #fetch: typeof fetch;

  /** A client; nothing is contacted until the first call. */
  constructor(options: RemoteRegistryOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
      if (base.protocol !== "http:" && base.protocol !== "https:") throw new Error("not http");
    } catch {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `registry URL ${JSON.stringify(options.url)} is not an http:// or https:// URL`,
      );
    }
    this.url = base.toString().replace(/\/+$/, "");
    this.#token = options.token;
    this.#fetch = options.fetch ?? fetch;
  }

  /** The URL of a bundle. */
  bundleUrl(name: string, version: string): string {
    return `${this.url}/v1/bundles/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
  }

  /** Sends a request; a non-2xx answer becomes the server's ObentoError. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#token) headers.set("authorization", `Bearer ${this.#token}`);
    const url = path.startsWith("http") ? path : `${this.url}${path}`;
    let response: Response;
    try {
      // A streamed body goes through node:http unless the caller gave its own fetch (stream_upload.ts says
      // why: Deno's fetch uploads a stream about 7x slower).
      response = init.body instanceof ReadableStream && this.#fetch === fetch
        ? await streamUpload(url, { method: init.method ?? "POST", headers, body: init.body })
        : await this.#fetch(url, { ...init, headers });
    } catch (error) {
      if (error instanceof ObentoError) throw error;
      throw new ObentoError(
        "UNAVAILABLE",
        `cannot reach the registry at ${this.url}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (response.ok) return response;
    let code = "INTERNAL";
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json() as { error?: { code?: string; message?: string } };
      if (body.error?.code) code = body.error.code;
      if (body.error?.message) message = body.error.message;
    } catch { /* not ours */ }
    const known = [
      "BAD_INPUT",
      "BAD_ARGUMENT",
      "BAD_BUNDLE",
      "NOT_FOUND",
      "UNAUTHORIZED",
      "FORBIDDEN",
      "CONFLICT",
      "INTEGRITY",
      "UNAVAILABLE",
      "TIMEOUT",
    ];
    throw new ObentoError(
      (known.includes(code) ? code : "UNAVAILABLE") as "UNAVAILABLE",
      `registry ${this.url}: ${message}`,
      { status: response.status },
    );
  }

  #summary(record: BundleRecord): BundleSummary {
    return { ...record, path: this.bundleUrl(record.name, record.version) };
  }

  /** Bundles on the server, newest first. */
  async list(options: ListOptions = {}): Promise<BundleSummary[]> {
    const query = new URLSearchParams();
    if (options.name !== undefined) query.set("name", options.name);
    const selector = toSelector(options.selector);
    if (selector && selector.length > 0) query.set("labels", formatSelector(selector));
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    const response = await this.request(`/v1/bundles${query.size > 0 ? `?${query}` : ""}`);
    const { bundles } = await response.json() as { bundles: BundleRecord[] };
    return bundles.map((b) => this.#summary(b));
  }

  async #details(ref: string): Promise<{ bundle: BundleRecord; document: BentoDocument }> {
    const { name, version } = parseBundleRef(ref);
    const response = await this.request(
      `/v1/bundles/${encodeURIComponent(name)}/${encodeURIComponent(version ?? LATEST)}`,
    );
    return await response.json() as { bundle: BundleRecord; document: BentoDocument };
  }

  /** Finds a bundle by `Name`, `Name:version` or `Name:latest`. */
  async resolve(ref: string): Promise<BundleSummary> {
    return this.#summary((await this.#details(ref)).bundle);
  }

  /** A bundle's bento.yaml and URL; without `version`, the newest. */
  async get(name: string, version?: string): Promise<RemoteBundleDetails> {
    const { bundle, document } = await this.#details(
      version === undefined ? name : formatBundleRef(name, version),
    );
    return {
      name: bundle.name,
      version: bundle.version,
      path: this.bundleUrl(bundle.name, bundle.version),
      document,
      record: bundle,
    };
  }

  /** Like {@link Registry.select}: the bundles references and a selector designate. */
  select(refs: readonly string[], options: SelectOptions = {}): Promise<BundleSummary[]> {
    return selectBundles(
      this,
      refs,
      toSelector(options.selector),
      (name) => `no bundle named ${name} in the registry at ${this.url}`,
    );
  }

  /** Deletes chosen bundles (admin scope); ones deleted meanwhile are skipped. */
  async deleteSelected(targets: readonly SavedBundle[]): Promise<SavedBundle[]> {
    const deleted: SavedBundle[] = [];
    for (const b of targets) {
      try {
        await this.request(this.bundleUrl(b.name, b.version), { method: "DELETE" });
        deleted.push(b);
      } catch (error) {
        if (!(error instanceof ObentoError && error.code === "NOT_FOUND")) throw error;
      }
    }
    return deleted;
  }

  /**
   * Streams a bundle's archive into `dir` (existing, empty), verifying every entry and digest.
   * @returns the bundle's name and version
   */
  async download(
    ref: string,
    dir: string,
    options: TransferOptions = {},
  ): Promise<{ name: string; version: string }> {
    const { name, version } = parseBundleRef(ref);
    const response = await this.request(`${this.bundleUrl(name, version ?? LATEST)}/archive`);
    const total = Number(response.headers.get("content-length")) || undefined;
    const body = options.onProgress
      ? response.body!.pipeThrough(counting((n) => options.onProgress!(n, total)))
      : response.body!;
    try {
      await unpackBundleArchive(body, dir);
    } catch (error) {
      if (error instanceof ObentoError) throw error;
      throw new ObentoError(
        "UNAVAILABLE",
        `the transfer of ${ref} from ${this.url} broke off (${
          (error as Error).message
        }); nothing was saved: ` +
          "run it again",
        { cause: error },
      );
    }
    const got = parseBundleRef(response.headers.get("x-obento-bundle") ?? ref);
    return { name: got.name, version: got.version ?? version ?? "" };
  }

  /**
   * Copies a bundle from the server into `targetDir` (must not exist): streamed into a private sibling
   * directory, checked, then renamed into place, so an interrupted copy leaves no `targetDir`.
   */
  async retrieve(ref: string, targetDir: string, options: TransferOptions = {}): Promise<SavedBundle> {
    await assertNewTargetDir(targetDir);
    const scratch = await makeScratchDir(dirname(targetDir), ".obento-retrieve-");
    try {
      const { name, version } = await this.download(ref, scratch.path, options);
      await Deno.rename(scratch.path, targetDir);
      return { name, version, path: targetDir };
    } finally {
      await scratch.dispose();
    }
  }

  /**
   * Pushes the bundle directory `dir` as `name:version` (write scope), streaming its archive.
   *
   * @throws {ObentoError} CONFLICT when the server has it already (checked before sending anything)
   */
  async upload(
    archive: { stream: ReadableStream<Uint8Array>; size: number },
    name: string,
    version: string,
    options: TransferOptions = {},
  ): Promise<void> {
    const body = options.onProgress
      ? archive.stream.pipeThrough(counting((n) => options.onProgress!(n, archive.size)))
      : archive.stream;
    await this.request(`${this.bundleUrl(name, version)}/archive`, {
      method: "PUT",
      headers: { "content-type": ARCHIVE_CONTENT_TYPE, "x-obento-archive-size": String(archive.size) },
      body,
    });
  }

  /** Nothing to release (for symmetry with a local registry). */
  close(): void {}
}

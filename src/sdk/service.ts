/**
 * The service definition: what a service author writes. The TypeScript counterpart of BentoML's
 * `BentoService`: declared artifacts, an environment, and named APIs, each with an input adapter, an optional
 * output adapter, a batch flag and docs.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import type { InputAdapter, JsonValue, OutputAdapter } from "./adapter.ts";
import type { ArtifactSpecs, LoadedArtifacts } from "./artifact.ts";
import type { InferenceTask, ItemResult } from "./inference.ts";
import { RESERVED_API_NAMES, validateIdentifier, validateName } from "./names.ts";

/** Permissions by kind: `true` for all of that kind, or a list of paths, hosts or variable names. */
export interface ServicePermissions {
  /** Paths the service may read besides its bundle (relative: inside the bundle). */
  readonly read?: true | readonly string[];
  /** Paths the service may write (relative: inside the bundle). */
  readonly write?: true | readonly string[];
  /** Hosts (`host` or `host:port`) the service may connect to. */
  readonly net?: true | readonly string[];
  /** Environment variables the service may read. */
  readonly env?: true | readonly string[];
}

/** What a service needs from its host, recorded in bento.yaml. */
export interface ServiceEnv {
  /**
   * What the service code needs beyond reading its own bundle; it runs in a sandbox that allows nothing
   * else (docs/bundling.md, "Permissions"). By kind, `true` for all of it or a list: `read`/`write` paths
   * (relative ones are inside the bundle), `net` hosts (`host` or `host:port`), `env` variable names, e.g.
   * `{ net: ["api.example.com:443"], env: ["API_TOKEN"] }`. A list of kind names (`["net"]`) means all of
   * each. `run`, `ffi` and `sys` are never given.
   */
  permissions?: ServicePermissions | readonly string[];
  /** Base image for the generated Dockerfile (default `debian:bookworm-slim`). */
  dockerBaseImage?: string;
}

/** Options for {@link defineService}. */
export interface ServiceOptions<A extends ArtifactSpecs> {
  /** Service name: the default bundle name. */
  name: string;
  /** Declared artifacts by name; the loaded values reach APIs as `ctx.artifacts`. */
  artifacts?: A;
  /** What the service needs from its host. */
  env?: ServiceEnv;
  /** A description for docs. */
  doc?: string;
}

/** What every API call gets besides its input. */
export interface ApiContext<A extends ArtifactSpecs> {
  /** Loaded artifact values, by declared name. */
  readonly artifacts: LoadedArtifacts<A>;
  /** Each artifact's pack-time metadata, by declared name. */
  readonly metadata: { readonly [K in keyof A]: Readonly<Record<string, JsonValue>> };
  /** Aborted when the caller gives up (deadline, disconnect, shutdown). */
  readonly signal: AbortSignal;
}

/** Context of a batch API call: one task per row of the batch. */
export interface BatchApiContext<A extends ArtifactSpecs> extends ApiContext<A> {
  /** One task per row, aligned with the batch and the returned list. */
  readonly tasks: readonly InferenceTask[];
}

/** Context of a single-item API call. */
export interface SingleApiContext<A extends ArtifactSpecs> extends ApiContext<A> {
  /** The task of this item. */
  readonly task: InferenceTask;
}

/** Options shared by every API. */
export interface ApiOptions<I, B> {
  /** Decodes requests into items. */
  input: InputAdapter<I, B>;
  /** Encodes results (default: JSON). */
  output?: OutputAdapter;
  /** A description for docs. */
  doc?: string;
}

/** Options of a batch API: the handler gets a merged batch and returns one result per row. */
export interface BatchApiOptions<I, B> extends ApiOptions<I, B> {
  /** Marks a batch API. */
  batch: true;
}

/** Options of a single-item API: the handler gets one item and returns its result. */
export interface SingleApiOptions<I, B> extends ApiOptions<I, B> {
  /** Marks a single-item API (the default). */
  batch?: false;
}

/** A batch API function: a batch in, a same-length list of results out. */
export type BatchHandler<A extends ArtifactSpecs, B, R> = (
  batch: B,
  ctx: BatchApiContext<A>,
) => readonly ItemResult<R>[] | Promise<readonly ItemResult<R>[]>;

/** A single-item API function. */
export type SingleHandler<A extends ArtifactSpecs, I, R> = (
  item: I,
  ctx: SingleApiContext<A>,
) => ItemResult<R> | Promise<ItemResult<R>>;

/** A declared API, as the runtime sees it. */
export type ApiSpec<A extends ArtifactSpecs> =
  & {
    readonly name: string;
    readonly input: InputAdapter<unknown, unknown>;
    readonly output?: OutputAdapter;
    readonly doc: string;
  }
  & (
    | { readonly batch: true; readonly handler: BatchHandler<A, unknown, unknown> }
    | { readonly batch: false; readonly handler: SingleHandler<A, unknown, unknown> }
  );

/**
 * A service: artifacts plus named APIs. Build one with {@link defineService} and add APIs with `.api()`.
 *
 * @example
 * ```ts
 * import { defineService } from "./service.ts";
 * import { JsonInput } from "../adapters/json_input.ts";
 * const svc = defineService({ name: "Echo" })
 *   .api("echo", { input: new JsonInput() }, (item) => item);
 * console.log([...svc.apis.keys()]); // ["echo"]
 * ```
 */
export class Service<A extends ArtifactSpecs = ArtifactSpecs> {
  /** Service name. */
  readonly name: string;
  /** Declared artifacts. */
  readonly artifacts: Readonly<A>;
  /** What the service needs from its host. */
  readonly env: Readonly<ServiceEnv>;
  /** Description. */
  readonly doc: string;
  readonly #apis = new Map<string, ApiSpec<A>>();

  /** Prefer {@link defineService}. */
  constructor(options: ServiceOptions<A>) {
    if (options === null || typeof options !== "object") {
      throw new ObentoError("BAD_SERVICE", "defineService needs an options object with at least a name");
    }
    this.name = validateName(options.name, "service name");
    this.artifacts = { ...(options.artifacts ?? {}) } as A;
    for (const [name, spec] of Object.entries(this.artifacts)) {
      validateIdentifier(name, "artifact name");
      if (!spec || typeof spec.load !== "function" || typeof spec.inspect !== "function") {
        throw new ObentoError(
          "BAD_SERVICE",
          `artifact "${name}" of service ${this.name} is not an artifact: use new OnnxModelArtifact(), ` +
            `new JsonArtifact() or an object implementing ArtifactSpec`,
        );
      }
    }
    this.env = { ...options.env };
    this.doc = options.doc ?? "";
  }

  /** The declared APIs, by name, in declaration order. */
  get apis(): ReadonlyMap<string, ApiSpec<A>> {
    return this.#apis;
  }

  /** Adds a batch API: `handler` gets the merged batch and must return one result per row. */
  api<I, B, R>(name: string, options: BatchApiOptions<I, B>, handler: BatchHandler<A, B, R>): this;
  /** Adds a single-item API: `handler` gets one item and returns its result. */
  api<I, B, R>(name: string, options: SingleApiOptions<I, B>, handler: SingleHandler<A, I, R>): this;
  api<I, B, R>(
    name: string,
    options: BatchApiOptions<I, B> | SingleApiOptions<I, B>,
    handler: BatchHandler<A, B, R> | SingleHandler<A, I, R>,
  ): this {
    validateIdentifier(name, "API name");
    if (RESERVED_API_NAMES.includes(name)) {
      throw new ObentoError("BAD_SERVICE", `API name "${name}" is reserved for the server; choose another`);
    }
    if (this.#apis.has(name)) {
      throw new ObentoError("BAD_SERVICE", `service ${this.name} declares API "${name}" twice`);
    }
    if (!options?.input || typeof options.input.fromJson !== "function") {
      throw new ObentoError(
        "BAD_SERVICE",
        `API "${name}" needs an input adapter, e.g. { input: new JsonInput() }`,
      );
    }
    if (typeof handler !== "function") {
      throw new ObentoError("BAD_SERVICE", `API "${name}" needs a handler function`);
    }
    const common = {
      name,
      input: options.input as InputAdapter<unknown, unknown>,
      output: options.output,
      doc: options.doc ?? "",
    };
    this.#apis.set(
      name,
      options.batch === true
        ? { ...common, batch: true, handler: handler as BatchHandler<A, unknown, unknown> }
        : { ...common, batch: false, handler: handler as SingleHandler<A, unknown, unknown> },
    );
    return this;
  }
}

/**
 * Defines a service; add APIs with `.api(name, options, handler)` and export it as the module's default.
 *
 * @example
 * ```ts
 * import { defineService } from "./service.ts";
 * import { JsonInput } from "../adapters/json_input.ts";
 * export default defineService({ name: "Greeter" })
 *   .api("hello", { input: new JsonInput(), doc: "says hello" }, (item) => ({ hello: item }));
 * ```
 */
export function defineService<A extends ArtifactSpecs = Record<never, never>>(
  options: ServiceOptions<A>,
): Service<A> {
  return new Service(options);
}

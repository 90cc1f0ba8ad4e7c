/**
 * A loaded, ready service: artifacts loaded, APIs resolved. Callers decode wire data with the API's input
 * adapter, call {@link LoadedService.invoke} with the items, and encode outcomes with the output adapter.
 *
 * @module
 */
import { BadInputError, ObentoError } from "../errors.ts";
import type { OutputAdapter } from "../sdk/adapter.ts";
import type { ArtifactSpecs } from "../sdk/artifact.ts";
import type { ApiSpec, Service } from "../sdk/service.ts";
import type { BentoDocument } from "../bundle/bento_yaml.ts";
import { invokeApi, type InvokeContext, type ItemOutcome } from "./invoke.ts";

/** Options for one call. */
export interface CallOptions {
  /** Aborts the call (deadline, shutdown). */
  signal?: AbortSignal;
}

/**
 * A service with its artifacts loaded.
 *
 * @example
 * ```ts
 * import { load } from "../../mod.ts";
 * const svc = await load("./IrisClassifier-bundle");
 * const result = await svc.call("predict", [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }]);
 * await svc.close();
 * ```
 */
export class LoadedService {
  /** The bundle's directory, or undefined for a service loaded from source. */
  readonly path: string | undefined;
  /** The bundle's bento.yaml. */
  readonly document: BentoDocument;
  /** The service definition. */
  readonly service: Service<ArtifactSpecs>;
  readonly #ctx: InvokeContext;
  readonly #defaultOutput: OutputAdapter;
  readonly #unload: () => Promise<void>;
  readonly #systemApis: ReadonlyMap<string, ApiSpec<ArtifactSpecs>>;
  #closed = false;

  /** Made by `load()`; not meant to be constructed by users. */
  constructor(init: {
    path: string | undefined;
    document: BentoDocument;
    service: Service<ArtifactSpecs>;
    context: InvokeContext;
    defaultOutput: OutputAdapter;
    unload: () => Promise<void>;
    /** APIs the host adds (e.g. `v2:<model>` for Open Inference Protocol v2), not listed in `apiNames`. */
    systemApis?: ReadonlyMap<string, ApiSpec<ArtifactSpecs>>;
  }) {
    this.path = init.path;
    this.document = init.document;
    this.service = init.service;
    this.#ctx = init.context;
    this.#defaultOutput = init.defaultOutput;
    this.#unload = init.unload;
    this.#systemApis = init.systemApis ?? new Map();
  }

  /** Bundle name. */
  get name(): string {
    return this.document.name;
  }

  /** Bundle version. */
  get version(): string {
    return this.document.version;
  }

  /** Loaded artifact values by name (models, vocabularies…). */
  get artifacts(): Readonly<Record<string, unknown>> {
    return this.#ctx.artifacts;
  }

  /** API names in declaration order. */
  get apiNames(): string[] {
    return [...this.service.apis.keys()];
  }

  /** The API called `name`; NOT_FOUND naming the APIs that exist otherwise. */
  api(name: string): ApiSpec<ArtifactSpecs> {
    const api = this.service.apis.get(name) ?? this.#systemApis.get(name);
    if (!api) {
      throw new ObentoError(
        "NOT_FOUND",
        `${this.name} has no API "${name}"; its APIs are: ${this.apiNames.join(", ") || "(none)"}`,
      );
    }
    return api;
  }

  /** The output adapter of an API (JsonOutput when the API declares none). */
  output(name: string): OutputAdapter {
    return this.api(name).output ?? this.#defaultOutput;
  }

  /** Runs an API on decoded items; one outcome per item, in order. */
  async invoke(name: string, items: readonly unknown[], options: CallOptions = {}): Promise<ItemOutcome[]> {
    if (this.#closed) throw new ObentoError("UNAVAILABLE", `${this.name}:${this.version} is closed`);
    const api = this.api(name);
    const signal = options.signal ?? this.#ctx.signal;
    return await invokeApi(api, items, { ...this.#ctx, signal });
  }

  /**
   * Decodes `input` (a JSON value) with the API's input adapter, runs it, and returns the result; a failed
   * item throws an {@link ObentoError} with the item's status.
   */
  async call(name: string, input: unknown, options: CallOptions = {}): Promise<unknown> {
    const api = this.api(name);
    const item = api.input.fromJson(input);
    const [outcome] = await this.invoke(name, [item], options);
    if (!outcome.ok) {
      throw outcome.status < 500
        ? new BadInputError(outcome.message, { status: outcome.status })
        : new ObentoError("INTERNAL", outcome.message, { status: outcome.status });
    }
    return outcome.value;
  }

  /** Frees every artifact (model sessions). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#unload();
  }
}

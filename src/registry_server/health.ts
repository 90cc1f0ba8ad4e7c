/**
 * `GET /healthz` of the registry server: whether the index and the store answer (a cheap query each, with
 * a time limit), so a load balancer or Kubernetes stops sending requests to a server whose database or
 * store has gone away.
 *
 * @module
 */
import { messageOf } from "../errors.ts";
import type { Registry } from "../registry/registry.ts";

/** Each part's state: `ok`, or `unavailable` (failed or too slow; the reason goes to the server's log). */
export type PartHealth = "ok" | "unavailable";

/** What `/healthz` answers (200 when `status` is `ok`, else 503). */
export interface HealthReport {
  /** `ok` when every part is. */
  status: PartHealth;
  /** The index (SQLite or PostgreSQL) answered a one-row query. */
  index: PartHealth;
  /** The store answered a listing of its staging areas. */
  store: PartHealth;
}

/** Options for {@link checkHealth}. */
export interface HealthOptions {
  /** How long each part may take. Default 5000 ms. */
  timeoutMs?: number;
  /** Where a failing part's reason is written (not in the answer: `/healthz` needs no token). */
  log?: (line: string) => void;
}

async function probe(
  what: string,
  run: () => Promise<unknown>,
  options: HealthOptions,
): Promise<PartHealth> {
  const ms = options.timeoutMs ?? 5000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([run(), late]);
    return "ok";
  } catch (error) {
    options.log?.(`healthz: the ${what} is unavailable: ${messageOf(error)}`);
    return "unavailable";
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks the index for one bundle and the store for its staging areas, both at once.
 *
 * @example
 * ```ts
 * import { openRegistry } from "../registry/registry.ts";
 * import { checkHealth } from "./health.ts";
 * const registry = await openRegistry({ home: await Deno.makeTempDir() });
 * console.log(await checkHealth(registry)); // { status: "ok", index: "ok", store: "ok" }
 * registry.close();
 * ```
 */
export async function checkHealth(registry: Registry, options: HealthOptions = {}): Promise<HealthReport> {
  const [index, store] = await Promise.all([
    probe("index", () => registry.index.list({ limit: 1 }), options),
    probe("store", () => registry.store.leftovers(), options),
  ]);
  return { status: index === "ok" && store === "ok" ? "ok" : "unavailable", index, store };
}

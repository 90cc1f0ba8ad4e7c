/**
 * The registry server's Prometheus metrics, on the same small client `obento serve` uses
 * (`src/server/prometheus.ts`), plus the usual `process_*` figures:
 *
 * | metric | labels |
 * | --- | --- |
 * | `obento_registry_requests_total` | `route`, `method`, `status` |
 * | `obento_registry_request_duration_seconds` (histogram, until the response headers) | `route`, `method` |
 * | `obento_registry_received_bytes_total` (request bodies read) | `route` |
 * | `obento_registry_sent_bytes_total` (response bodies written) | `route` |
 * | `obento_registry_push_duration_seconds` (histogram, whole upload) | `outcome` |
 * | `obento_registry_pull_duration_seconds` (histogram, until the archive's last byte) | `outcome` |
 *
 * `route` is the route's pattern (`/v1/bundles/:name/:version/archive`), never the requested path, so
 * bundle names do not become label values; `unmatched` for paths no route knows.
 *
 * @module
 */
import { type Counter, type Histogram, Registry as MetricsRegistry } from "../server/prometheus.ts";
import { type ProcessSampler, registerProcessMetrics } from "../server/process_metrics.ts";

/** Buckets of the push and pull histograms, in seconds: transfers of big bundles take minutes. */
export const TRANSFER_SECONDS_BUCKETS: readonly number[] = [
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  120,
  300,
  600,
  1800,
];

/** How a push or pull ended: `ok`, `error` (an error answer or a failed stream), `aborted` (client left). */
export type TransferOutcome = "ok" | "error" | "aborted";

/** Options for {@link RegistryMetrics}. */
export interface RegistryMetricsOptions {
  /** Where the `process_*` figures come from; `null` leaves them out. Default: this process. */
  process?: ProcessSampler | null;
}

/**
 * The registry server's metric set; one per server, rendered at `GET /metrics`.
 *
 * @example
 * ```ts
 * import { RegistryMetrics } from "./metrics.ts";
 * const metrics = new RegistryMetrics({ process: null });
 * metrics.observeRequest({ route: "/v1/bundles", method: "GET", status: 200, seconds: 0.004 });
 * console.log(metrics.render().includes(
 *   'obento_registry_requests_total{route="/v1/bundles",method="GET",status="200"} 1',
 * )); // true
 * ```
 */
export class RegistryMetrics {
  readonly #registry = new MetricsRegistry();
  /** Requests answered, by route pattern, method and status. */
  readonly requests: Counter;
  /** Time to the response headers, by route pattern and method. */
  readonly duration: Histogram;
  /** Request body bytes read, by route pattern. */
  readonly received: Counter;
  /** Response body bytes written, by route pattern. */
  readonly sent: Counter;
  /** Push (upload) durations, by outcome. */
  readonly push: Histogram;
  /** Pull (archive download) durations, by outcome. */
  readonly pull: Histogram;

  /** Makes the metric set. */
  constructor(options: RegistryMetricsOptions = {}) {
    const r = this.#registry;
    this.requests = r.counter({
      name: "obento_registry_requests_total",
      help: "Requests answered, by route pattern, method and status.",
      labelNames: ["route", "method", "status"],
    });
    this.duration = r.histogram({
      name: "obento_registry_request_duration_seconds",
      help: "Seconds from a request's arrival to its response headers.",
      labelNames: ["route", "method"],
    });
    this.received = r.counter({
      name: "obento_registry_received_bytes_total",
      help: "Request body bytes read (pushed archives).",
      labelNames: ["route"],
    });
    this.sent = r.counter({
      name: "obento_registry_sent_bytes_total",
      help: "Response body bytes written (pulled archives, JSON, the web UI).",
      labelNames: ["route"],
    });
    this.push = r.histogram({
      name: "obento_registry_push_duration_seconds",
      help: "Seconds a push took, from its request to its answer (the whole upload).",
      labelNames: ["outcome"],
      buckets: TRANSFER_SECONDS_BUCKETS,
    });
    this.pull = r.histogram({
      name: "obento_registry_pull_duration_seconds",
      help: "Seconds a pull took, from its request to the archive's last byte.",
      labelNames: ["outcome"],
      buckets: TRANSFER_SECONDS_BUCKETS,
    });
    if (options.process !== null) registerProcessMetrics(r, options.process);
  }

  /** Counts one answered request. */
  observeRequest(r: { route: string; method: string; status: number; seconds: number }): void {
    this.requests.inc({ route: r.route, method: r.method, status: r.status });
    this.duration.observe({ route: r.route, method: r.method }, r.seconds);
  }

  /** The Prometheus text exposition (format 0.0.4). */
  render(): string {
    return this.#registry.render();
  }
}

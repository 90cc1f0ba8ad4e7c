/**
 * Kubernetes manifests for a bundle, as plain objects: a Deployment, Service and HorizontalPodAutoscaler
 * that serve it (`obento deploy k8s`), and an Indexed Job that runs one API over a file in shards
 * (`obento deploy k8s-job`). The image is one `obento containerize` built: the binary as ENTRYPOINT, the
 * bundle at /bundle.
 *
 * @module
 */
import { CONTAINER_USER, IMAGE_PATHS } from "./dockerfile.ts";

/** A Kubernetes object (apiVersion, kind, metadata, …). */
export type Manifest = Record<string, unknown>;

/** Options shared by both kinds of manifests. */
export interface K8sCommonOptions {
  /** The bundle's name (becomes the DNS-1123 object name). */
  bundleName: string;
  /** The bundle's version (a label). */
  bundleVersion: string;
  /** The container image. */
  image: string;
  /** CPU request per pod, in cores (default 1): also the number of model workers. */
  cpu?: number;
  /** Memory request and limit per pod, in MiB (default 1024). */
  memoryMiB?: number;
}

/** Options for {@link serveManifests}. */
export interface K8sServeOptions extends K8sCommonOptions {
  /** Replicas, and the autoscaler's minimum (default 2). */
  replicas?: number;
  /** The autoscaler's maximum (default 3 × replicas). */
  maxReplicas?: number;
  /** The server's port (default 3000). */
  port?: number;
  /** `--shutdown-grace` of the server, ms (default 20000); the pod's grace period is 5 s more. */
  shutdownGraceMs?: number;
}

/** Options for {@link shardedJobManifest}. */
export interface K8sJobOptions extends K8sCommonOptions {
  /** The API to run. */
  api: string;
  /** The input file, an absolute path inside the pod (on `volumeClaim`, mounted at /data). */
  input: string;
  /** Where each shard writes `part-<i>-of-<n>.<format>`, an absolute path inside the pod. */
  outputDir: string;
  /** Output format: json, jsonl, csv or parquet (default jsonl). */
  format?: string;
  /** Shards: pods, each given `--shard i/N`. */
  shards: number;
  /** Pods at once (default: all shards). */
  parallelism?: number;
  /** A PersistentVolumeClaim mounted at /data, holding the input and the output. */
  volumeClaim?: string;
}

/** `IrisClassifier` → `iris-classifier`: a DNS-1123 label (lower case, digits, `-`, at most 63). */
export function objectName(bundleName: string): string {
  const name = bundleName
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return name === "" ? "obento" : name;
}

/** A label value: at most 63 of `[A-Za-z0-9_.-]`, starting and ending alphanumeric. */
function labelValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

function labels(options: K8sCommonOptions): Record<string, string> {
  return {
    "app.kubernetes.io/name": objectName(options.bundleName),
    "app.kubernetes.io/version": labelValue(options.bundleVersion),
    "app.kubernetes.io/managed-by": "obento",
  };
}

function resources(options: K8sCommonOptions): Manifest {
  const memory = `${options.memoryMiB ?? 1024}Mi`;
  return { requests: { cpu: String(options.cpu ?? 1), memory }, limits: { memory } };
}

/** Non-root, read-only root file system (the registry and caches go to an emptyDir at /tmp). */
const SECURITY = {
  runAsNonRoot: true,
  runAsUser: Number(CONTAINER_USER.split(":")[0]),
  runAsGroup: Number(CONTAINER_USER.split(":")[1]),
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

/** Model workers: one per requested core (Deno sees the node's cores, not the pod's share). */
function workers(options: K8sCommonOptions): string {
  return String(Math.max(1, Math.ceil(options.cpu ?? 1)));
}

/**
 * Deployment, Service and HorizontalPodAutoscaler for `obento serve` of the image's bundle: readiness on
 * `/readyz`, liveness on `/healthz`, Prometheus scrape annotations for `/metrics`, and a termination grace
 * period 5 s longer than the server's `--shutdown-grace`, so draining finishes before the kubelet kills.
 *
 * @example
 * ```ts
 * import { serveManifests } from "./k8s.ts";
 * const [deployment] = serveManifests({ bundleName: "IrisClassifier", bundleVersion: "1.0.0", image: "iris:1" });
 * console.log((deployment.metadata as { name: string }).name); // iris-classifier
 * ```
 */
export function serveManifests(options: K8sServeOptions): Manifest[] {
  const name = objectName(options.bundleName);
  const port = options.port ?? 3000;
  const replicas = options.replicas ?? 2;
  const graceMs = options.shutdownGraceMs ?? 20_000;
  const meta = { name, labels: labels(options) };
  const selector = { "app.kubernetes.io/name": name };
  const probe = (path: string, periodSeconds: number) => ({
    httpGet: { path, port: "http" },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold: 3,
  });
  const deployment: Manifest = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta,
    spec: {
      replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: labels(options),
          annotations: {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(port),
            "prometheus.io/path": "/metrics",
          },
        },
        spec: {
          terminationGracePeriodSeconds: Math.ceil(graceMs / 1000) + 5,
          containers: [{
            name: "obento",
            image: options.image,
            args: [
              "serve",
              IMAGE_PATHS.bundle,
              "--host",
              "0.0.0.0",
              "--port",
              String(port),
              "--workers",
              workers(options),
              "--shutdown-grace",
              String(graceMs),
              "--log-format",
              "json",
            ],
            ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
            readinessProbe: probe("/readyz", 5),
            livenessProbe: probe("/healthz", 10),
            // /healthz answers while models load; allow up to 5 minutes for the first answer.
            startupProbe: { ...probe("/healthz", 5), failureThreshold: 60 },
            resources: resources(options),
            securityContext: SECURITY,
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
          }],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      },
    },
  };
  const service: Manifest = {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta,
    spec: {
      selector,
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    },
  };
  const hpa: Manifest = {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: meta,
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
      minReplicas: replicas,
      maxReplicas: options.maxReplicas ?? replicas * 3,
      metrics: [{
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
      }],
    },
  };
  return [deployment, service, hpa];
}

/**
 * An Indexed Job of `shards` pods; pod `i` runs `obento run /bundle <api> --input-file <input> --shard i/N
 * --output <outputDir>/part-i-of-N.<format> --resume`, so the shards cover each record once and a retried
 * pod continues from its checkpoint.
 *
 * @example
 * ```ts
 * import { shardedJobManifest } from "./k8s.ts";
 * const job = shardedJobManifest({
 *   bundleName: "IrisClassifier", bundleVersion: "1", image: "iris:1", api: "predict",
 *   input: "/data/rows.csv", outputDir: "/data/out", shards: 4,
 * });
 * console.log((job.spec as { completions: number }).completions); // 4
 * ```
 */
export function shardedJobManifest(options: K8sJobOptions): Manifest {
  const name = `${objectName(options.bundleName).slice(0, 50).replace(/-+$/, "")}-${objectName(options.api)}`
    .slice(0, 63).replace(/-+$/, "");
  const n = options.shards;
  const format = options.format ?? "jsonl";
  const claim = options.volumeClaim;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, labels: labels(options) },
    spec: {
      completionMode: "Indexed",
      completions: n,
      parallelism: Math.min(options.parallelism ?? n, n),
      backoffLimit: 3 * n,
      template: {
        metadata: { labels: labels(options) },
        spec: {
          restartPolicy: "Never",
          containers: [{
            name: "obento",
            image: options.image,
            // Set explicitly from the downward API so that $(JOB_COMPLETION_INDEX) expands in args.
            env: [{
              name: "JOB_COMPLETION_INDEX",
              valueFrom: {
                fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
              },
            }],
            args: [
              "run",
              IMAGE_PATHS.bundle,
              options.api,
              "--input-file",
              options.input,
              "--shard",
              `$(JOB_COMPLETION_INDEX)/${n}`,
              "--output",
              `${options.outputDir.replace(/\/+$/, "")}/part-$(JOB_COMPLETION_INDEX)-of-${n}.${format}`,
              "--resume",
              "--quiet",
            ],
            resources: resources(options),
            securityContext: SECURITY,
            volumeMounts: [
              { name: "tmp", mountPath: "/tmp" },
              ...(claim ? [{ name: "data", mountPath: "/data" }] : []),
            ],
          }],
          volumes: [
            { name: "tmp", emptyDir: {} },
            ...(claim ? [{ name: "data", persistentVolumeClaim: { claimName: claim } }] : []),
          ],
        },
      },
    },
  };
}

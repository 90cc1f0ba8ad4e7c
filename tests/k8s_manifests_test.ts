/**
 * The manifests validate against the Kubernetes API's JSON schemas (npm `kubernetes-models`, generated from
 * the Kubernetes OpenAPI spec, with compiled validators: offline), and say what the server needs.
 *
 * In tests/, not beside src/ship/k8s.ts: `deno task compile` embeds src/ with `--include`, and a test file
 * there would pull kubernetes-models (5 MB with its validators) into the binary (scripts/compile_test.ts).
 */
import assert from "node:assert/strict";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Job } from "kubernetes-models/batch/v1/Job";
import { Service } from "kubernetes-models/v1/Service";
import { type Manifest, objectName, serveManifests, shardedJobManifest } from "../src/ship/k8s.ts";

/** Validates `m` with the schema of its kind; throws the validator's message. */
function validate(m: Manifest): void {
  const classes: Record<string, new (data: never) => { validate(): void }> = {
    Deployment,
    Service,
    HorizontalPodAutoscaler,
    Job,
  };
  const Kind = classes[m.kind as string];
  assert.ok(Kind, `no schema for ${m.kind}`);
  new Kind(structuredClone(m) as never).validate();
}

// deno-lint-ignore no-explicit-any
type Loose = any;

Deno.test("the validator rejects a malformed manifest (so passing means something)", () => {
  const [deployment] = serveManifests({ bundleName: "Iris", bundleVersion: "1", image: "iris:1" });
  const bad: Loose = structuredClone(deployment);
  bad.spec.template.spec.containers[0].ports[0].containerPort = "3000";
  assert.throws(() => validate(bad), /containerPort must be integer/);
  const noImage: Loose = structuredClone(deployment);
  delete noImage.spec.selector;
  assert.throws(() => validate(noImage), /selector/);
});

Deno.test("deploy k8s: Deployment, Service and HPA validate and carry probes, annotations and the drain", () => {
  const manifests = serveManifests({
    bundleName: "IrisClassifier",
    bundleVersion: "20261127114004_360ECB",
    image: "registry.example/iris:1",
    replicas: 3,
    cpu: 2,
    memoryMiB: 768,
    shutdownGraceMs: 30_000,
  });
  assert.deepEqual(manifests.map((m) => m.kind), ["Deployment", "Service", "HorizontalPodAutoscaler"]);
  for (const m of manifests) validate(m);
  const [d, s, h]: Loose[] = manifests;
  assert.equal(d.metadata.name, "iris-classifier");
  assert.equal(d.spec.replicas, 3);
  const pod = d.spec.template;
  assert.deepEqual(pod.metadata.annotations, {
    "prometheus.io/scrape": "true",
    "prometheus.io/port": "3000",
    "prometheus.io/path": "/metrics",
  });
  assert.equal(pod.spec.terminationGracePeriodSeconds, 35);
  const c = pod.spec.containers[0];
  assert.deepEqual(c.args, [
    "serve",
    "/bundle",
    "--host",
    "0.0.0.0",
    "--port",
    "3000",
    "--workers",
    "2",
    "--shutdown-grace",
    "30000",
    "--log-format",
    "json",
  ]);
  assert.equal(c.readinessProbe.httpGet.path, "/readyz");
  assert.equal(c.livenessProbe.httpGet.path, "/healthz");
  assert.deepEqual(c.resources, { requests: { cpu: "2", memory: "768Mi" }, limits: { memory: "768Mi" } });
  assert.equal(c.securityContext.runAsUser, 65532);
  assert.deepEqual(s.spec.selector, d.spec.selector.matchLabels);
  assert.deepEqual(d.spec.selector.matchLabels, { "app.kubernetes.io/name": "iris-classifier" });
  assert.equal(s.spec.ports[0].targetPort, "http");
  assert.deepEqual([h.spec.minReplicas, h.spec.maxReplicas, h.spec.scaleTargetRef.name], [
    3,
    9,
    "iris-classifier",
  ]);
});

Deno.test("deploy k8s-job: an Indexed Job whose pods pass --shard $JOB_COMPLETION_INDEX/N", () => {
  const job: Loose = shardedJobManifest({
    bundleName: "IrisClassifier",
    bundleVersion: "1.0.0",
    image: "iris:1",
    api: "predict",
    input: "/data/rows.csv",
    outputDir: "/data/out/",
    shards: 8,
    parallelism: 4,
    volumeClaim: "iris-data",
  });
  validate(job);
  assert.equal(job.metadata.name, "iris-classifier-predict");
  assert.deepEqual([job.spec.completionMode, job.spec.completions, job.spec.parallelism], ["Indexed", 8, 4]);
  const c = job.spec.template.spec.containers[0];
  assert.deepEqual(c.args, [
    "run",
    "/bundle",
    "predict",
    "--input-file",
    "/data/rows.csv",
    "--shard",
    "$(JOB_COMPLETION_INDEX)/8",
    "--output",
    "/data/out/part-$(JOB_COMPLETION_INDEX)-of-8.jsonl",
    "--resume",
    "--quiet",
  ]);
  assert.equal(c.env[0].name, "JOB_COMPLETION_INDEX");
  assert.match(c.env[0].valueFrom.fieldRef.fieldPath, /job-completion-index/);
  assert.deepEqual(job.spec.template.spec.volumes[1], {
    name: "data",
    persistentVolumeClaim: { claimName: "iris-data" },
  });
});

Deno.test("objectName makes DNS-1123 labels of bundle names", () => {
  assert.equal(objectName("IrisClassifier"), "iris-classifier");
  assert.equal(objectName("text_topic.v2"), "text-topic-v2");
  assert.equal(objectName("DigitsCNN"), "digits-cnn");
  assert.equal(objectName("A".repeat(80)).length, 63);
});

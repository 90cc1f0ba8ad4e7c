/**
 * `obento deploy k8s <bundle> …` and `obento deploy k8s-job <bundle> <api> …`: Kubernetes manifests for a
 * bundle's image (one `obento containerize` built), printed or written to a directory.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { ObentoError } from "../errors.ts";
import { SERVE_DEFAULTS } from "../defaults.ts";
import { type Manifest, serveManifests, shardedJobManifest } from "../ship/k8s.ts";
import { writeDirectory } from "../ship/output_dir.ts";
import { intFlag, type ParsedArgs, parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";
import { resolveShipBundle } from "./ship_bundle.ts";

const HELP = `Usage:
  obento deploy k8s <bundle | NAME:VERSION | NAME:latest> [options]
  obento deploy k8s-job <bundle> <api> --input PATH --shards N [options]

k8s: a Deployment (readiness on /readyz, liveness on /healthz, Prometheus scrape annotations for
/metrics, a termination grace period 5 s longer than the server's --shutdown-grace, non-root with a
read-only root file system), a Service (port 80 → the server) and a HorizontalPodAutoscaler (CPU 70 %).

k8s-job: an Indexed Job of N pods; pod i runs \`obento run /bundle <api> --input-file PATH --shard i/N
--output DIR/part-i-of-N.FORMAT --resume\`, so the pods cover every record once and a retried pod resumes.

The image is one \`obento containerize\` built and you pushed (the bundle at /bundle).

Options:
  --image IMG            the container image (default obento-<name>:<version>)
  --output DIR           write the manifests to DIR (refused if it exists, unless --force); default:
                         print them as one YAML stream
  --force                replace DIR
  --cpu N                CPU request per pod, cores (default 1; serve also runs that many model workers)
  --memory MIB           memory request and limit per pod, MiB (default 1024)
k8s:
  --replicas N           replicas and the autoscaler's minimum (default 2)
  --max-replicas N       the autoscaler's maximum (default 3 × replicas)
  --port N               the server's port (default 3000)
  --shutdown-grace MS    the server's drain on SIGTERM, ms (default ${SERVE_DEFAULTS.shutdownGraceMs})
k8s-job:
  --input PATH           the input file, an absolute path inside the pods (e.g. on --pvc)
  --shards N             pods, each given --shard i/N
  --output-dir PATH      where the parts go, inside the pods (default /data/out)
  --format F             json, jsonl (default), csv or parquet
  --parallelism N        pods at once (default: all)
  --pvc NAME             a PersistentVolumeClaim mounted at /data
  -h, --help             show this help

Examples:
  obento deploy k8s IrisClassifier:latest --image registry.example/iris:1 --replicas 3 --output k8s/
  obento deploy k8s-job IrisClassifier predict --input /data/rows.csv --shards 8 --pvc iris-data | kubectl apply -f -
`;

const FORMATS = ["json", "jsonl", "csv", "parquet"];

function absolutePath(flag: string, value: string | undefined, fallback?: string): string {
  const path = value ?? fallback;
  if (path === undefined || path === "") {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento deploy k8s-job: give --${flag} PATH (see \`obento deploy --help\`)`,
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento deploy k8s-job: --${flag} ${path}: obento run reads and writes files, not URLs; put the data on ` +
        `a volume (--pvc NAME mounts one at /data) and give its path`,
    );
  }
  if (!path.startsWith("/") || path.split("/").includes("..")) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento deploy k8s-job: --${flag} must be an absolute path inside the pod without "..", got "${path}"`,
    );
  }
  return path;
}

function common(parsed: ParsedArgs, defaultImage: string) {
  const image = stringFlag(parsed, "image") ?? defaultImage;
  if (!/^[a-z0-9][\w.\-/:@]*$/i.test(image)) {
    throw new ObentoError("BAD_ARGUMENT", `obento deploy: --image "${image}" is not an image reference`);
  }
  const cpuRaw = stringFlag(parsed, "cpu");
  const cpu = cpuRaw === undefined ? 1 : Number(cpuRaw);
  if (!Number.isFinite(cpu) || cpu <= 0 || !/^\d+(\.\d{1,3})?$/.test(cpuRaw ?? "1")) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento deploy: --cpu must be a positive number of cores, got "${cpuRaw}"`,
    );
  }
  return { image, cpu, memoryMiB: intFlag("deploy", parsed, "memory", 1024) };
}

async function emit(ctx: CliContext, parsed: ParsedArgs, files: Record<string, Manifest>): Promise<void> {
  const output = stringFlag(parsed, "output");
  if (output === undefined) {
    ctx.out(Object.values(files).map((m) => stringify(m)).join("---\n"));
    return;
  }
  const target = resolve(ctx.cwd, output);
  await writeDirectory(target, async (dir) => {
    for (const [name, m] of Object.entries(files)) await Deno.writeTextFile(join(dir, name), stringify(m));
  }, { force: parsed.values.force === true });
  ctx.err(`wrote ${Object.keys(files).join(", ")} to ${target}; apply with: kubectl apply -f ${target}\n`);
}

/** The `deploy` command. */
export const deployCommand: Command = {
  name: "deploy",
  summary: "write Kubernetes manifests for a bundle: a scaled service (k8s) or a sharded batch job (k8s-job)",
  help: HELP,
  async run(args: string[], ctx: CliContext): Promise<number> {
    const [target, ...rest] = args;
    if (target !== "k8s" && target !== "k8s-job") {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `obento deploy: give a target, k8s or k8s-job${
          target ? `, not "${target}"` : ""
        } (see \`obento deploy --help\`)`,
      );
    }
    const parsed = parseFlags(`deploy ${target}`, rest, {
      image: { type: "string" },
      output: { type: "string" },
      force: { type: "boolean" },
      cpu: { type: "string" },
      memory: { type: "string" },
      ...(target === "k8s"
        ? {
          replicas: { type: "string" },
          "max-replicas": { type: "string" },
          port: { type: "string" },
          "shutdown-grace": { type: "string" },
        }
        : {
          input: { type: "string" },
          shards: { type: "string" },
          "output-dir": { type: "string" },
          format: { type: "string" },
          parallelism: { type: "string" },
          pvc: { type: "string" },
        }),
    });
    const wanted = target === "k8s" ? 1 : 2;
    if (parsed.positionals.length !== wanted) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        target === "k8s"
          ? "obento deploy k8s: give one bundle (see `obento deploy --help`)"
          : "obento deploy k8s-job: give a bundle and an API (see `obento deploy --help`)",
      );
    }
    const bundle = await resolveShipBundle(parsed.positionals[0], ctx);
    const { name, version } = bundle.document;
    const base = {
      bundleName: name,
      bundleVersion: version,
      ...common(parsed, `obento-${name.toLowerCase()}:${version}`),
    };
    if (target === "k8s") {
      const replicas = intFlag("deploy k8s", parsed, "replicas", 2);
      const maxReplicas = intFlag("deploy k8s", parsed, "max-replicas", replicas * 3);
      if (maxReplicas < replicas) {
        throw new ObentoError(
          "BAD_ARGUMENT",
          `obento deploy k8s: --max-replicas ${maxReplicas} is below --replicas ${replicas}`,
        );
      }
      const port = intFlag("deploy k8s", parsed, "port", 3000);
      if (port > 65535) throw new ObentoError("BAD_ARGUMENT", `obento deploy k8s: --port must be 1 to 65535`);
      const [deployment, service, hpa] = serveManifests({
        ...base,
        replicas,
        maxReplicas,
        port,
        shutdownGraceMs: intFlag("deploy k8s", parsed, "shutdown-grace", SERVE_DEFAULTS.shutdownGraceMs),
      });
      await emit(ctx, parsed, { "deployment.yaml": deployment, "service.yaml": service, "hpa.yaml": hpa });
      return 0;
    }
    const api = parsed.positionals[1];
    const apis = bundle.document.service.apis.map((a) => a.name);
    if (!apis.includes(api)) {
      throw new ObentoError(
        "NOT_FOUND",
        `${name}:${version} has no API "${api}"; its APIs: ${apis.join(", ")}`,
      );
    }
    const shardsRaw = stringFlag(parsed, "shards");
    if (shardsRaw === undefined) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "obento deploy k8s-job: give --shards N (see `obento deploy --help`)",
      );
    }
    const format = stringFlag(parsed, "format") ?? "jsonl";
    if (!FORMATS.includes(format)) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `obento deploy k8s-job: --format must be one of ${FORMATS.join(", ")}`,
      );
    }
    const shards = intFlag("deploy k8s-job", parsed, "shards", 1);
    const pvc = stringFlag(parsed, "pvc");
    if (pvc !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(pvc)) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `obento deploy k8s-job: --pvc "${pvc}" is not a Kubernetes object name`,
      );
    }
    const job = shardedJobManifest({
      ...base,
      api,
      input: absolutePath("input", stringFlag(parsed, "input")),
      outputDir: absolutePath("output-dir", stringFlag(parsed, "output-dir"), "/data/out"),
      format,
      shards,
      parallelism: intFlag("deploy k8s-job", parsed, "parallelism", shards),
      volumeClaim: pvc,
    });
    await emit(ctx, parsed, { "job.yaml": job });
    return 0;
  },
};

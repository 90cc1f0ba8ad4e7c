/**
 * The table of `obento` commands, in the order `obento --help` lists them. Each command's module is imported
 * only when that command runs: `obento serve` never evaluates pack's TypeScript compiler and esbuild, the
 * registry's S3 and PostgreSQL clients or `run`'s Parquet reader (cold start: docs/benchmarks.md, "Devices").
 * The summaries are repeated here so `obento --help` loads none of them; src/cli/main_test.ts checks that
 * they match the commands'.
 *
 * @module
 */
import type { Command } from "./command.ts";

/** A command known by name and summary, whose module is loaded when it runs. */
export interface LazyCommand {
  /** The command's name, as typed after `obento`. */
  readonly name: string;
  /** One line for `obento --help`. */
  readonly summary: string;
  /** Imports the command's module. */
  load(): Promise<Command>;
}

/** Every command, by name. */
export const COMMANDS: readonly LazyCommand[] = [
  {
    name: "init",
    summary: "create a service project (deno.json, service.ts, a test, a model) to start from",
    load: async () => (await import("./init.ts")).initCommand,
  },
  {
    name: "pack",
    summary: "pack a service (or a bare .onnx model) and its artifacts into a bundle",
    load: async () => (await import("./pack.ts")).packCommand,
  },
  {
    name: "run",
    summary: "run one API of a bundle on JSON, CSV, Parquet, files or stdin, at any scale",
    load: async () => (await import("./run.ts")).runCommand,
  },
  {
    name: "serve",
    summary: "serve a bundle's APIs over HTTP with adaptive micro-batching",
    load: async () => (await import("./serve.ts")).serveCommand,
  },
  {
    name: "list",
    summary: "list saved bundles, newest first",
    load: async () => (await import("./list.ts")).listCommand,
  },
  {
    name: "get",
    summary: "show a saved bundle's summary, bento.yaml or location, or the versions of a name",
    load: async () => (await import("./get.ts")).getCommand,
  },
  {
    name: "delete",
    summary: "delete saved bundles, by name, version or labels",
    load: async () => (await import("./delete.ts")).deleteCommand,
  },
  {
    name: "retrieve",
    summary: "copy a saved bundle out of the registry into a new directory",
    load: async () => (await import("./retrieve.ts")).retrieveCommand,
  },
  {
    name: "push",
    summary: "copy a saved bundle to a registry server",
    load: async () => (await import("./push.ts")).pushCommand,
  },
  {
    name: "pull",
    summary: "copy a bundle from a registry server into the local registry",
    load: async () => (await import("./pull.ts")).pullCommand,
  },
  {
    name: "registry",
    summary:
      "check the registry (verify), remove leftovers (gc), serve it to a team (serve), manage tokens (token)",
    load: async () => (await import("./registry_cmd.ts")).registryCommand,
  },
  {
    name: "containerize",
    summary: "write a Docker build context (Dockerfile, bundle, binary) that serves a bundle",
    load: async () => (await import("./containerize.ts")).containerizeCommand,
  },
  {
    name: "deploy",
    summary:
      "write Kubernetes manifests for a bundle: a scaled service (k8s) or a sharded batch job (k8s-job)",
    load: async () => (await import("./deploy.ts")).deployCommand,
  },
  {
    name: "export",
    summary: "write a bundle as a static web site that runs it in the browser (export web)",
    load: async () => (await import("./export.ts")).exportCommand,
  },
  {
    name: "healthcheck",
    summary: "check a running server's /healthz (exit 0 healthy, 1 not): for container health checks",
    load: async () => (await import("./healthcheck.ts")).healthcheckCommand,
  },
];

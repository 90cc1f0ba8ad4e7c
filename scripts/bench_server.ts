/**
 * What the serving benchmarks (`bench_serve.ts`, `bench_overload.ts`) share: the two bundles they serve
 * (the iris classifier and the zero-code MLP 784→1024→1024→10), packed from a checkout, and a server process
 * started and awaited until `/readyz` answers 200.
 *
 * @module
 */
import { join } from "node:path";
import { RUN_FLAGS } from "./obento_flags.ts";

/** A port free right now (the server binds it a moment later). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * `deno` arguments that run `root`'s obento CLI as `deno task obento` and the binary do (add the command);
 * `denoFlags` go before them (e.g. `--inspect=…` for a profile).
 */
export function obentoCommand(root: string, denoFlags: readonly string[] = []): string[] {
  return ["run", "--quiet", ...denoFlags, ...RUN_FLAGS, join(root, "main.ts")];
}

async function pack(root: string, home: string, args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [...obentoCommand(root), "pack", ...args],
    cwd: root,
    env: { OBENTO_HOME: home },
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
}

/** The benchmark bundles: `pack` arguments by the folder name under the home they are packed into. */
const BENCH_BUNDLES = {
  iris: ["bundles/iris_classifier/service.ts", "--artifact", "model=bundles/iris_classifier/iris_lr.onnx"],
  mlp: ["tests/fixtures/mlp_784.onnx", "--name", "MLP"],
} as const;

/** Packs one benchmark bundle into `<home>/<bundle>` with `root`'s CLI; returns its directory. */
export async function packBenchBundle(
  root: string,
  home: string,
  bundle: keyof typeof BENCH_BUNDLES,
): Promise<string> {
  const output = join(home, bundle);
  await pack(root, home, [...BENCH_BUNDLES[bundle], "--output", output]);
  return output;
}

/** Packs the iris classifier into `<home>/iris` and the MLP into `<home>/mlp`, with `root`'s CLI. */
export async function packBenchBundles(root: string, home: string): Promise<void> {
  await packBenchBundle(root, home, "iris");
  await packBenchBundle(root, home, "mlp");
}

/** A started server process. */
export interface Started {
  /** Its base URL. */
  url: string;
  /** Its process id (for RSS and CPU time). */
  pid: number;
  /** From spawning it to the first 200 on `/readyz`, ms. */
  coldStartMs: number;
  /** Sends SIGTERM and waits for it to exit. */
  stop(): Promise<void>;
}

/** Options for {@link startProcess}. */
export interface StartProcessOptions {
  /**
   * The URL when the caller chose the port (`obento serve --log-level error` does not log its "listening on"
   * line); default: read from that line.
   */
  url?: string;
  /** How long it may take to answer 200 on `/readyz`, ms. Default 60,000. */
  timeoutMs?: number;
}

/**
 * Starts `deno ...args` with `env`, waits for its URL and then polls `/readyz` every 2 ms (so the cold start
 * is measured closely) until it answers 200; throws with the process's log when it takes too long.
 */
export async function startProcess(
  args: string[],
  env: Record<string, string>,
  options: StartProcessOptions = {},
): Promise<Started> {
  const t0 = performance.now();
  const timeoutMs = options.timeoutMs ?? 60_000;
  const child = new Deno.Command(Deno.execPath(), { args, env, stdout: "null", stderr: "piped" }).spawn();
  let log = "";
  const decoder = new TextDecoder();
  (async () => {
    for await (const chunk of child.stderr) log += decoder.decode(chunk, { stream: true });
  })();
  const give = (why: string): never => {
    child.kill("SIGKILL");
    throw new Error(`${why}:\n${log}`);
  };
  let url: string | undefined = options.url;
  while (!(url ??= /listening on (http:\/\/\S+)/.exec(log)?.[1])) {
    if (performance.now() - t0 > timeoutMs) give("no listen line");
    await new Promise((r) => setTimeout(r, 2));
  }
  for (;;) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    await r?.body?.cancel();
    if (r?.status === 200) break;
    if (performance.now() - t0 > timeoutMs) give("not ready");
    await new Promise((r) => setTimeout(r, 2));
  }
  const coldStartMs = performance.now() - t0;
  return {
    url,
    pid: child.pid,
    coldStartMs,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

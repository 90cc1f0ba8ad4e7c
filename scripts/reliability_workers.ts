/**
 * `deno task reliability:workers [--rounds N]`: how the server survives service code that misbehaves, with
 * figures for docs/reliability.md. Packs tests/fixtures/services/unruly (an API that busy-loops forever and
 * one that calls `Deno.exit()`), serves it with 2 workers and `--timeout 1000`, then for N rounds:
 *
 * - sends two requests to the looping API at once (both workers stuck) and measures the time from their 504s
 *   to the first 200 from a well-behaved API (the workers are stopped and replaced);
 * - sends one request to the exiting API and measures the time to the next 200;
 * - probes /healthz every 100 ms throughout and keeps the slowest answer.
 *
 * Then it stops the server with SIGTERM while a looping request runs (`--shutdown-grace 2000`) and measures
 * how long the exit takes. Prints a markdown report.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { RUN_FLAGS } from "./obento_flags.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string", default: "10" } } });
const ROUNDS = Number(values.rounds);

const home = await Deno.makeTempDir({ prefix: "obento-reliability-" });
const env = { OBENTO_HOME: home, HOME: home, PATH: "", NO_COLOR: "1", DENO_DIR: denoDir() };

function denoDir(): string {
  return Deno.env.get("DENO_DIR") ??
    join(Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? "/root", ".cache"), "deno");
}

function obento(args: string[], stderr: "piped" | "null" = "piped"): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...RUN_FLAGS, join(ROOT, "main.ts"), ...args],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr,
  });
}

async function post(url: string, body: unknown): Promise<number> {
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await r.body?.cancel();
  return r.status;
}

async function untilOk(url: string): Promise<number> {
  const started = performance.now();
  while ((await post(url, 1)) !== 200) await new Promise((r) => setTimeout(r, 20));
  return performance.now() - started;
}

async function startServer(
  extra: string[],
): Promise<{ url: string; child: Deno.ChildProcess; log: () => string }> {
  const child = obento(["serve", join(home, "unruly"), "--port", "0", ...extra]).spawn();
  let log = "";
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of child.stderr) log += decoder.decode(chunk, { stream: true });
  })();
  for (let i = 0; i < 600; i++) {
    const url = /listening on (http:\/\/\S+)/.exec(log)?.[1];
    if (url) {
      const r = await fetch(`${url}/readyz`).catch(() => undefined);
      await r?.body?.cancel();
      if (r?.status === 200) return { url, child, log: () => log };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become ready:\n${log}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs: number[]) => Math.max(...xs);
const ms = (x: number) => `${Math.round(x)} ms`;

try {
  const packed = await obento([
    "pack",
    "tests/fixtures/services/unruly/service.ts",
    "--no-check",
    "--output",
    join(home, "unruly"),
  ]).output();
  if (packed.code !== 0) throw new Error(new TextDecoder().decode(packed.stderr));

  const server = await startServer(["--workers", "2", "--timeout", "1000", "--mb-max-batch-size", "1"]);
  const health: number[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const started = performance.now();
      const r = await fetch(`${server.url}/healthz`);
      await r.body?.cancel();
      health.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const stuckRecovery: number[] = [];
  const exitRecovery: number[] = [];
  const statuses: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    statuses.push(...await Promise.all([post(`${server.url}/spin`, 1), post(`${server.url}/spin`, 2)]));
    stuckRecovery.push(await untilOk(`${server.url}/echo`));
    await untilWorkers(server.url, 2);
    statuses.push(await post(`${server.url}/exit`, 1));
    exitRecovery.push(await untilOk(`${server.url}/echo`));
    await untilWorkers(server.url, 2);
  }
  probing = false;
  await prober;
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const restarts = [...metrics.matchAll(/obento_worker_restarts_total\{[^}]*cause="(\w+)"\} (\d+)/g)]
    .map((m) => `${m[1]} ${m[2]}`).join(", ");
  server.child.kill("SIGTERM");
  await server.child.status;

  const stopping = await startServer(["--workers", "1", "--timeout", "60000", "--shutdown-grace", "2000"]);
  const spinning = post(`${stopping.url}/spin`, 1).catch(() => 0);
  await new Promise((r) => setTimeout(r, 300));
  const killedAt = performance.now();
  stopping.child.kill("SIGTERM");
  const { code } = await stopping.child.status;
  const stopMs = performance.now() - killedAt;
  await spinning;

  const count = (s: number) => statuses.filter((x) => x === s).length;
  console.log(`## Supervised workers (\`deno task reliability:workers --rounds ${ROUNDS}\`)

| what | figure |
| --- | --- |
| busy-looping requests (both workers stuck at once) | ${ROUNDS * 2}: ${
    count(504)
  } answered 504 at their deadline |
| \`Deno.exit()\` requests | ${ROUNDS}: ${count(500)} answered 500 naming the exit |
| time from the stuck requests' 504 to the next 200 (median / max) | ${ms(median(stuckRecovery))} / ${
    ms(max(stuckRecovery))
  } |
| time from the exit's 500 to the next 200 (median / max) | ${ms(median(exitRecovery))} / ${
    ms(max(exitRecovery))
  } |
| slowest /healthz answer throughout (${health.length} probes) | ${ms(max(health))} |
| workers replaced (from /metrics) | ${restarts} |
| SIGTERM with a stuck request, \`--shutdown-grace 2000\`: exit code, time to exit | ${code}, ${ms(stopMs)} |
`);
} finally {
  await Deno.remove(home, { recursive: true }).catch(() => {});
}

async function untilWorkers(url: string, n: number): Promise<void> {
  for (;;) {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    if (new RegExp(`obento_workers_ready\\{[^}]*\\} ${n}\\n`).test(metrics)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

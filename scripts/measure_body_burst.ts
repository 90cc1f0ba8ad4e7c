/**
 * Measures what a burst of large request bodies does to a serving process (docs/reliability.md, "Memory and
 * connections"): serves tests/fixtures/services/bodies, posts 48 × 16 MiB bodies at once to its 300 ms API,
 * samples the server's RSS with `ps` throughout, then for 20 s after; or holds N slowloris connections and
 * times another client's request.
 *
 * ```sh
 * deno run -A scripts/measure_body_burst.ts burst [--max-body-total BYTES] [--in-process]
 * deno run -A scripts/measure_body_burst.ts connections [--count 5000]
 * ```
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { packBundle } from "../tests/helpers/cli.ts";
import { startServer } from "../tests/helpers/server.ts";

const MiB = 2 ** 20;
const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    "max-body-total": { type: "string" },
    "in-process": { type: "boolean" },
    count: { type: "string", default: "5000" },
  },
});
const mib = (bytes: number) => Math.round(bytes / MiB);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rss(pid: number): Promise<number> {
  const { stdout } = await new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).output();
  return Number(new TextDecoder().decode(stdout).trim()) * 1024;
}

const home = await Deno.makeTempDir({ prefix: "obento-burst-" });
try {
  const bundle = await packBundle(
    home,
    "tests/fixtures/services/bodies/service.ts",
    [],
    join(home, "bodies"),
  );
  const args = [bundle, ...(values["in-process"] ? ["--in-process"] : ["--workers", "1"])];
  if (values["max-body-total"] !== undefined) args.push("--max-body-total", values["max-body-total"]);
  const server = await startServer(home, args);
  const pid = server.child.pid;
  try {
    if (positionals[0] === "connections") {
      const { hostname, port } = new URL(server.url);
      const before = await rss(pid);
      const held: Deno.TcpConn[] = [];
      for (let i = 0; i < Number(values.count); i++) {
        const conn = await Deno.connect({ hostname, port: Number(port) });
        await conn.write(new TextEncoder().encode("POST /size HTTP/1.1\r\nhost: x\r\n"));
        held.push(conn);
      }
      await sleep(3000);
      const after = await rss(pid);
      const started = performance.now();
      const r = await fetch(`${server.url}/size`, { method: "POST", body: "hello" });
      const text = await r.text();
      console.log(
        `${held.length} slowloris connections held: RSS ${mib(before)} → ${mib(after)} MiB ` +
          `(${
            Math.round((after - before) / 1024 / held.length)
          } KiB each); another client: ${r.status} ${text} ` +
          `in ${Math.round(performance.now() - started)} ms`,
      );
      for (const conn of held) conn.close();
    } else {
      const body = new Uint8Array(16 * MiB).fill(1);
      const post = (path: string) =>
        fetch(`${server.url}${path}`, { method: "POST", body }).then(async (r) => {
          await r.text();
          return r.status;
        }, () => 0);
      for (let i = 0; i < 3; i++) await post("/size");
      await sleep(12_000); // past the start-up trims
      const before = await rss(pid);
      let peak = before;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, await rss(pid));
          await sleep(10);
        }
      })();
      const started = performance.now();
      const statuses = await Promise.all(Array.from({ length: 48 }, () => post("/slow")));
      const tookMs = Math.round(performance.now() - started);
      sampling = false;
      await sampler;
      const after: number[] = [];
      for (let i = 0; i < 4; i++) {
        await sleep(5000);
        after.push(mib(await rss(pid)));
      }
      const count = new Map<number, number>();
      for (const s of statuses) count.set(s, (count.get(s) ?? 0) + 1);
      console.log(server.log().split("\n").find((l) => l.includes("max-body-total"))?.trim());
      console.log(
        `48 × 16 MiB in ${tookMs} ms: ${[...count].map(([s, n]) => `${n} × ${s}`).join(", ")}; RSS before ` +
          `${mib(before)} MiB, peak ${mib(peak)} MiB (+${mib(peak - before)}), then every 5 s: ${
            after.join(" ")
          } MiB`,
      );
    }
  } finally {
    await server.stop();
  }
} finally {
  await Deno.remove(home, { recursive: true });
}

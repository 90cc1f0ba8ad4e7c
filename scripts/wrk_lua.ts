/**
 * wrk (Debian package `wrk`) driven from the benchmark scripts: a POST of any body, binary included (the Lua
 * script reads the body from a file, so bytes such as NUL travel unchanged), and wrk's report parsed.
 *
 * @module
 */
import { join } from "node:path";

/** What one wrk run measured. */
export interface WrkResult {
  /** Successful (2xx) responses per second. */
  rps: number;
  /** Responses in the run (all statuses). */
  requests: number;
  /** Median latency, ms. */
  p50: number;
  /** 99th-percentile latency, ms. */
  p99: number;
  /** Responses other than 2xx/3xx. */
  non2xx: number;
}

/** A POST for wrk to repeat. */
export interface WrkRequest {
  /** The body (text is sent as UTF-8). */
  body: string | Uint8Array;
  /** Request headers; default a JSON content type. */
  headers?: Record<string, string>;
}

function parseLatencyMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text.trim());
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

/**
 * Runs wrk against `url` for `seconds` with `connections` connections (and up to 2 threads), POSTing
 * `request`, and returns its figures.
 */
export async function wrk(
  url: string,
  request: WrkRequest,
  connections: number,
  seconds: number,
): Promise<WrkResult> {
  const dir = await Deno.makeTempDir();
  const bodyFile = join(dir, "body.bin");
  const script = join(dir, "post.lua");
  await Deno.writeFile(
    bodyFile,
    typeof request.body === "string" ? new TextEncoder().encode(request.body) : request.body,
  );
  const headers = request.headers ?? { "content-type": "application/json" };
  await Deno.writeTextFile(
    script,
    [
      `wrk.method = "POST"`,
      `local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb"))`,
      `wrk.body = f:read("*a")`,
      `f:close()`,
      ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`),
      "",
    ].join("\n"),
  );
  const { stdout } = await new Deno.Command("wrk", {
    args: [
      "-t",
      String(Math.min(2, connections)),
      "-c",
      String(connections),
      "-d",
      `${seconds}s`,
      "--latency",
      "-s",
      script,
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(dir, { recursive: true });
  const text = new TextDecoder().decode(stdout);
  const latency = (p: string) =>
    parseLatencyMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(text)?.[1] ?? "");
  const total = Number(/(\d+) requests in/.exec(text)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? 0);
  return {
    rps: total > 0 ? rps * (total - non2xx) / total : rps,
    requests: total,
    p50: latency("50"),
    p99: latency("99"),
    non2xx,
  };
}

/**
 * Test helper: starts `obento serve` (or `obento registry serve`) as a real subprocess on 127.0.0.1 (port 0,
 * no deno on PATH), waits until it listens and is ready, and stops it with a signal.
 *
 * @module
 */
import { collectLog } from "./child_log.ts";
import { cleanEnv, obentoArgs, ROOT } from "./cli.ts";

/** A running `obento serve` subprocess. */
export interface ServerProcess {
  /** Base URL. */
  url: string;
  /** The process. */
  child: Deno.ChildProcess;
  /** Everything it logged to stderr so far. */
  log(): string;
  /** Sends `signal` (default SIGTERM) and returns the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

/** Options for {@link startListening}. */
export interface StartListeningOptions {
  /** Extra environment variables, added to the clean environment (default: none). */
  env?: Readonly<Record<string, string>>;
  /** A path polled after the "listening on" line until it answers 200 (default: none, listening is enough). */
  ready?: string;
  /** How long to wait for both, in ms (default 30,000). */
  timeoutMs?: number;
}

/**
 * Starts `obento ...args`, a command that logs `listening on URL` (serve, registry serve); resolves once it
 * has (and `options.ready` answers 200), or rejects with its log.
 */
export async function startListening(
  home: string,
  args: readonly string[],
  options: StartListeningOptions = {},
): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...obentoArgs(), ...args],
    cwd: ROOT,
    env: { ...cleanEnv(home), ...options.env },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const output = collectLog(child.stderr);
  const status = child.status;
  let exited = false;
  status.then(() => (exited = true));
  const give = (why: string): never => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    throw new Error(`${why}\n--- server log ---\n${output.text}`);
  };
  const until = Date.now() + (options.timeoutMs ?? 30_000);
  let url: string | undefined;
  while (!url) {
    if (exited) give("server exited before listening");
    if (Date.now() > until) give("server did not listen in time");
    url = /listening on (http:\/\/[^\s"]+)/.exec(output.text)?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 20));
  }
  while (options.ready !== undefined) {
    if (exited) give("server exited before it was ready");
    if (Date.now() > until) give("server was not ready in time");
    const r = await fetch(`${url}${options.ready}`).catch(() => undefined);
    await r?.body?.cancel();
    if (r?.status === 200) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    url,
    child,
    log: () => output.text,
    async stop(signal: Deno.Signal = "SIGTERM") {
      if (!exited) child.kill(signal);
      const { code } = await status;
      await output.done;
      return code;
    },
  };
}

/** Starts `obento serve <args> --port 0`; resolves once GET /readyz answers 200 (or rejects with the log). */
export function startServer(home: string, args: string[], timeoutMs = 30_000): Promise<ServerProcess> {
  return startListening(home, ["serve", "--port", "0", ...args], { ready: "/readyz", timeoutMs });
}

/** POSTs `body` as JSON; returns the status and the answer's text. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const r = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: r.status, text: await r.text() };
}

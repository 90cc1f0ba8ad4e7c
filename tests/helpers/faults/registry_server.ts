/**
 * A real `obento registry serve` for the fault scenarios: started as a subprocess on a free port with a
 * write and an admin token made by `obento registry token create`, stopped with SIGTERM.
 *
 * @module
 */
import { join } from "node:path";
import { collectLog } from "../child_log.ts";
import { cleanEnv, obentoArgs, ROOT } from "../cli.ts";
import { runCli } from "./common.ts";

/** A running registry server. */
export interface RegistryServer {
  /** `http://127.0.0.1:port`. */
  readonly url: string;
  /** The server's registry home (its index and `bundles/` store). */
  readonly home: string;
  /** Tokens by scope. */
  readonly tokens: { readonly write: string; readonly admin: string };
  /** Deletes `Name:version` on the server (admin); true when it was there. */
  remove(ref: string): Promise<boolean>;
  /** Scratch directories of pushes in progress (`.upload-*`) in the store. */
  uploads(): Promise<string[]>;
  /** Stops it; returns its log. */
  stop(): Promise<string>;
}

async function token(home: string, scope: string): Promise<string> {
  const r = await runCli({ home }, [
    "registry",
    "token",
    "create",
    "--scope",
    scope,
    "--name",
    scope,
    "--json",
  ]);
  if (r.code !== 0) throw new Error(`registry token create exited ${r.code}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { token: string }).token;
}

/** Starts a server over `home` (created). */
export async function startRegistryServer(home: string): Promise<RegistryServer> {
  await Deno.mkdir(home, { recursive: true });
  const tokens = { write: await token(home, "write"), admin: await token(home, "admin") };
  const child = new Deno.Command(Deno.execPath(), {
    args: [...obentoArgs(), "registry", "serve", "--port", "0"],
    cwd: ROOT,
    env: cleanEnv(home),
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const output = collectLog(child.stderr);
  const until = Date.now() + 60_000;
  let url: string | undefined;
  while (!url) {
    url = /listening on (http:\/\/\S+)/.exec(output.text)?.[1];
    if (Date.now() > until) {
      child.kill("SIGKILL");
      throw new Error(`registry did not start:\n${output.text}`);
    }
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  const base = url;
  const store = join(home, "bundles");
  return {
    url: base,
    home,
    tokens,
    async remove(ref: string) {
      const [name, version] = ref.split(":");
      const r = await fetch(`${base}/v1/bundles/${name}/${version}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${tokens.admin}` },
      });
      await r.body?.cancel();
      if (r.status !== 200 && r.status !== 404) throw new Error(`DELETE ${ref}: ${r.status}`);
      return r.status === 200;
    },
    async uploads() {
      const out: string[] = [];
      try {
        for await (const e of Deno.readDir(store)) if (e.name.startsWith(".upload-")) out.push(e.name);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      return out;
    },
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await output.done;
      return output.text;
    },
  };
}

/**
 * A real `obento registry serve` for the fault scenarios and tests/registry_server_e2e_test.ts: started as a
 * subprocess on a free port (with a write and an admin token made by `obento registry token create` for the
 * scenarios), stopped with SIGTERM.
 *
 * @module
 */
import { join } from "node:path";
import { type ServerProcess, startListening } from "../server.ts";
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
  /** Everything it logged so far (one line per request: `PUT /v1/… 201 12ms`). */
  log(): string;
  /** Stops it; returns its log. */
  stop(): Promise<string>;
}

/** Creates a token of `scope` (named after it) with `obento registry token create` on `home`. */
export async function createToken(home: string, scope: string): Promise<{ token: string; id: string }> {
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
  return JSON.parse(r.stdout) as { token: string; id: string };
}

/** Starts `obento registry serve --port 0 ...extraArgs` over `home`; resolves once it listens. */
export function startRegistry(
  home: string,
  extraArgs: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<ServerProcess> {
  return startListening(home, ["registry", "serve", "--port", "0", ...extraArgs], { env, timeoutMs: 60_000 });
}

/** Starts a server over `home` (created), with a write and an admin token. */
export async function startRegistryServer(home: string): Promise<RegistryServer> {
  await Deno.mkdir(home, { recursive: true });
  const tokens = {
    write: (await createToken(home, "write")).token,
    admin: (await createToken(home, "admin")).token,
  };
  const server = await startRegistry(home);
  const base = server.url;
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
    log: () => server.log(),
    async stop() {
      await server.stop();
      return server.log();
    },
  };
}

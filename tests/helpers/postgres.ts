/**
 * Test helper: a throwaway PostgreSQL server on 127.0.0.1 — `initdb` into a temp directory, `postgres` on a
 * free port, stopped (and its directory removed) by {@link PostgresServer.stop}. Uses Debian's binaries in
 * `/usr/lib/postgresql/<major>/bin` (or `$PG_BIN`). PostgreSQL refuses to run as root, so as root the server
 * runs as the `postgres` user through `runuser`. {@link findPostgres} says why when the binaries are missing
 * so tests can skip with that reason (CI installs them: `.ci/run`).
 *
 * @module
 */
import { collectLog } from "./child_log.ts";
import { join } from "node:path";

/** A running throwaway server. */
export interface PostgresServer {
  /** `postgres://obento@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

/** Where the binaries are, or why there are none. */
export type PostgresLookup = { bin: string } | { missing: string };

/** Finds `initdb` and `postgres`: `$PG_BIN`, else the newest `/usr/lib/postgresql/<major>/bin`. */
export function findPostgres(): PostgresLookup {
  const candidates: string[] = [];
  const fromEnv = Deno.env.get("PG_BIN");
  if (fromEnv) candidates.push(fromEnv);
  try {
    const majors = [...Deno.readDirSync("/usr/lib/postgresql")].map((e) => e.name)
      .filter((n) => /^\d+$/.test(n)).sort((a, b) => Number(b) - Number(a));
    for (const m of majors) candidates.push(`/usr/lib/postgresql/${m}/bin`);
  } catch { /* not installed */ }
  for (const bin of candidates) {
    try {
      Deno.statSync(join(bin, "initdb"));
      Deno.statSync(join(bin, "postgres"));
      return { bin };
    } catch { /* try the next */ }
  }
  return {
    missing: "PostgreSQL binaries not found (no initdb/postgres in $PG_BIN or /usr/lib/postgresql/*/bin); " +
      "install them with `apt-get install -y postgresql`",
  };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function run(cmd: string, args: string[], asPostgres: boolean): Promise<void> {
  const [exe, argv] = asPostgres ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  const { code, stderr, stdout } = await new Deno.Command(exe, {
    args: argv,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (code !== 0) {
    const d = new TextDecoder();
    throw new Error(`${cmd} ${args.join(" ")} exited ${code}: ${d.decode(stdout)}${d.decode(stderr)}`);
  }
}

/**
 * Starts a server (initdb with trust auth, superuser `obento`, database `postgres`) and waits until it accepts
 * connections.
 */
export async function startPostgres(bin: string): Promise<PostgresServer> {
  const asPostgres = Deno.uid() === 0;
  const dir = await Deno.makeTempDir({ prefix: "obento-pg-" });
  const data = join(dir, "data");
  if (asPostgres) await run("chown", ["-R", "postgres", dir], false);
  await run(
    join(bin, "initdb"),
    ["-D", data, "-U", "obento", "--auth=trust", "-E", "UTF8", "--no-sync"],
    asPostgres,
  );
  const port = freePort();
  const args = ["-D", data, "-p", String(port), "-h", "127.0.0.1", "-k", dir, "-F", "-c", "fsync=off"];
  const child = new Deno.Command(asPostgres ? "runuser" : join(bin, "postgres"), {
    args: asPostgres ? ["-u", "postgres", "--", join(bin, "postgres"), ...args] : args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const output = collectLog(child.stderr);
  const stop = async () => {
    // pg_ctl, not a signal to the child: as root the child is runuser, which does not pass signals on
    await run(join(bin, "pg_ctl"), ["-D", data, "stop", "-m", "fast", "-w"], asPostgres).catch(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
    });
    await child.status;
    await output.done;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const until = Date.now() + 30_000;
  for (;;) {
    if (/ready to accept connections/.test(output.text)) break;
    if (Date.now() > until) {
      await stop();
      throw new Error(`postgres did not start in time:\n${output.text}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `postgres://obento@127.0.0.1:${port}/postgres`, stop };
}

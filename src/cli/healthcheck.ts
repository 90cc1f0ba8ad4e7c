/**
 * `obento healthcheck [--port N] [--host H] [--path P] [--timeout MS]`: GETs the server's `/healthz` and
 * exits 0 when it answers 200, 1 otherwise: a container's HEALTHCHECK without curl in the image.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { intFlag, parseFlags, stringFlag } from "./args.ts";
import type { CliContext, Command } from "./command.ts";

/** The `healthcheck` command. */
export const healthcheckCommand: Command = {
  name: "healthcheck",
  summary: "check a running server's /healthz (exit 0 healthy, 1 not): for container health checks",
  help: `Usage:
  obento healthcheck [--port N] [--host H] [--path P] [--timeout MS]

GETs http://H:N/P and exits 0 when the server answers 200 within the timeout, 1 otherwise (with one
line on stderr saying why): what Docker's HEALTHCHECK expects. Images built by \`obento containerize\`
use it, as their base image has no curl.

Options:
  --port N       the server's port (default 3000)
  --host H       its address (default 127.0.0.1)
  --path P       the path to check (default /healthz; /readyz: ready to take work)
  --timeout MS   how long to wait for the answer, ms (default 3000)
  -h, --help     show this help

Examples:
  obento healthcheck --port 3000
  obento healthcheck --port 3000 --path /readyz
`,
  async run(args: string[], ctx: CliContext): Promise<number> {
    const parsed = parseFlags("healthcheck", args, {
      port: { type: "string" },
      host: { type: "string" },
      path: { type: "string" },
      timeout: { type: "string" },
    });
    if (parsed.positionals.length > 0) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "obento healthcheck takes no arguments (see `obento healthcheck --help`)",
      );
    }
    const port = intFlag("healthcheck", parsed, "port", 3000);
    const timeout = intFlag("healthcheck", parsed, "timeout", 3000);
    const host = stringFlag(parsed, "host") ?? "127.0.0.1";
    const path = stringFlag(parsed, "path") ?? "/healthz";
    if (port > 65535 || !path.startsWith("/")) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        "obento healthcheck: --port must be 1 to 65535 and --path start with /",
      );
    }
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}${path}`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeout) });
      await response.body?.cancel();
      if (response.status === 200) {
        ctx.out(`${url}: 200\n`);
        return 0;
      }
      ctx.err(`unhealthy: ${url} answered ${response.status}\n`);
    } catch (error) {
      const why = error instanceof DOMException && error.name === "TimeoutError"
        ? `no answer within ${timeout} ms`
        : (error as Error).message.split("\n")[0];
      ctx.err(`unhealthy: ${url}: ${why}\n`);
    }
    return 1;
  },
};

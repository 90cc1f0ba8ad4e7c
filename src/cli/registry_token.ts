/**
 * `obento registry token create|list|revoke`: manages a registry server's bearer tokens, directly in its
 * database (`--db`, the same value `registry serve` was given).
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { openBackend } from "../registry_server/backend.ts";
import { createToken, parseScope } from "../registry_server/tokens.ts";
import { parseFlags, stringFlag } from "./args.ts";
import type { CliContext } from "./command.ts";
import { registryDb } from "./registry_serve.ts";
import { formatTable } from "./table.ts";

/** The `token` part of `obento registry --help`. */
export const REGISTRY_TOKEN_HELP =
  `token   tokens for \`obento registry serve\`: read lists and pulls, write also pushes, admin also deletes. create
prints the token once (only its sha256 is stored); clients send it as $OBENTO_TOKEN. revoke takes effect
on the next request. --db is the server's database (default $OBENTO_HOME/registry.db).
`;

/** Runs `obento registry token …`. */
export async function registryToken(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseFlags("registry token", args, {
    scope: { type: "string" },
    name: { type: "string" },
    db: { type: "string" },
    json: { type: "boolean" },
  });
  const [sub, ...rest] = parsed.positionals;
  const json = parsed.values.json === true;
  if (
    !["create", "list", "revoke"].includes(sub ?? "") ||
    (sub === "revoke" ? rest.length !== 1 : rest.length > 0)
  ) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      'obento registry token: expected "create --scope SCOPE", "list" or "revoke ID" (see `obento registry --help`)',
    );
  }
  const backend = await openBackend({ db: registryDb(ctx, stringFlag(parsed, "db")) });
  try {
    if (sub === "create") {
      const scopeText = stringFlag(parsed, "scope");
      if (scopeText === undefined) {
        throw new ObentoError(
          "BAD_ARGUMENT",
          "obento registry token create: give --scope read, write or admin",
        );
      }
      const { token, info } = await createToken(
        backend.tokens,
        parseScope(scopeText),
        stringFlag(parsed, "name") ?? "",
      );
      if (json) ctx.out(JSON.stringify({ token, ...info }) + "\n");
      else {
        ctx.out(`${token}\n`);
        ctx.err(`token ${info.id} (scope ${info.scope}) created; it is shown only now\n`);
      }
      return 0;
    }
    if (sub === "list") {
      const tokens = await backend.tokens.list();
      if (json) ctx.out(JSON.stringify(tokens) + "\n");
      else if (tokens.length === 0) ctx.err("no tokens\n");
      else {
        ctx.out(formatTable(
          ["ID", "SCOPE", "NAME", "CREATED", "REVOKED"],
          tokens.map((t) => [t.id, t.scope, t.name, t.createdAt, t.revokedAt ?? ""]),
        ));
      }
      return 0;
    }
    const id = rest[0];
    if (!(await backend.tokens.revoke(id, new Date().toISOString()))) {
      throw new ObentoError("NOT_FOUND", `no live token ${id}; see \`obento registry token list\``);
    }
    ctx.out(`revoked ${id}\n`);
    return 0;
  } finally {
    await backend.close();
  }
}

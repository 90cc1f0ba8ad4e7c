/**
 * `obento pack` evaluates the service module in a sandbox (issue 15, item 1): top-level code may read the
 * service's own folder and nothing else, so a service that reads /etc/passwd or the environment while it is
 * packed fails with an error naming the refusal, and no bundle is made. Three packs through the real CLI.
 */
import assert from "node:assert/strict";
import { obento, ROOT, runObento } from "./helpers/cli.ts";

const REFUSED =
  /refused by pack's sandbox \(pack evaluates the service module with no permission but reading its folder/;

Deno.test("pack: top-level code may read its own folder, not /etc/passwd or the environment", async () => {
  const home = await Deno.makeTempDir({ prefix: "obento-pack-sandbox-" });
  try {
    const pack = (file: string) =>
      runObento({ home, cwd: ROOT, env: { OBENTO_SECRET: "s3cret" } }, [
        "pack",
        `tests/fixtures/services/pack_probe/${file}`,
        "--no-check",
      ]);
    const passwd = await pack("reads_passwd.ts");
    assert.equal(passwd.code, 65, passwd.stderr);
    assert.match(
      passwd.stderr,
      /reads_passwd\.ts failed while loading: Requires read access to "\/etc\/passwd"/,
    );
    assert.match(passwd.stderr, REFUSED);

    const env = await pack("reads_env.ts");
    assert.equal(env.code, 65, env.stderr);
    assert.match(env.stderr, /reads_env\.ts failed while loading: Requires env access/);
    assert.match(env.stderr, REFUSED);
    assert.doesNotMatch(env.stderr + env.stdout, /s3cret/);

    const own = await pack("reads_own_folder.ts");
    assert.equal(own.code, 0, own.stderr);
    const listed = await obento(home, "list");
    assert.match(listed.stdout, /ReadsOwnFolder/);
    assert.doesNotMatch(listed.stdout, /ReadsPasswd|ReadsEnv/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
